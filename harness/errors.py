"""Errors that end a command with one clear line and a documented exit code."""

from groundwork.errors import ExitError
from groundwork.exitcodes import ExitCode


class HarnessError(ExitError):
    """Base of the orchestrator's own errors."""


class ConfigError(HarnessError):
    """A configuration file or argument is wrong; the message names file, cloud and field."""

    exit_code = ExitCode.USAGE


class UsageError(HarnessError):
    """The user asked for something that cannot be done as asked."""

    exit_code = ExitCode.USAGE


class InfrastructureError(HarnessError):
    """A service the command needs (broker, database, Vault, Docker) does not answer."""

    exit_code = ExitCode.INFRASTRUCTURE
