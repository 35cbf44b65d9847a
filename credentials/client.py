"""An authenticated hvac client, with Vault's failures turned into our documented errors."""

from collections.abc import Callable
from typing import TypeVar

import hvac
import hvac.exceptions
import requests

from credentials.errors import CredentialsError, VaultDenied, VaultUnreachable
from credentials.redaction import REDACTOR

T = TypeVar("T")


def call_vault(address: str, action: Callable[[], T]) -> T:
    """Run one Vault request, mapping transport and HTTP failures to one-line errors."""
    try:
        return action()
    except requests.ConnectionError:
        raise VaultUnreachable(f"Vault at {address} is unreachable") from None
    except requests.Timeout:
        raise VaultUnreachable(f"Vault at {address} did not answer in time") from None
    except hvac.exceptions.VaultDown:
        raise VaultUnreachable(f"Vault at {address} is sealed or down") from None
    except hvac.exceptions.Forbidden as error:
        raise VaultDenied(f"Vault at {address}: permission denied ({_first(error)})") from None
    except hvac.exceptions.Unauthorized:
        raise VaultDenied(f"Vault at {address}: not authenticated (bad or expired token)") from None
    except hvac.exceptions.InvalidPath as error:
        raise VaultDenied(f"Vault at {address}: no such path ({_first(error)})") from None
    except hvac.exceptions.VaultError as error:
        raise CredentialsError(f"Vault at {address}: {_first(error)}") from None


def _first(error: Exception) -> str:
    """The first line of Vault's error text, which never contains a secret value."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def token_client(address: str, token: str, timeout: float = 10) -> hvac.Client:
    """A client logged in with a token, checked to be valid and the server unsealed."""
    REDACTOR.add(token)
    client = hvac.Client(url=address, token=token, timeout=timeout)
    if call_vault(address, client.sys.is_sealed):
        raise VaultUnreachable(f"Vault at {address} is sealed")
    call_vault(address, client.auth.token.lookup_self)
    return client
