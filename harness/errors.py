"""Errors that end a command with one clear line and a documented exit code."""

from credentials.errors import CredentialsError
from ddl_check.errors import DDLCheckError
from harness.exitcodes import ExitCode


class HarnessError(Exception):
    """Base of the orchestrator's own errors."""

    exit_code: int = ExitCode.USAGE


class ConfigError(HarnessError):
    """A configuration file or argument is wrong; the message names file, cloud and field."""

    exit_code = ExitCode.USAGE


class UsageError(HarnessError):
    """The user asked for something that cannot be done as asked."""

    exit_code = ExitCode.USAGE


class InfrastructureError(HarnessError):
    """A service the command needs (broker, database, Vault, Docker) does not answer."""

    exit_code = ExitCode.INFRASTRUCTURE


# Every error a command reports as one line with its exit code, the standalone packages' too.
REPORTED = (HarnessError, CredentialsError, DDLCheckError)
