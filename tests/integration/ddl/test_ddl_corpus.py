"""The labelled corpus: each verdict, and MariaDB's lock probe checked against the engine."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import pytest
from ddl_it_helpers import CORPUS, run_script

from ddl_check.engines.base import Engine
from ddl_check.model import Patch, Phase, Statement
from ddl_check.report import render_text
from ddl_check.rules import CATALOGUE
from ddl_check.runner import PatchRun
from ddl_check.sqltext import split
from ddl_check.workload import Workload

pytestmark = pytest.mark.integration

ENTRIES = sorted(p for p in CORPUS.glob("*/*.sql") if not p.name.startswith("_"))
SECTION = re.compile(r"^-- (setup|expand|migrate|contract|old-workload|new-workload)$")


@dataclass
class Entry:
    """One labelled migration: expected failing codes and its SQL by section."""

    path: Path
    expect: set[str]
    sections: dict[str, tuple[int, str]] = field(default_factory=dict)

    def statements(self, engine: str) -> list[Statement]:
        """The migration's statements, with the corpus file's own line numbers."""
        out: list[Statement] = []
        for phase in Phase:
            if phase.value in self.sections:
                offset, text = self.sections[phase.value]
                out += [
                    Statement(r.sql, phase, str(self.path), r.line + offset, r.allows)
                    for r in split(text, engine, str(self.path))
                ]
        return out

    def workload(self, name: str, engine: str) -> Workload | None:
        """A workload section as a workload."""
        if name not in self.sections:
            return None
        return Workload(
            name, [r.sql for r in split(self.sections[name][1], engine, str(self.path))]
        )


def load_entry(path: Path) -> Entry:
    """Parse the `-- expect:` header and the sections."""
    lines = path.read_text().splitlines()
    expect = lines[0].removeprefix("-- expect:").strip()
    entry = Entry(path, set() if expect == "none" else set(expect.split(",")))
    current, start, body = "", 0, []
    for number, line in enumerate([*lines, "-- setup"], start=1):
        match = SECTION.match(line)
        if match:
            if current:
                entry.sections[current] = (start, "\n".join(body))
            current, start, body = match[1], number, []
        elif current:
            body.append(line)
    return entry


def apply_entry(engine: Engine, db: str, entry: Entry) -> PatchRun:
    """Set the database up as the entry says and run the checker on it."""
    run_script(engine, db, (entry.path.parent / "_common.sql").read_text())
    if "setup" in entry.sections:
        run_script(engine, db, entry.sections["setup"][1])
    patch = Patch(entry.path.stem, entry.statements(engine.name))
    return PatchRun(
        engine,
        db,
        patch,
        entry.workload("old-workload", engine.name),
        entry.workload("new-workload", engine.name),
        lambda _m: None,
    )


def test_corpus_is_big_enough_and_covers_every_rule():
    entries = [load_entry(p) for p in ENTRIES]
    assert len(entries) >= 40
    covered = set().union(*(e.expect for e in entries))
    assert set(CATALOGUE) - {"PLAN002"} <= covered  # PLAN002 (latency) is a warning: see unit tests
    assert sum(1 for e in entries if not e.expect) >= 10  # safe migrations too


@pytest.mark.parametrize("path", ENTRIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_corpus_verdict(path, scratch):
    entry = load_entry(path)
    engine, db = scratch(path.parent.name)
    report = apply_entry(engine, db, entry).run()
    failing = {f.code for f in report.findings if f.fails}
    assert failing == entry.expect, render_text([report])
    assert report.failed == bool(entry.expect)


PROBE_ORDER = [
    ("INSTANT", "NONE"),
    ("NOCOPY", "NONE"),
    ("INPLACE", "NONE"),
    ("INPLACE", "SHARED"),
    ("COPY", "SHARED"),
    ("COPY", "EXCLUSIVE"),
]
MARIADB = [p for p in ENTRIES if p.parent.name == "mariadb"]


@pytest.mark.parametrize("path", MARIADB, ids=lambda p: p.stem)
def test_mariadb_probe_agrees_with_engine(path, scratch):
    """Replay each probed statement: better combinations are refused, the reported one accepted."""
    entry = load_entry(path)
    engine, db = scratch("mariadb")
    report = apply_entry(engine, db, entry).run()
    probed = [r for r in report.runs if (r.algorithm, r.lock) in PROBE_ORDER]
    for run in probed:
        fresh_engine, fresh = scratch("mariadb")
        run_script(fresh_engine, fresh, (path.parent / "_common.sql").read_text())
        if "setup" in entry.sections:
            run_script(fresh_engine, fresh, entry.sections["setup"][1])
        conn = fresh_engine.connect(fresh)
        try:
            for earlier in report.runs[: report.runs.index(run)]:
                if not earlier.error:
                    fresh_engine.query(conn, earlier.sql)
            for algorithm, lock in PROBE_ORDER[: PROBE_ORDER.index((run.algorithm, run.lock))]:
                with pytest.raises(pymysql.MySQLError) as refused:
                    fresh_engine.query(conn, fresh_engine._with(run.sql, algorithm, lock))  # type: ignore[attr-defined]
                assert refused.value.args[0] in {1845, 1846}, refused.value
            fresh_engine.query(conn, fresh_engine._with(run.sql, run.algorithm, run.lock))  # type: ignore[attr-defined]
        finally:
            conn.close()
    if any(
        re.match(r"^\s*(ALTER|CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX)", s.sql, re.I)
        and not s.error
        for s in report.runs
    ):
        assert probed, "an ALTER/INDEX statement ran without a probe answer"
