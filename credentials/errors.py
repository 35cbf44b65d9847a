"""Errors of the credentials package, each with the project's exit code (never harness's)."""

USAGE = 2  # the project's exit codes, as harness.exitcodes names them
INFRASTRUCTURE = 3


class CredentialsError(Exception):
    """A credential could not be issued, delivered or revoked; exit code 2 unless said otherwise."""

    exit_code: int = USAGE


class VaultUnreachable(CredentialsError):
    """Vault (or OpenBao) does not answer, or is sealed: an infrastructure failure."""

    exit_code = INFRASTRUCTURE


class VaultDenied(CredentialsError):
    """Vault answered but refused: bad token, missing policy, unknown role."""

    exit_code = USAGE


class WrappingTokenReused(CredentialsError):
    """A response-wrapping token was already unwrapped: someone may have intercepted it."""

    exit_code = USAGE
