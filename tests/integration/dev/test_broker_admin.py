"""The harness's own broker administrator and the retiring of a well-known account, on the real
RabbitMQ and OpenBao; each test uses a scratch user and secret of its own, never the machine's
guest, which other engineers' code on this box still uses until the lead's `harness dev up`."""

import subprocess
from collections.abc import Iterator

import amqp
import hvac
import pytest
import requests

from harness.bus.management import ManagementClient
from harness.dev.broker_admin import ensure_admin, retire_user
from harness.dev.services.rabbitmq import MANAGEMENT_URL, stored_password
from tests.conftest import unique


def login_works(user: str, password: str) -> bool:
    try:
        conn = amqp.Connection("127.0.0.1:5672", userid=user, password=password,
                               connect_timeout=5)
        conn.connect()
    except amqp.exceptions.AccessRefused:
        return False
    conn.close()
    return True


@pytest.fixture
def scratch(rabbit_admin: ManagementClient, vault_root: hvac.Client) -> Iterator[tuple[str, str]]:
    """A user name and a KV path of this test's own; both removed afterwards."""
    user, path = unique("harness-admin-test"), f"shadow-harness/test/{unique('admin')}"
    yield user, path
    rabbit_admin.delete_user(user)
    vault_root.secrets.kv.v2.delete_metadata_and_all_versions(path, mount_point="secret")


def test_admin_gets_a_random_password_kept_in_openbao(scratch: tuple[str, str]) -> None:
    user, path = scratch
    assert ensure_admin(user, path) == "created"
    password = stored_password(path)
    assert password and len(password) >= 32 and login_works(user, password)
    whoami = requests.get(f"{MANAGEMENT_URL}api/whoami", auth=(user, password), timeout=10)
    assert "administrator" in whoami.json()["tags"]
    assert ensure_admin(user, path) == "kept" and stored_password(path) == password

    # Set behind the harness's back (as after the in-memory OpenBao lost it): made anew.
    subprocess.run(["rabbitmqctl", "--quiet", "change_password", user], input="other\n",
                   text=True, check=True, capture_output=True)
    assert not login_works(user, password)
    assert ensure_admin(user, path) == "new password"
    again = stored_password(path)
    assert again and again != password and login_works(user, again)


def test_retiring_a_well_known_account_refuses_its_login(
    scratch: tuple[str, str], rabbit_admin: ManagementClient,
) -> None:
    user, _ = scratch
    rabbit_admin.session.put(f"{MANAGEMENT_URL}api/users/{user}", timeout=10, json={
        "password": "well-known", "tags": "administrator"}).raise_for_status()
    rabbit_admin.set_permissions("/", user)
    assert login_works(user, "well-known")
    assert retire_user(rabbit_admin, user) is True
    assert not login_works(user, "well-known")
    assert user not in rabbit_admin.users()
    assert retire_user(rabbit_admin, user) is False
