"""The checker's entry point: restore the snapshot once, clone it per patch, report per patch."""

import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ddl_check.engines import get_engine
from ddl_check.engines.base import Engine, Progress
from ddl_check.errors import SnapshotError
from ddl_check.migrations import load_patch
from ddl_check.model import Patch, PatchReport
from ddl_check.pipeline import ClonePipeline
from ddl_check.runner import PatchRun
from ddl_check.snapshot import Snapshot, detect, file_checksum, validate
from ddl_check.workload import Workload, load_workload


@dataclass
class CheckOptions:
    """What to check and where."""

    snapshot: str
    migrations: Sequence[Path]
    engine: str | None = None
    old_workload: str | None = None
    new_workload: str | None = None
    scratch_url: str | None = None
    workers: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))


def _checksum(engine: Engine, snap: Snapshot) -> str:
    """A checksum of the original, taken before and after to prove it was not modified."""
    return engine.live_checksum(snap.source) if snap.is_url else file_checksum(snap.path)


class Checker:
    """Restore once, then run any number of patches, each on its own cheap clone."""

    def __init__(
        self,
        options: CheckOptions,
        say: Callable[[str], None] = lambda _m: None,
        restore_progress: Callable[[int], Progress] | None = None,
    ) -> None:
        self.options, self.say, self.restore_progress = options, say, restore_progress
        self.snapshot = detect(options.snapshot, options.engine)
        validate(self.snapshot)
        self._stack = ExitStack()
        scratch = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="ddl_check_"))
        self.engine = get_engine(self.snapshot.engine, options.scratch_url, scratch)
        self.prefix = f"ddl_{uuid.uuid4().hex[:8]}"
        self.base = f"{self.prefix}_base"

    def load(self) -> tuple[list[Patch], Workload | None, Workload | None]:
        """Read every input before anything is restored, so bad input fails fast."""
        name = self.engine.name
        patches = [load_patch(Path(p), name) for p in self.options.migrations]
        old = load_workload(self.options.old_workload, name) if self.options.old_workload else None
        new = load_workload(self.options.new_workload, name) if self.options.new_workload else None
        return patches, old, new

    def restore(self) -> float:
        """Restore the snapshot into the base scratch database; return the seconds it took."""
        import time

        start = time.perf_counter()
        self.say(
            f"restoring {self.snapshot.label()} into {self.engine.name} scratch db {self.base}"
        )
        size = 0 if self.snapshot.is_url else self.snapshot.path.stat().st_size
        progress = self.restore_progress(size) if self.restore_progress and size else None
        self.engine.restore(self.snapshot, self.base, progress)
        return time.perf_counter() - start

    def check_all(
        self, patches: Sequence[Patch], old: Workload | None, new: Workload | None
    ) -> list[PatchReport]:
        """Each patch on its own clone; clones are made ahead and dropped in the background."""
        pipeline = ClonePipeline(self.engine, self.base, self.prefix, self.options.workers)
        return pipeline.run(len(patches), lambda i, db: self._check(patches[i], db, old, new))

    def _check(
        self, patch: Patch, db: str, old: Workload | None, new: Workload | None
    ) -> PatchReport:
        """Run one patch on its clone."""
        self.say(f"patch {patch.name}: running on clone {db}")
        report = PatchRun(
            self.engine, db, patch, old, new, lambda m: self.say(f"[{patch.name}] {m}")
        ).run()
        report.snapshot = self.snapshot.label()
        return report

    def close(self) -> None:
        """Drop the base database and the scratch directory."""
        try:
            self.engine.drop(self.base)
        finally:
            self._stack.close()


def run_check(
    options: CheckOptions,
    say: Callable[[str], None] = lambda _m: None,
    restore_progress: Callable[[int], Progress] | None = None,
) -> list[PatchReport]:
    """Check every patch against the snapshot; the original is checksummed before and after."""
    checker = Checker(options, say, restore_progress)
    before = _checksum(checker.engine, checker.snapshot)
    patches, old, new = checker.load()
    try:
        checker.restore()
        reports = checker.check_all(patches, old, new)
    finally:
        checker.close()
    after = _checksum(checker.engine, checker.snapshot)
    if after != before:
        raise SnapshotError(
            f"{checker.snapshot.label()}: the original changed during the check "
            f"(checksum {before[:12]} -> {after[:12]})"
        )
    for report in reports:
        report.notes.append(f"original snapshot unchanged (sha256 {before[:16]})")
    return reports
