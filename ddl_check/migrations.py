"""Load a patch's migrations: SQL files by phase, or an alembic tree with expand/contract."""

from pathlib import Path

from ddl_check.alembic_tree import TreeOptions
from ddl_check.errors import MigrationError
from ddl_check.model import PHASES, Patch, Phase, Statement
from ddl_check.sqltext import split


def _phase_of(path: Path) -> Phase | None:
    """Phase named by `<name>.<phase>.sql`, or None."""
    parts = path.name.lower().split(".")
    if len(parts) >= 3 and parts[-1] == "sql" and parts[-2] in {p.value for p in PHASES}:
        return Phase(parts[-2])
    return None


def read_sql(path: Path, phase: Phase, engine: str) -> list[Statement]:
    """Statements of one SQL file, tagged with phase, file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MigrationError(f"{path}: cannot read migration: {error}") from None
    return [
        Statement(r.sql, phase, str(path), r.line, r.allows) for r in split(text, engine, str(path))
    ]


def is_alembic(path: Path) -> bool:
    """An alembic ini, a directory holding one, or scripts: env.py (or the mako) and versions/."""
    return (
        (path.is_file() and path.suffix == ".ini")
        or (path.is_dir() and (path / "alembic.ini").is_file())
        or (
            path.is_dir()
            and (path / "versions").is_dir()
            and ((path / "env.py").exists() or (path / "script.py.mako").exists())
        )
    )


def load_patch(path: Path, engine: str, tree: TreeOptions | None = None) -> Patch:
    """Every statement of a patch, in phase order; an alembic tree is captured offline."""
    if not path.exists():
        raise MigrationError(f"{path}: no such migrations file or directory")
    if is_alembic(path):
        from ddl_check.tree_patch import TreePatch

        return TreePatch(path, tree or TreeOptions(), engine).capture()
    files: list[tuple[Phase, Path]] = []
    if path.is_file():
        phase = _phase_of(path)
        if phase is None:
            raise MigrationError(
                f"{path}: name it <name>.expand.sql, .migrate.sql or .contract.sql"
            )
        files.append((phase, path))
    else:
        for phase in PHASES:
            files += [(phase, f) for f in sorted((path / phase.value).glob("*.sql"))]
            files += [(phase, f) for f in sorted(path.glob(f"*.{phase.value}.sql"))]
    if not files:
        raise MigrationError(
            f"{path}: no migrations found (expected expand/, migrate/, contract/ "
            "or *.expand.sql / *.migrate.sql / *.contract.sql, or an alembic tree)"
        )
    statements = [s for phase, f in files for s in read_sql(f, phase, engine)]
    return Patch(path.name if path.is_dir() else path.name.split(".")[0], statements)
