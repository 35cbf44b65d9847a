"""Errors of the DDL checker, with the project's exit codes (it never imports harness)."""

USAGE = 2  # the project's exit codes, as harness.exitcodes names them
INFRASTRUCTURE = 3


class DDLCheckError(Exception):
    """Bad input to the checker (exit 2); the message names the file and line."""

    exit_code: int = USAGE


class MigrationError(DDLCheckError):
    """A migration file or alembic tree cannot be read, parsed or ordered."""


class SnapshotError(DDLCheckError):
    """A snapshot is unreadable, truncated, or of another engine than asked."""


class WorkloadError(DDLCheckError):
    """A workload file or command cannot be read."""


class ScratchUnavailable(DDLCheckError):
    """The scratch database server the checks run on does not answer (exit 3)."""

    exit_code = INFRASTRUCTURE


def where(path: object, line: int | None = None) -> str:
    """Format `file:line` (or just `file`) the same way in every message."""
    return f"{path}:{line}" if line else str(path)
