"""Each rule page's bad migration is flagged with its code by the checker on a real database,
and its good migration is not: the pages show what the checker really does."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ddl_it_helpers import source_db, write_patch

from ddl_check.check import CheckOptions, run_check
from ddl_check.model import PatchReport
from ddl_check.rule_pages import BASE_SCHEMA, EXAMPLES, Example
from ddl_check.rules import Code

pytestmark = pytest.mark.integration
Group = tuple[str, str, str, str]  # what one checker run shares: engine, setup, workloads


def _group(example: Example) -> Group:
    return example.engine, example.setup, example.old_workload, example.new_workload


# Examples on the same database and workloads share one checker run (one restore).
GROUPS: dict[Group, list[Code]] = {}
for _code, _example in EXAMPLES.items():
    if not _example.timing:  # a finding of measured time is shown on its page, not tested
        GROUPS.setdefault(_group(_example), []).append(_code)


@contextmanager
def _snapshot(engine: str, setup: str, root: Path) -> Iterator[str]:
    """A snapshot of BASE_SCHEMA plus `setup`: an SQLite file, or a live database."""
    if engine == "sqlite":
        path = root / "snapshot.sqlite"
        with sqlite3.connect(path) as conn:
            conn.executescript(BASE_SCHEMA + setup)
        yield str(path)
        return
    with source_db(engine, BASE_SCHEMA + setup) as (live, db):
        yield live.url(db)


def _workload(root: Path, name: str, sql: str) -> str | None:
    """A workload file holding `sql`, or None."""
    if not sql:
        return None
    (root / f"{name}.sql").write_text(sql + "\n")
    return str(root / f"{name}.sql")


def _shown(report: PatchReport) -> set[str]:
    """The codes a report shows against the patch (warnings too), not those it allows."""
    return {f.code for f in report.findings if f.allowed is None}


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: "+".join(GROUPS[g]))
def test_bad_is_flagged_and_good_is_not(group: Group, tmp_path: Path) -> None:
    engine, setup, old, new = group
    patches = [write_patch(tmp_path / f"{code}-{side}",
                           {p.value: sql for p, sql in getattr(EXAMPLES[code], side).items()})
               for code in GROUPS[group] for side in ("bad", "good")]
    with _snapshot(engine, setup, tmp_path) as snapshot:
        reports = run_check(CheckOptions(snapshot, patches, engine, _workload(tmp_path, "old", old),
                                         _workload(tmp_path, "new", new), workers=1))
    for code, bad, good in zip(GROUPS[group], reports[::2], reports[1::2], strict=True):
        assert code in _shown(bad), (code, [(f.code, f.message) for f in bad.findings])
        assert code not in _shown(good), (code, [(f.code, f.message) for f in good.findings])
