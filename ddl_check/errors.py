"""Errors of the DDL checker, mapped onto the harness's one-line, exit-coded errors."""

from harness.errors import ConfigError, InfrastructureError


class DDLCheckError(ConfigError):
    """Bad input to the checker (exit 2); the message names the file and line."""


class MigrationError(DDLCheckError):
    """A migration file or alembic tree cannot be read, parsed or ordered."""


class SnapshotError(DDLCheckError):
    """A snapshot is unreadable, truncated, or of another engine than asked."""


class WorkloadError(DDLCheckError):
    """A workload file or command cannot be read."""


class ScratchUnavailable(InfrastructureError):
    """The scratch database server the checks run on does not answer (exit 3)."""


def where(path: object, line: int | None = None) -> str:
    """Format `file:line` (or just `file`) the same way in every message."""
    return f"{path}:{line}" if line else str(path)
