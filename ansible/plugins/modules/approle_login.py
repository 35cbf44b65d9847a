#!/usr/bin/python
"""Log the harness in to Vault on its host from a delivered wrapped secret_id, keeping only a
token: the secret_id is unwrapped where it is used and never travels back to the controller."""

DOCUMENTATION = r"""
---
module: approle_login
short_description: Turn a delivered response-wrapped AppRole secret_id into the harness's token
description:
  - Runs on the host with the harness's own Python (set C(ansible_python_interpreter) to the
    harness's virtual environment), and uses the harness's own AppRole login.
  - When O(token_file) holds a token with at least O(min_ttl) seconds left, nothing changes.
  - Otherwise the wrapped secret_id in O(wrapped_secret_id_file) is unwrapped here (its single
    use; a token used before is reported as possible interception), the harness logs in with it,
    only the resulting token is written (mode 0600) and the wrapping token's file is removed.
  - With neither, nothing changes and RV(login_needed) says a wrapped secret_id is wanted.
options:
  address:
    description: Vault's address.
    type: str
    required: true
  role_id:
    description: The harness AppRole's role_id (not secret).
    type: str
    required: true
  mount:
    description: The AppRole auth mount.
    type: str
    default: approle
  wrapped_secret_id_file:
    description: Where the wrapping token of a single-use secret_id was delivered.
    type: path
    required: true
  token_file:
    description: Where the harness's token is kept (the clouds.yaml's vault.auth.token_file).
    type: path
    required: true
  min_ttl:
    description: Seconds a kept token must still be valid for to be kept.
    type: int
    default: 60
attributes:
  check_mode:
    support: full
author: shadow-harness developers
"""

RETURN = r"""
login_needed:
  description: True when no valid token is kept and no wrapped secret_id was delivered.
  returned: always
  type: bool
ttl:
  description: Seconds the kept token is valid for (0 when it never expires).
  returned: when a token is kept
  type: int
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule

try:
    from credentials.approle import approle_client
    from credentials.client import token_client
    from credentials.errors import CredentialsError
except ImportError:  # reported by main(): the module ran outside the harness's environment
    approle_client = None


def kept_token_ttl(address: str, token_file: str) -> int | None:
    """Seconds left on the kept token (0: never expires), or None when there is no valid one."""
    if not os.path.isfile(token_file):
        return None
    with open(token_file) as file:
        token = file.read().strip()
    try:
        client = token_client(address, token)
        return int(client.auth.token.lookup_self()["data"].get("ttl") or 0)
    except CredentialsError:
        return None


def write_private(path: str, text: str) -> None:
    """Write a file only its owner can read, replacing any earlier one atomically."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temporary = f"{path}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.replace(temporary, path)


def main() -> None:
    """Keep a valid token, or log in once with the delivered wrapped secret_id."""
    module = AnsibleModule(
        argument_spec={
            "address": {"type": "str", "required": True},
            "role_id": {"type": "str", "required": True},
            "mount": {"type": "str", "default": "approle"},
            "wrapped_secret_id_file": {"type": "path", "required": True},
            "token_file": {"type": "path", "required": True, "no_log": False},
            "min_ttl": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    if approle_client is None:
        module.fail_json(msg="the harness is not importable: run this module with the "
                             "harness's own Python (ansible_python_interpreter)")
    params: dict[str, Any] = module.params
    ttl = kept_token_ttl(params["address"], params["token_file"])
    if ttl is not None and (ttl == 0 or ttl >= params["min_ttl"]):
        module.exit_json(changed=False, login_needed=False, ttl=ttl)
    wrapped = params["wrapped_secret_id_file"]
    if not os.path.isfile(wrapped):
        module.exit_json(changed=False, login_needed=True)
    if module.check_mode:
        module.exit_json(changed=True, login_needed=False)
    try:
        client = approle_client(params["address"], params["role_id"], params["mount"],
                                wrapped_secret_id_file=wrapped)
    except CredentialsError as error:
        module.fail_json(msg=str(error))
    write_private(params["token_file"], client.token + "\n")
    os.remove(wrapped)
    answer = client.auth.token.lookup_self()["data"]
    module.exit_json(changed=True, login_needed=False, ttl=int(answer.get("ttl") or 0))


if __name__ == "__main__":
    main()
