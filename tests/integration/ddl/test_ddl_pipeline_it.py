"""The clone pipeline: patches run side by side, clones bounded, every clone dropped (SQLite)."""

import threading
import time

import pytest

from ddl_check.engines import get_engine
from ddl_check.pipeline import ClonePipeline

pytestmark = pytest.mark.integration


def base(tmp_path):
    engine = get_engine("sqlite", scratch_dir=str(tmp_path))
    engine.create("base")
    conn = engine.connect("base")
    engine.query(conn, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.close()
    return engine


def clones(tmp_path) -> set[str]:
    return {p.name for p in tmp_path.glob("pre_p*.sqlite")}


@pytest.mark.parametrize("workers", [1, 2])
def test_clones_are_made_ahead_bounded_and_dropped(tmp_path, workers):
    engine = base(tmp_path)
    seen: list[int] = []
    running: set[int] = set()
    overlap = threading.Event()
    lock = threading.Lock()

    def work(i: int, db: str) -> str:
        with lock:
            running.add(i)
            if len(running) > 1:
                overlap.set()
        time.sleep(0.1)  # long enough for the next clone to be made meanwhile
        seen.append(len(clones(tmp_path)))
        conn = engine.connect(db)
        engine.query(conn, f"INSERT INTO t VALUES ({i})")  # each patch has its own clone
        rows = engine.query(conn, "SELECT id FROM t")
        conn.close()
        with lock:
            running.discard(i)
        return f"{i}:{rows}"

    got = ClonePipeline(engine, "base", "pre", workers).run(6, work)
    assert got == [f"{i}:[({i},)]" for i in range(6)]  # in order, untouched by the others
    assert max(seen) <= workers + 1 and max(seen) >= 2  # the next clone was ready in advance
    assert overlap.is_set() == (workers == 2)
    assert clones(tmp_path) == set()


def test_a_failing_patch_stops_the_run_and_leaves_no_clone(tmp_path):
    engine = base(tmp_path)

    def work(i: int, db: str) -> int:
        if i == 2:
            raise RuntimeError("patch 2 broke")
        return i

    with pytest.raises(RuntimeError, match="patch 2 broke"):
        ClonePipeline(engine, "base", "pre", 2).run(10, work)
    assert clones(tmp_path) == set()
