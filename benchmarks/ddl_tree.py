"""Benchmark: a 100-revision alembic tree checked against a snapshot built from its base.

Run by hand (not part of the test suite):  .venv/bin/python benchmarks/ddl_tree.py
[--engine mariadb|postgresql] [--revisions 100] [--rows 10000]. Writes a tree in the shape of
an OpenStack project (one directory per release and branch), builds the base from its initial
revision, then prints each stage's time and the time per revision of offline capture (the
baseline, measured in the same run) and of online capture on a scratch clone, with their ratio.
"""

import argparse
import tempfile
import time
from pathlib import Path

from ddl_check.alembic_tree import TreeOptions
from ddl_check.check import Checker, CheckOptions
from ddl_check.tree_patch import TreePatch

RELEASE = 20  # revisions per release: 12 expand, 2 migrate, 6 contract
HEADER = '''"""{doc}"""
import sqlalchemy as sa
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {depends!r}


def upgrade():
{body}
'''
INITIAL = """    for t in range(4):
        op.create_table(
            f"t{{t}}",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
            *[sa.Column(f"old{{c}}", sa.Integer()) for c in range(8)],
        )
        rows = [{{"id": i, **{{f"old{{c}}": i for c in range(8)}}}} for i in range({rows})]
        columns = [sa.column("id"), *[sa.column(f"old{{c}}") for c in range(8)]]
        op.bulk_insert(sa.table(f"t{{t}}", *columns), rows)
"""


def _write(path: Path, **fields: object) -> None:
    """One revision file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(**fields))


def write_tree(root: Path, revisions: int, rows: int) -> Path:
    """An alembic tree of `revisions` revisions after its initial one, release by release."""
    versions = root / "versions"
    (root / "script.py.mako").parent.mkdir(parents=True, exist_ok=True)
    (root / "script.py.mako").write_text("")
    (root / "env.py").write_text("")
    init = INITIAL.format(rows=rows)
    _write(
        versions / "initial.py",
        doc="base",
        rev="init",
        down=None,
        labels=None,
        depends=None,
        body=init,
    )
    last = {"expand": "init", "migrate": "init", "contract": "init"}
    for n in range(revisions):
        release, k = divmod(n, RELEASE)
        phase = "expand" if k < 12 else "migrate" if k < 14 else "contract"
        table, col, drop = f"t{n % 4}", f"c{n}", release * 6 + k - 14  # 32 old columns to drop
        body = {
            "expand": f'    op.add_column("{table}", sa.Column("{col}", sa.Integer()))'
            if k % 3
            else f'    op.create_index("ix_{n}", "{table}", ["old{k % 8}"])',
            "migrate": f'    op.execute("UPDATE t{(n - 2) % 4} SET c{n - 2} = id")',
            "contract": f'    op.drop_column("t{drop % 4}", "old{drop // 4}")'
            if drop < 32
            else "    pass",
        }[phase]
        rev = f"r{n:03d}"
        first = last[phase] == "init"
        _write(
            versions / f"{2020 + release}.1" / phase / f"{rev}.py",
            doc=f"{phase} {n}",
            rev=rev,
            down=last[phase],
            labels=(phase,) if first else None,
            depends=(last["expand"],) if phase == "migrate" else None,
            body=body,
        )
        last[phase] = rev
    return root


def main() -> None:
    """Offline capture (baseline) and the online check of the same tree, stage by stage."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="mariadb", choices=["mariadb", "postgresql"])
    parser.add_argument("--revisions", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddl_tree_bench_") as tmp:
        tree = write_tree(Path(tmp) / "tree", args.revisions, args.rows)
        offline = TreePatch(tree, TreeOptions(capture="offline"), args.engine)
        start = time.perf_counter()
        captured = len(offline.capture().statements)
        off = time.perf_counter() - start
        print(f"{args.engine}: {args.revisions} revisions, {args.rows} rows in each of 4 tables")
        print(f"offline capture (baseline): {off:7.2f}s  {off / args.revisions * 1000:7.1f} ms/rev")
        checker = Checker(CheckOptions(None, [tree], args.engine))
        stages: dict[str, float] = {}
        total = time.perf_counter()
        try:
            t = time.perf_counter()
            sources, _, _ = checker.load()
            stages["read the tree"] = time.perf_counter() - t
            t = time.perf_counter()
            checker.restore(sources)
            stages["build the base from initial"] = time.perf_counter() - t
            t = time.perf_counter()
            patches = checker.capture(sources)
            on = stages["online capture on a clone"] = time.perf_counter() - t
            t = time.perf_counter()
            [report] = checker.check_all(patches, None, None)
            stages["check (clone, run, probe, rollback)"] = time.perf_counter() - t
        finally:
            checker.close()
        total = time.perf_counter() - total
        for stage, seconds in stages.items():
            print(f"  {stage:<38} {seconds:7.2f}s")
        print(f"online check, total: {total:7.2f}s  {total / args.revisions * 1000:7.1f} ms/rev")
        runs = sum(r.seconds for s in sources if isinstance(s, TreePatch) for r in s.captured)
        print(
            f"online capture: {on:7.2f}s  {on / args.revisions * 1000:7.1f} ms/rev  "
            f"ratio to offline {on / off:.2f}"
        )
        print(
            f"  of which upgrade() runs: {runs:7.2f}s  {runs / args.revisions * 1000:7.1f} ms/rev  "
            f"ratio to offline {runs / off:.2f} (the rest: cloning and dropping the clone)"
        )
        print(
            f"statements: {captured} offline, {len(patches[0].statements)} online; "
            f"findings {len(report.findings)} ({sum(f.fails for f in report.findings)} failing)"
        )
        for finding in (f for f in report.findings if f.fails):
            print(f"  {finding.code} {Path(finding.file).name}: {finding.message[:90]}")
        for note in report.notes:
            print(f"  note: {note[:120]}")


if __name__ == "__main__":
    main()
