"""The local broker's accounts: the harness's own administrator with a random password kept in
the dev OpenBao, and RabbitMQ's well-known guest taken out of use.

rabbitmqctl, run as root on the broker's machine, can always set the administrator's password
again (after the in-memory OpenBao dev server restarted, say); it reads it from stdin, never
from argv.
"""

import secrets
import subprocess

from credentials.client import token_client
from credentials.kv import write_kv
from harness.bus.management import ManagementClient
from harness.dev.services.openbao import ADDRESS as VAULT_ADDRESS
from harness.dev.services.openbao import root_token_file
from harness.dev.services.rabbitmq import (
    ADMIN_SECRET_PATH,
    LOCAL_USER,
    MANAGEMENT_URL,
    stored_password,
)
from harness.errors import HarnessError, InfrastructureError

PRODUCTION_VHOST = "/"  # the local cloud's


def _rabbitmqctl(*args: str, secret: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["rabbitmqctl", "--quiet", *args], input=secret, capture_output=True,
                          text=True, timeout=120, check=False)


def _works(user: str, password: str) -> bool:
    try:
        ManagementClient(MANAGEMENT_URL, user, password).users()
    except HarnessError:
        return False
    return True


def ensure_admin(user: str = LOCAL_USER, secret_path: str = ADMIN_SECRET_PATH) -> str:
    """Make the administrator if needed, with a new random password when OpenBao has none that
    works; 'kept', 'created' or 'new password'."""
    password = stored_password(secret_path)
    if password and _works(user, password):
        return "kept"
    password = secrets.token_urlsafe(32)
    outcome = "new password"
    if _rabbitmqctl("change_password", user, secret=password).returncode != 0:
        outcome = "created"
        added = _rabbitmqctl("add_user", user, secret=password)
        if added.returncode != 0:
            raise InfrastructureError(f"rabbitmqctl add_user {user}: {added.stderr.strip()}")
    for step in (["set_user_tags", user, "administrator"],
                 ["set_permissions", "-p", PRODUCTION_VHOST, user, ".*", ".*", ".*"]):
        done = _rabbitmqctl(*step)
        if done.returncode != 0:
            raise InfrastructureError(f"rabbitmqctl {step[0]}: {done.stderr.strip()}")
    client = token_client(VAULT_ADDRESS, root_token_file().read_text().strip())
    write_kv(client, "secret", secret_path, {"password": password})
    return outcome


def retire_user(admin: ManagementClient, user: str) -> bool:
    """Take a well-known account out of use (deleted: no password or permission is left to
    guess); False when it was gone already."""
    if user not in admin.users():
        return False
    admin.delete_user(user)
    return True
