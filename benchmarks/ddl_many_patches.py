"""Benchmark: 20 patches against a 1M-row snapshot, clone-per-patch versus restore-per-patch.

Run by hand (not part of the test suite):  .venv/bin/python benchmarks/ddl_many_patches.py
[--engine postgresql|mariadb] [--rows 1000000] [--patches 20]. Prints the sequential
restore-per-patch baseline, then clone-per-patch with one and with two patches at a time (clones
made ahead and dropped behind in both), each with its ratio to the baseline (target: <= 0.25).
"""

import argparse
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from ddl_check.check import Checker, CheckOptions
from ddl_check.engines import get_engine
from ddl_check.migrations import load_patch
from ddl_check.model import Patch
from ddl_check.runner import PatchRun

SETUP = {
    "postgresql": [
        "CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL)",
        "CREATE TABLE items (id serial PRIMARY KEY, parent_id int, grp int, name varchar(50), "
        "legacy int)",
        "CREATE INDEX ix_legacy ON items (legacy)",
        "INSERT INTO parent SELECT g, 'p' || g FROM generate_series(0, 999) g",
        "INSERT INTO items (parent_id, grp, name, legacy) SELECT g % 1000, g % 97, 'n' || g, g "
        "FROM generate_series(1, {rows}) g",
    ],
    "mariadb": [
        "CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)",
        "CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, parent_id INT, grp INT, "
        "name VARCHAR(50), legacy INT, INDEX ix_legacy (legacy))",
        "INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_0_to_999",
        "INSERT INTO items (parent_id, grp, name, legacy) SELECT seq % 1000, seq % 97, "
        "CONCAT('n', seq), seq FROM seq_1_to_{rows}",
    ],
}
DUMP = {
    "postgresql": ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-d"],
    "mariadb": ["mariadb-dump", "-h127.0.0.1", "-uroot"],
}


def make_snapshot(engine_name: str, rows: int, out: Path) -> Path:
    """Generate the source database, dump it to a file, drop it."""
    engine = get_engine(engine_name)
    db = f"ddl_{uuid.uuid4().hex[:8]}_bench"
    engine.create(db)
    try:
        conn = engine.connect(db)
        for stmt in SETUP[engine_name]:
            engine.query(conn, stmt.format(rows=rows))
        conn.close()
        dump = out / "snapshot.sql"
        with dump.open("wb") as fh:
            subprocess.run([*DUMP[engine_name], db], stdout=fh, check=True)
        return dump
    finally:
        engine.drop(db)


def write_patches(root: Path, count: int) -> list[Path]:
    """Small, typical patches: add a column, index it, backfill a few rows, drop a column."""
    paths = []
    for i in range(count):
        p = root / f"patch{i:02d}"
        for phase, sql in {
            "expand": f"ALTER TABLE parent ADD COLUMN c{i} int;\n"
            f"CREATE TABLE side{i} (id int PRIMARY KEY, items_id int);",
            "migrate": f"UPDATE parent SET c{i} = id WHERE id < 10;",
            "contract": "ALTER TABLE parent DROP COLUMN name;",
        }.items():
            (p / phase).mkdir(parents=True)
            (p / phase / "001.sql").write_text(sql)
        paths.append(p)
    return paths


def clone_per_patch(snapshot: Path, engine_name: str, patches: list[Patch], workers: int) -> float:
    """Restore once, clone for each patch (made ahead, dropped behind, `workers` at a time)."""
    start = time.perf_counter()
    checker = Checker(CheckOptions(str(snapshot), [], engine_name, workers=workers))
    try:
        checker.restore()
        checker.check_all(patches, None, None)
    finally:
        checker.close()
    return time.perf_counter() - start


def restore_per_patch(snapshot: Path, engine_name: str, patches: list[Patch]) -> float:
    """Restore the dump afresh for each patch."""
    start = time.perf_counter()
    checker = Checker(CheckOptions(str(snapshot), [], engine_name))
    engine, snap = checker.engine, checker.snapshot
    assert snap is not None
    for i, patch in enumerate(patches):
        db = f"{checker.prefix}_r{i}"
        try:
            engine.restore(snap, db)
            PatchRun(engine, db, patch, None, None, lambda _m: None).run()
        finally:
            engine.drop(db)
            engine.drop_rollback(db)
    checker.close()
    return time.perf_counter() - start


def main() -> None:
    """Build the snapshot, time both strategies in the same run, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="postgresql", choices=sorted(SETUP))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--patches", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddl_bench_") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        snapshot = make_snapshot(args.engine, args.rows, root)
        size = snapshot.stat().st_size / 1e6
        print(
            f"{args.engine}: snapshot of {args.rows} rows ({size:.0f} MB) "
            f"built in {time.perf_counter() - t0:.1f}s"
        )
        patches = [load_patch(p, args.engine) for p in write_patches(root, args.patches)]
        restored = restore_per_patch(snapshot, args.engine, patches)
        print(f"restore-per-patch (baseline, sequential): {restored:7.1f}s")
        for workers in (1, 2):
            cloned = clone_per_patch(snapshot, args.engine, patches, workers)
            print(
                f"clone-per-patch, {workers} at a time:        {cloned:7.1f}s  "
                f"ratio {cloned / restored:.3f} (target <= 0.25)"
            )


if __name__ == "__main__":
    main()
