"""Read an alembic tree the way its project's alembic does: its ini, its version locations, labels.

Runs inside the project's interpreter too (`--python`), so it needs alembic and nothing heavier.
"""

import configparser
import sys
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from ddl_check.errors import MigrationError
from ddl_check.model import PHASES, Phase

INI_NAME = "alembic.ini"


def default_labels() -> dict[Phase, str]:
    """The OpenStack branch labels: each phase's own name."""
    return {phase: phase.value for phase in PHASES}


@dataclass
class TreeOptions:
    """How to read an alembic tree and which of its revisions are the patch under test."""

    ini: Path | None = None
    labels: dict[Phase, str] = field(default_factory=default_labels)
    patch_from: tuple[str, ...] = ()
    python: str | None = None  # capture in this interpreter (the project's own environment)
    capture: str = "online"  # online (a scratch clone) | offline (SQL emitted without a database)
    version_table: str = "alembic_version"  # as the tree's env.py configures it

    def to_json(self) -> dict[str, Any]:
        """What the capture subprocess needs to read the tree the same way."""
        return {
            "ini": str(self.ini) if self.ini else None,
            "labels": {p.value: label for p, label in self.labels.items()},
            "patch_from": list(self.patch_from),
            "version_table": self.version_table,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TreeOptions":
        """The inverse of to_json."""
        return cls(
            Path(data["ini"]) if data.get("ini") else None,
            {Phase(p): str(label) for p, label in data["labels"].items()},
            tuple(data.get("patch_from") or ()),
            version_table=str(data.get("version_table") or "alembic_version"),
        )


def _ini_for(path: Path, explicit: Path | None) -> Path | None:
    """The tree's alembic.ini: given, given as --migrations, in it, or above naming it."""
    if explicit:
        return explicit
    if path.is_file() and path.suffix == ".ini":
        return path
    if (path / INI_NAME).is_file():
        return path / INI_NAME
    above = path.parent / INI_NAME
    return above if above.is_file() and _script_location(above) == path.resolve() else None


def _script_location(ini: Path) -> Path | None:
    """The directory an ini's script_location names, when it is a plain path."""
    parser = configparser.ConfigParser(defaults={"here": str(ini.parent.resolve())})
    try:
        parser.read(ini, encoding="utf-8")
        location = parser.get("alembic", "script_location", fallback=None)
    except configparser.Error:
        return None
    if not location or ":" in location.split("/")[0]:
        return None  # a package resource: alembic resolves it by importing the package
    found = Path(location)
    return (found if found.is_absolute() else ini.parent / found).resolve()


def _nested(versions: Path) -> bool:
    """Whether revisions live in subdirectories of versions/ (one per release and branch)."""
    return versions.is_dir() and any(
        p.suffix == ".py" for d in versions.iterdir() if d.is_dir() for p in d.rglob("*.py")
    )


def _config(path: Path, ini: Path | None) -> Any:
    """An alembic Config: the tree's own ini when there is one, else one naming the directory."""
    from alembic.config import Config

    if ini is not None:
        if not ini.is_file():
            raise MigrationError(f"{ini}: no such alembic ini file")
        config = Config(str(ini))
        try:
            location = config.get_main_option("script_location")
        except configparser.Error as error:
            raise MigrationError(f"{ini}: {error}") from None
        if not location:
            raise MigrationError(f"{ini}: [alembic] has no script_location")
    else:
        config = Config()
        config.set_main_option("script_location", str(path))
    has_locations = config.get_main_option("version_locations") is not None
    if config.get_main_option("recursive_version_locations") is None and not has_locations:
        script_dir = _script_location(ini) if ini else path
        if script_dir is not None and _nested(script_dir / "versions"):
            config.set_main_option("recursive_version_locations", "true")
    return config


def tree_frame(error: BaseException, root: Path) -> tuple[str, int] | None:
    """The deepest traceback frame in a file under the tree: the revision that failed."""
    root_text = str(root.resolve())
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if str(Path(frame.filename).resolve()).startswith(root_text):
            found = (shown(Path(frame.filename)), frame.lineno or 0)
    return found


def missing_module(error: ModuleNotFoundError, where: str) -> MigrationError:
    """One line: the revision file, the module, and what to do."""
    return MigrationError(
        f"{where}: imports {error.name!r}, which {sys.executable} cannot import; run the "
        "checker from the project's own virtual environment (or its pytest plugin), or pass "
        "--python /path/to/project/venv/bin/python"
    )


def revision_error(error: Exception, root: Path, fallback: str, doing: str) -> MigrationError:
    """A revision's own failure, named by its file and line, as bad input (exit 2)."""
    frame = tree_frame(error, root)
    where = f"{frame[0]}:{frame[1]}" if frame else fallback
    if isinstance(error, ModuleNotFoundError):
        return missing_module(error, where)
    if isinstance(error, SyntaxError) and error.filename:
        return MigrationError(f"{error.filename}:{error.lineno}: {error.msg}")
    text = " ".join(str(getattr(error, "orig", None) or error).split()) or type(error).__name__
    return MigrationError(f"{where}: {doing} failed: {type(error).__name__}: {text}")


class Tree:
    """The revisions of one alembic tree, their phases, and which of them are the patch."""

    def __init__(self, path: Path, options: TreeOptions) -> None:
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        self.options = options
        ini = _ini_for(path, options.ini)
        self.root = (ini.parent if ini else path).resolve()
        self.source = ini or path
        try:
            self.config = _config(path, ini)
            self.script = ScriptDirectory.from_config(self.config)
            self.root = Path(self.script.dir).resolve()
            ordered = list(self.script.walk_revisions())
        except CommandError as error:
            raise MigrationError(f"{self.source}: {error}") from None
        except MigrationError:
            raise
        except Exception as error:  # a revision's import-time code: name its file and line
            raise revision_error(error, self.root, str(self.source), "loading it") from None
        self.ordered = list(reversed(ordered))  # base first, as `alembic upgrade heads` runs them
        self.phases = {r.revision: self._phase(r) for r in self.ordered}
        if not any(self.phases.values()):
            names = " or ".join(repr(label) for label in options.labels.values())
            raise MigrationError(f"{self.source}: no revision carries the branch label {names}")

    def _phase(self, rev: Any) -> Phase | None:
        """The phase whose label the revision carries (alembic passes a label down its branch)."""
        found = [p for p, label in self.options.labels.items() if label in rev.branch_labels]
        if len(found) > 1:
            raise MigrationError(
                f"{rev.path}: revision {rev.revision} is on the branches of "
                f"{' and '.join(p.value for p in found)}; a revision belongs to one phase"
            )
        return found[0] if found else None

    def _resolve(self, name: str) -> str:
        """A --patch-from revision's full id (alembic accepts a unique prefix)."""
        from alembic.util import CommandError

        try:
            rev = self.script.get_revision(name)
        except CommandError as error:
            raise MigrationError(f"--patch-from {name}: {error}") from None
        if rev is None:
            raise MigrationError(f"--patch-from {name}: no such revision in {self.source}")
        return str(rev.revision)

    def applied(self, stamped: Iterable[str]) -> set[str]:
        """Revisions a database stamped at these versions already has."""
        out: set[str] = set()
        for version in stamped:
            out |= {r.revision for r in self.script.iterate_revisions(version, "base")}
        return out

    def patch_revisions(self, applied: set[str] | None = None) -> set[str]:
        """The patch: --patch-from and what builds on it, else what the db lacks, else phases."""
        if self.options.patch_from:
            starts = {self._resolve(name) for name in self.options.patch_from}
            return {r.revision for r in self.ordered if self.applied([r.revision]) & starts}
        if applied:
            return {r.revision for r in self.ordered} - applied
        return {name for name, phase in self.phases.items() if phase}

    def before(self, patch: set[str]) -> list[Any]:
        """Revisions outside the patch, base first: what a database built from the tree needs."""
        return [r for r in self.ordered if r.revision not in patch]

    def in_phase_order(self, patch: set[str]) -> Iterator[tuple[Phase, Any]]:
        """The patch's revisions, expand then migrate then contract, each branch base first."""
        for rev in self.ordered:
            if rev.revision in patch and self.phases[rev.revision] is None:
                labels = ", ".join(repr(v) for v in self.options.labels.values())
                raise MigrationError(
                    f"{rev.path}: revision {rev.revision} is in the patch but on no branch "
                    f"labelled {labels}; label its branch or move --patch-from after it"
                )
        self._check_phase_order(patch)
        for phase in PHASES:
            for rev in self.ordered:
                if rev.revision in patch and self.phases[rev.revision] == phase:
                    yield phase, rev

    def _check_phase_order(self, patch: set[str]) -> None:
        """Phases run in order, so no patch revision may build on one of a later phase."""
        rank = {phase: i for i, phase in enumerate(PHASES)}
        for rev in self.ordered:
            phase = self.phases[rev.revision]
            if rev.revision not in patch or phase is None:
                continue
            for name in sorted(self.applied([rev.revision]) & patch):
                later = self.phases[name]
                if later is not None and rank[later] > rank[phase]:
                    raise MigrationError(
                        f"{shown(Path(rev.path))}: {phase.value} revision {rev.revision} builds "
                        f"on {later.value} revision {name}, also in the patch; check the releases "
                        f"as separate patches (--patch-from {rev.revision})"
                    )


def shown(path: Path) -> str:
    """A path as reports show it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def upgrade_of(rev: Any) -> tuple[ModuleType, str, int]:
    """A revision's module, file, and the line its upgrade() starts on."""
    import inspect

    module = rev.module
    file = shown(Path(rev.path))
    upgrade = getattr(module, "upgrade", None)
    if upgrade is None:
        raise MigrationError(f"{file}: revision {rev.revision} has no upgrade()")
    try:
        line = inspect.getsourcelines(upgrade)[1]
    except (OSError, TypeError):
        line = 0
    return module, file, line
