"""AppRole login: role_id plus a secret_id read from a file, or unwrapped exactly once."""

from pathlib import Path

import hvac

from credentials.client import call_vault
from credentials.errors import CredentialsError
from credentials.redaction import REDACTOR
from credentials.wrapping import unwrap


def unwrap_secret_id(address: str, wrapping_token: str) -> str:
    """Unwrap a response-wrapped secret_id; a token already used means possible interception."""
    return str(unwrap(address, wrapping_token, "the AppRole secret_id")["secret_id"])


def approle_client(
    address: str,
    role_id: str,
    mount: str = "approle",
    secret_id_file: str | None = None,
    wrapped_secret_id_file: str | None = None,
) -> hvac.Client:
    """Log in with AppRole and return a client holding the resulting token."""
    if wrapped_secret_id_file:
        wrapper = _read_secret_file(wrapped_secret_id_file)
        secret_id = unwrap_secret_id(address, wrapper)
    elif secret_id_file:
        secret_id = _read_secret_file(secret_id_file)
    else:
        raise CredentialsError("AppRole auth needs secret_id_file or wrapped_secret_id_file")
    REDACTOR.add(secret_id)
    client = hvac.Client(url=address)
    call_vault(
        address,
        lambda: client.auth.approle.login(role_id=role_id, secret_id=secret_id, mount_point=mount),
    )
    REDACTOR.add(client.token)
    return client


def _read_secret_file(path: str) -> str:
    """A secret_id or wrapping token from its file, remembered for redaction."""
    try:
        value = Path(path).expanduser().read_text().strip()
    except OSError as error:
        raise CredentialsError(f"{path}: cannot read AppRole secret: {error.strerror}") from None
    REDACTOR.add(value)
    return value


def ensure_role(
    client: hvac.Client, mount: str, role: str, policies: list[str], token_ttl: int,
    token_max_ttl: int,
) -> str:
    """Create or update an AppRole role whose tokens carry these policies; returns its role_id."""
    call_vault(client.url, lambda: client.auth.approle.create_or_update_approle(
        role, token_policies=policies, token_ttl=f"{token_ttl}s",
        token_max_ttl=f"{token_max_ttl}s", secret_id_num_uses=1, mount_point=mount,
    ))
    answer = call_vault(
        client.url, lambda: client.auth.approle.read_role_id(role, mount_point=mount)
    )
    return str(answer["data"]["role_id"])


def wrapped_secret_id(client: hvac.Client, mount: str, role: str, wrap_ttl: int = 300) -> str:
    """A new single-use secret_id, response-wrapped: only the wrapping token leaves Vault."""
    answer = call_vault(client.url, lambda: client.auth.approle.generate_secret_id(
        role, mount_point=mount, wrap_ttl=f"{wrap_ttl}s"
    ))
    return str(answer["wrap_info"]["token"])
