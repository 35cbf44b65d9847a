"""Errors of the credentials package, carrying the harness's exit-code numbers."""


class CredentialsError(Exception):
    """A credential could not be issued, delivered or revoked; exit code 2 unless said otherwise."""

    exit_code: int = 2


class VaultUnreachable(CredentialsError):
    """Vault (or OpenBao) does not answer, or is sealed: an infrastructure failure."""

    exit_code = 3


class VaultDenied(CredentialsError):
    """Vault answered but refused: bad token, missing policy, unknown role."""

    exit_code = 2


class WrappingTokenReused(CredentialsError):
    """A response-wrapping token was already unwrapped: someone may have intercepted it."""

    exit_code = 2
