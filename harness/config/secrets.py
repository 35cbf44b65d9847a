"""Turn a cloud's secret references into values at run time; never write the values anywhere."""

import os
from pathlib import Path

import hvac

from credentials.client import token_client
from credentials.kv import read_kv_key
from harness.config.schema import Cloud, SecretRef
from harness.errors import ConfigError

# This process's AppRole logins by (address, mount, role_id, secret file): a secret_id serves one
# login and a wrapped one unwraps once, so a command's later Vault clients reuse its first. The
# secret_id itself is never kept: only the token its login gave, in memory.
_APPROLE_LOGINS: dict[tuple[str, str, str, str], hvac.Client] = {}


def _read_file(path: str, what: str) -> str:
    """Read a secret file, refusing one that others can read."""
    file = Path(path).expanduser()
    try:
        if file.stat().st_mode & 0o077:
            raise ConfigError(f"{file}: {what} file is readable by others; chmod 600 it")
        return file.read_text().strip()
    except FileNotFoundError:
        raise ConfigError(f"{file}: {what} file not found") from None


def vault_token(cloud: Cloud) -> str:
    """The harness's own Vault token for a cloud using token auth."""
    if cloud.vault is None:
        raise ConfigError(f"cloud {cloud.name!r}: field vault: required for this command")
    auth = cloud.vault.auth
    if auth.method != "token":
        raise ConfigError(f"cloud {cloud.name!r}: field vault.auth: token auth expected here")
    if auth.token_file:
        return _read_file(auth.token_file, "vault token")
    token = os.environ.get(auth.token_env)
    if not token:
        raise ConfigError(
            f"cloud {cloud.name!r}: field vault.auth: no token_file and ${auth.token_env} is unset"
        )
    return token


def vault_client(cloud: Cloud) -> hvac.Client:
    """The harness's authenticated Vault client for a cloud."""
    if cloud.vault is None:
        raise ConfigError(f"cloud {cloud.name!r}: field vault: required for this command")
    if cloud.vault.auth.method == "approle":
        from credentials.approle import approle_client

        auth = cloud.vault.auth
        key = (cloud.vault.address, auth.mount, auth.role_id,
               auth.wrapped_secret_id_file or auth.secret_id_file or "")
        if key not in _APPROLE_LOGINS:
            _APPROLE_LOGINS[key] = approle_client(cloud.vault.address, auth.role_id, auth.mount,
                                                  auth.secret_id_file, auth.wrapped_secret_id_file)
        return _APPROLE_LOGINS[key]
    return token_client(cloud.vault.address, vault_token(cloud))


def resolve_secret(ref: SecretRef, cloud: Cloud) -> str:
    """The value a secret reference points at."""
    if ref.file:
        return _read_file(ref.file, "secret")
    if ref.env:
        value = os.environ.get(ref.env)
        if value is None:
            raise ConfigError(f"cloud {cloud.name!r}: secret variable ${ref.env} is unset")
        return value
    assert ref.vault is not None
    return read_kv_key(vault_client(cloud), ref.vault)
