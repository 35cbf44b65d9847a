"""Response wrapping: a secret travels as a single-use token; a second unwrap means interception."""

from typing import Any

import hvac
import hvac.exceptions

from credentials.client import call_vault
from credentials.errors import WrappingTokenReused


def wrap(client: hvac.Client, data: dict[str, Any], ttl: int) -> str:
    """Store data in Vault's cubbyhole behind a new single-use wrapping token."""
    answer = call_vault(client.url, lambda: client.sys.wrap(payload=data, ttl=f"{ttl}s"))
    return str(answer["wrap_info"]["token"])


def unwrap(address: str, wrapping_token: str, what: str) -> dict[str, Any]:
    """Unwrap with the wrapping token itself as the client token (no other login needed)."""
    client = hvac.Client(url=address, token=wrapping_token)

    def once() -> dict[str, Any]:
        try:
            answer = client.sys.unwrap()
        except (hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden):
            raise WrappingTokenReused(
                f"the wrapping token for {what} was already used or has expired: "
                "possible interception; issue a new one and investigate"
            ) from None
        return dict(answer["data"])

    return call_vault(address, once)
