"""Clones made ahead of need and dropped behind, so a patch rarely waits for a copy."""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ddl_check.engines.base import Engine

T = TypeVar("T")


class Cancelled(Exception):
    """A clone that was still waiting for a free slot when the run stopped."""


class ClonePipeline:
    """Run patches on `workers` threads; at most `workers + 1` clones exist at any time."""

    def __init__(self, engine: Engine, base: str, prefix: str, workers: int = 1) -> None:
        self.engine, self.base, self.prefix, self.workers = engine, base, prefix, max(1, workers)
        self.slots = threading.BoundedSemaphore(self.workers + 1)  # bounds the disk used
        self.stop = threading.Event()
        self.made: set[str] = set()
        self.lock = threading.Lock()

    def _make(self, db: str) -> str:
        """Wait for a free slot, then clone the base into `db`."""
        while not self.slots.acquire(timeout=0.1):
            if self.stop.is_set():
                raise Cancelled(db)
        with self.lock:
            self.made.add(db)
        self.engine.clone(self.base, db)
        return db

    def _drop(self, db: str) -> None:
        """Drop a clone (and its rollback copy) and free its slot."""
        try:
            self.engine.drop(db)
            self.engine.drop_rollback(db)
        finally:
            with self.lock:
                self.made.discard(db)
            self.slots.release()

    def run(self, count: int, work: Callable[[int, str], T]) -> list[T]:
        """work(i, clone) for i in range(count), results in order; every clone is dropped."""
        drops: list[Future[None]] = []
        try:
            with (
                ThreadPoolExecutor(self.workers, "ddl-clone") as cloner,
                ThreadPoolExecutor(1, "ddl-drop") as dropper,
                ThreadPoolExecutor(self.workers, "ddl-patch") as runner,
            ):
                clones = [cloner.submit(self._make, f"{self.prefix}_p{i}") for i in range(count)]

                def job(i: int) -> T:
                    db = clones[i].result()
                    try:
                        return work(i, db)
                    finally:
                        drops.append(dropper.submit(self._drop, db))

                jobs = [runner.submit(job, i) for i in range(count)]
                try:
                    results = [j.result() for j in jobs]
                except BaseException:
                    self.stop.set()
                    pending: list[Future[Any]] = [*jobs, *clones]
                    for future in pending:
                        future.cancel()
                    raise
            for drop in drops:
                drop.result()  # a clone that could not be dropped is an error, not litter
            return results
        finally:
            for db in sorted(self.made):  # made but never run: the run stopped early
                self._drop(db)
