"""`harness creds`: bootstrap idempotently, issue/ls/revoke, AppRole, and one-line failures."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import pytest
import requests

from credentials.approle import wrapped_secret_id
from credentials.kv import write_kv
from credentials.layout import VaultLayout
from harness.cli import main
from tests.integration.credentials.conftest import root_auth, write_clouds
from tests.integration.credentials.creds_helpers import logins, logins_refused, read_bundle


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def suffix_of(layout: VaultLayout) -> str:
    return layout.rabbitmq.rsplit("-", 1)[1]


def test_bootstrap_is_idempotent_and_issue_ls_revoke_round_trip(
    capsys: pytest.CaptureFixture[str], state_dir: Path, cloud_file: Path, layout: VaultLayout,
    vault_root: hvac.Client, vault_kv_mount: str,
) -> None:
    write_kv(vault_root, vault_kv_mount, "nova/api", {"key": "kv-static-secret-1"})
    base = ["--cloud-config", str(cloud_file), "creds"]
    suffix = ["--mount-suffix", suffix_of(layout)]
    code, out, _ = run(capsys, *base, "bootstrap", "--cloud", "credtest", *suffix, "--json")
    first = json.loads(out)
    assert code == 0 and len(first["created"]) == 5  # 3 engines, the CA, the AppRole method
    code, out, _ = run(capsys, *base, "bootstrap", "--cloud", "credtest", *suffix, "--json")
    assert code == 0 and json.loads(out)["created"] == []
    assert json.loads(out)["role_id"] == first["role_id"]
    policy = vault_root.sys.read_policy(layout.harness_policy)["data"]["rules"]
    assert f'path "{layout.rabbitmq}/roles/*"' in policy

    code, out, err = run(capsys, *base, "issue", "--cloud", "credtest", *suffix, "--host", "cmp-1",
                         "--mode", "shadow", "--owner-pid", str(os.getpid()), "--json",
                         "--kv", f"api.secret={vault_kv_mount}/nova/api#key")
    assert code == 0, err
    issued = json.loads(out)
    assert read_bundle(Path(issued["bundle"]))["api"]["secret"] == "kv-static-secret-1"
    assert "kv-static-secret-1" not in out
    assert {lease["kind"] for lease in issued["leases"]} == {"rabbitmq", "database", "pki"}
    urls = logins(Path(issued["bundle"]))
    assert logins_refused(urls) == []
    assert urls["bus"].split("@")[0].split(":")[-1] not in out  # no password printed

    code, out, _ = run(capsys, *base, "ls", "--json")
    [listed] = json.loads(out)
    assert listed["session"] == issued["session"] and not listed["orphaned"]
    code, _, err = run(capsys, *base, "revoke", issued["session"])
    assert code == 2 and "owned by running process" in err
    code, _, err = run(capsys, *base, "revoke", issued["session"], "--force")
    assert code == 0, err
    assert logins_refused(urls) == ["bus", "database"]
    assert json.loads(run(capsys, *base, "ls", "--json")[1]) == []


def test_approle_login_issues_under_the_harness_policy_and_a_reused_wrapper_is_flagged(
    capsys: pytest.CaptureFixture[str], state_dir: Path, tmp_path: Path, cloud_file: Path,
    layout: VaultLayout, mariadb_database: str, vault_root: hvac.Client,
) -> None:
    suffix = ["--mount-suffix", suffix_of(layout)]
    wrapper_file = tmp_path / "wrapped-secret-id"
    code, out, err = run(capsys, "--cloud-config", str(cloud_file), "creds", "bootstrap",
                         "--cloud", "credtest", *suffix, "--wrapped-secret-id-file",
                         str(wrapper_file), "--json")
    assert code == 0, err
    role_id = json.loads(out)["role_id"]
    assert (wrapper_file.stat().st_mode & 0o777) == 0o600
    approle = {"address": root_auth()["address"], "auth": {
        "method": "approle", "role_id": role_id, "mount": layout.approle,
        "wrapped_secret_id_file": str(wrapper_file)}}
    clouds = write_clouds(tmp_path / "approle.yaml", "credtest", mariadb_database, approle)
    base = ["--cloud-config", str(clouds), "creds"]
    code, out, err = run(capsys, *base, "issue", "--cloud", "credtest", *suffix, "--host",
                         "cmp-1", "--mode", "production", "--owner-pid", str(os.getpid()),
                         "--json")
    assert code == 0, err  # everything issued with the harness policy's rights alone
    session = json.loads(out)["session"]

    # This process keeps its login; another one finds the wrapper spent.
    revoke = [sys.executable, "-m", "harness", *base, "revoke", session, "--force"]
    spent = subprocess.run(revoke, capture_output=True, text=True, timeout=120)
    assert spent.returncode == 2
    err = spent.stderr
    assert err.strip().splitlines() == [err.strip()] and "possible interception" in err

    wrapper_file.write_text(
        wrapped_secret_id(vault_root, layout.approle, layout.harness_role) + "\n")
    fresh = subprocess.run(revoke, capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sealed_vault(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A throwaway `bao server -dev` on its own loopback port, sealed (never the shared one)."""
    port, token = free_port(), secrets.token_urlsafe(16)
    address = f"http://127.0.0.1:{port}"
    token_file = tmp_path / "sealed-token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    env = {**os.environ, "HOME": str(tmp_path), "BAO_DEV_ROOT_TOKEN_ID": token}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "bao"), "server", "-dev",
         f"-dev-listen-address=127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if requests.get(f"{address}/v1/sys/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        hvac.Client(url=address, token=token).sys.seal()
        yield {"address": address, "auth": {"method": "token", "token_file": str(token_file)}}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def denied_token(tmp_path: Path, vault_root: hvac.Client) -> Iterator[str]:
    """A valid token with only the default policy: it may look itself up, nothing more."""
    token = vault_root.auth.token.create(policies=["default"], ttl="5m")["auth"]["client_token"]
    path = tmp_path / "denied-token"
    path.write_text(token)
    path.chmod(0o600)
    yield str(path)
    vault_root.auth.token.revoke(token)


@pytest.mark.parametrize("case", ["unreachable", "sealed", "denied"])
def test_vault_failures_are_one_line_with_documented_exit_code(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, state_dir: Path,
    tmp_path: Path, mariadb_database: str, case: str,
) -> None:
    vault: dict[str, Any]
    if case == "unreachable":
        vault = root_auth(f"http://127.0.0.1:{free_port()}")
    elif case == "sealed":
        vault = request.getfixturevalue("sealed_vault")
    else:
        vault = {**root_auth(), "auth": {"method": "token",
                                          "token_file": request.getfixturevalue("denied_token")}}
    clouds = write_clouds(tmp_path / "clouds.yaml", "broken", mariadb_database, vault)
    code, out, err = run(capsys, "--cloud-config", str(clouds), "creds", "issue", "--cloud",
                         "broken", "--host", "cmp-1", "--mode", "shadow", "--owner-pid",
                         str(os.getpid()))
    expected = {"unreachable": (3, "is unreachable"), "sealed": (3, "is sealed"),
                "denied": (2, "permission denied")}[case]
    assert (code, out) == (expected[0], "")
    assert len(err.strip().splitlines()) == 1 and expected[1] in err, err
    assert err.startswith("harness: error: Vault at ")
