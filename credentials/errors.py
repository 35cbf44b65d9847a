"""Errors of the credentials package, with the project's exit codes."""

from groundwork.errors import ExitError
from groundwork.exitcodes import ExitCode


class CredentialsError(ExitError):
    """A credential could not be issued, delivered or revoked; exit code 2 unless said otherwise."""

    exit_code = ExitCode.USAGE


class VaultUnreachable(CredentialsError):
    """Vault (or OpenBao) does not answer, or is sealed: an infrastructure failure."""

    exit_code = ExitCode.INFRASTRUCTURE


class VaultDenied(CredentialsError):
    """Vault answered but refused: bad token, missing policy, unknown role."""

    exit_code = ExitCode.USAGE


class WrappingTokenReused(CredentialsError):
    """A response-wrapping token was already unwrapped: someone may have intercepted it."""

    exit_code = ExitCode.USAGE
