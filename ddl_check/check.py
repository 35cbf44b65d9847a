"""The checker's entry point: restore the snapshot once, clone it per patch, report per patch."""

import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ddl_check.alembic_tree import TreeOptions
from ddl_check.engines import get_engine
from ddl_check.engines.base import Engine, Progress
from ddl_check.errors import DDLCheckError, SnapshotError
from ddl_check.migrations import is_alembic, load_patch
from ddl_check.model import Patch, PatchReport
from ddl_check.pipeline import ClonePipeline
from ddl_check.runner import PatchRun
from ddl_check.snapshot import Snapshot, detect, file_checksum, validate
from ddl_check.tree_patch import TreePatch
from ddl_check.workload import Workload, load_workload

Source = Patch | TreePatch  # a tree captured online becomes a Patch once the base exists


@dataclass
class CheckOptions:
    """What to check and where; without a snapshot the one alembic tree builds the database."""

    snapshot: str | None
    migrations: Sequence[Path]
    engine: str | None = None
    old_workload: str | None = None
    new_workload: str | None = None
    scratch_url: str | None = None
    workers: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    tree: TreeOptions = field(default_factory=TreeOptions)


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
        self.snapshot: Snapshot | None = None
        if options.snapshot:
            self.snapshot = detect(options.snapshot, options.engine)
            validate(self.snapshot)
        elif not options.engine:
            raise DDLCheckError("without --snapshot, name the engine to build one on (--engine)")
        self._stack = ExitStack()
        scratch = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="ddl_check_"))
        engine = self.snapshot.engine if self.snapshot else str(options.engine)
        self.engine = get_engine(engine, options.scratch_url, scratch)
        self.prefix = f"ddl_{uuid.uuid4().hex[:8]}"
        self.base = f"{self.prefix}_base"

    def _source(self, path: Path) -> Source:
        """SQL files and offline trees are read now; an online tree is opened, captured later."""
        name, tree = self.engine.name, self.options.tree
        if is_alembic(path) and tree.capture == "online":
            patch = TreePatch(path, tree, name)
            patch.open()
            return patch
        return load_patch(path, name, tree)

    def load(self) -> tuple[list[Source], Workload | None, Workload | None]:
        """Read every input before anything is restored, so bad input fails fast."""
        name = self.engine.name
        sources = [self._source(Path(p)) for p in self.options.migrations]
        if self.snapshot is None and (len(sources) != 1 or not isinstance(sources[0], TreePatch)):
            raise DDLCheckError(
                "without --snapshot, --migrations must be one alembic tree captured online: "
                "the tree builds the database the patch is checked against"
            )
        old = load_workload(self.options.old_workload, name) if self.options.old_workload else None
        new = load_workload(self.options.new_workload, name) if self.options.new_workload else None
        return sources, old, new

    def restore(self, sources: Sequence[Source] = ()) -> float:
        """Restore the snapshot (or build it from the tree) into the base; return the seconds."""
        import time

        start = time.perf_counter()
        if self.snapshot is None:
            tree = sources[0]
            assert isinstance(tree, TreePatch)
            self.say(f"building {self.engine.name} scratch db {self.base} from {tree.path}")
            self.engine.create(self.base)
            built = tree.build(self.engine.sa_url(self.base))
            self.say(f"ran {len(built)} revisions before the patch")
            return time.perf_counter() - start
        self.say(
            f"restoring {self.snapshot.label()} into {self.engine.name} scratch db {self.base}"
        )
        size = 0 if self.snapshot.is_url else self.snapshot.path.stat().st_size
        progress = self.restore_progress(size) if self.restore_progress and size else None
        self.engine.restore(self.snapshot, self.base, progress)
        return time.perf_counter() - start

    def capture(self, sources: Sequence[Source]) -> list[Patch]:
        """Capture each online tree on its own clone of the base, dropped afterwards."""
        patches: list[Patch] = []
        for i, source in enumerate(sources):
            if isinstance(source, Patch):
                patches.append(source)
                continue
            db = f"{self.prefix}_c{i}"
            self.say(f"capturing {source.path} online on clone {db}")
            self.engine.clone(self.base, db)
            try:
                patches.append(source.capture(self.engine.sa_url(db)))
            finally:
                self.engine.drop(db)
            seconds = sum(r.seconds for r in source.captured)
            self.say(f"captured {len(source.captured)} revisions in {seconds:.2f}s")
        return patches

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
        report.snapshot = self.snapshot.label() if self.snapshot else "built from the tree"
        return report

    def close(self) -> None:
        """Drop the base database and the scratch directory."""
        try:
            self.engine.drop(self.base)
        finally:
            self._stack.close()


def _run(checker: Checker) -> list[PatchReport]:
    """Load, restore or build, capture, check; the scratch databases are always dropped."""
    try:
        sources, old, new = checker.load()
        checker.restore(sources)
        return checker.check_all(checker.capture(sources), old, new)
    finally:
        checker.close()


def run_check(
    options: CheckOptions,
    say: Callable[[str], None] = lambda _m: None,
    restore_progress: Callable[[int], Progress] | None = None,
) -> list[PatchReport]:
    """Check every patch against the snapshot; the original is checksummed before and after."""
    checker = Checker(options, say, restore_progress)
    snap = checker.snapshot
    if snap is None:  # nothing original to protect: the base is built from the tree
        return _run(checker)
    before = _checksum(checker.engine, snap)
    reports = _run(checker)
    after = _checksum(checker.engine, snap)
    if after != before:
        raise SnapshotError(
            f"{snap.label()}: the original changed during the check "
            f"(checksum {before[:12]} -> {after[:12]})"
        )
    for report in reports:
        report.notes.append(f"original snapshot unchanged (sha256 {before[:16]})")
    return reports
