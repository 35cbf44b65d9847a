"""The one error base every package raises for a command to end with one line and an exit code."""

from groundwork.exitcodes import ExitCode


class ExitError(Exception):
    """An error reported as one line instead of a traceback; exit_code says what kind it is."""

    exit_code: ExitCode = ExitCode.USAGE
