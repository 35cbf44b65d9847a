"""One process logs in with a wrapped AppRole secret_id once, however many clients it makes."""

from pathlib import Path

import hvac
import pytest

from credentials.approle import unwrap_secret_id, wrapped_secret_id
from credentials.bootstrap import BootstrapPlan, bootstrap
from credentials.errors import WrappingTokenReused
from harness.config import load_cloud
from harness.config.secrets import vault_client
from tests.integration.credentials.conftest import root_auth, write_clouds


def test_every_vault_client_of_a_process_shares_one_unwrap_and_login(
        tmp_path: Path, state_dir: Path, vault_root: hvac.Client, bootstrapped: BootstrapPlan,
        mariadb_database: str) -> None:
    layout = bootstrapped.layout
    role_id = bootstrap(vault_root, bootstrapped).role_id
    wrapper = wrapped_secret_id(vault_root, layout.approle, layout.harness_role)
    wrapper_file = tmp_path / "wrapped-secret-id"
    wrapper_file.write_text(wrapper + "\n")
    wrapper_file.chmod(0o600)
    auth = {"method": "approle", "role_id": role_id, "mount": layout.approle,
            "wrapped_secret_id_file": str(wrapper_file)}
    clouds = write_clouds(tmp_path / "approle.yaml", "approle-once", mariadb_database,
                          {"address": root_auth()["address"], "auth": auth})
    cloud = load_cloud("approle-once", clouds)

    first, second = vault_client(cloud), vault_client(cloud)  # the second used to unwrap again
    assert second.auth.token.lookup_self()["data"]["policies"] == ["default",
                                                                   layout.harness_policy]
    assert second.token == first.token
    assert wrapper_file.read_text().strip() == wrapper  # the secret_id was never written back
    with pytest.raises(WrappingTokenReused):  # unwrapped by the first login, and only there
        unwrap_secret_id(vault_root.url, wrapper)
