"""Leases live while the harness does, die at teardown, after a kill -9 via gc, or by TTL."""

import os
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hvac
import pytest
from cryptography import x509

from credentials import approle, pki
from credentials.bootstrap import BootstrapPlan
from credentials.layout import VaultLayout
from credentials.leases import LeaseRenewer
from credentials.mounts import ensure_auth_method
from harness.config import Cloud, load_cloud
from harness.config.secrets import vault_client
from harness.creds import state as store
from harness.creds.gc import collect
from harness.creds.session import CredentialSession
from tests.integration.credentials.creds_helpers import (
    cert_serial,
    cert_subject_cn,
    logins,
    logins_refused,
    read_bundle,
)


def wait_until_refused(urls: dict[str, str], timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        refused = logins_refused(urls)
        if refused == ["bus", "database"] or time.monotonic() > deadline:
            return refused
        time.sleep(0.5)


def test_teardown_revokes_everything_within_seconds(
    state_dir: Path, cloud: Cloud, bootstrapped: BootstrapPlan, vault_root: hvac.Client,
) -> None:
    session = CredentialSession(cloud, vault_client(cloud), bootstrapped.layout)
    shadow = session.issue("cmp-1", "shadow")
    production = session.issue("cmp-2", "production")
    assert shadow.conf_path and production.conf_path
    issued = [logins(shadow.conf_path), logins(production.conf_path)]
    for conf, urls in zip((shadow.conf_path, production.conf_path), issued, strict=True):
        assert stat.S_IMODE(conf.parent.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in conf.parent.iterdir())
        assert logins_refused(urls) == []
    bundle = read_bundle(shadow.conf_path)
    assert bundle["DEFAULT"]["transport_url"].endswith(f"/shadow.{session.session}.cmp-1")
    assert cert_subject_cn(Path(bundle["ssl"]["cert_file"])) == "cmp-1"
    serial = cert_serial(Path(bundle["ssl"]["cert_file"]))
    assert not pki.is_revoked(vault_root, bootstrapped.layout.pki, serial)
    state_file = store.state_path(session.session)
    assert {len(s.leases) for s in store.load(state_file).shards} == {3}

    started = time.monotonic()
    session.close()
    assert [logins_refused(urls) for urls in issued] == [["bus", "database"]] * 2
    assert time.monotonic() - started < 5
    assert pki.is_revoked(vault_root, bootstrapped.layout.pki, serial)
    assert not state_file.exists() and not shadow.conf_path.exists()


def test_renewal_keeps_credentials_past_their_ttl_and_unrenewed_ones_expire(
    state_dir: Path, tmp_path: Path, mariadb_database: str, vault_root: hvac.Client,
    layout: object,
) -> None:
    from credentials.bootstrap import bootstrap
    from harness.creds.targets import bootstrap_plan
    from tests.integration.credentials.conftest import (  # a cloud whose leases live 4 s
        root_auth,
        write_clouds,
    )

    short = load_cloud("short", write_clouds(tmp_path / "short.yaml", "short", mariadb_database,
                                             root_auth(), ttl=4, max_ttl=60))
    bootstrap(vault_root, bootstrap_plan(short, layout))  # type: ignore[arg-type]
    renewed = CredentialSession(short, vault_client(short), layout)  # type: ignore[arg-type]
    abandoned = CredentialSession(short, vault_client(short), layout,  # type: ignore[arg-type]
                                  renew=False)
    kept, left = renewed.issue("cmp-1", "shadow"), abandoned.issue("cmp-1", "shadow")
    assert kept.conf_path and left.conf_path
    kept_urls, left_urls = logins(kept.conf_path), logins(left.conf_path)
    time.sleep(6)
    assert logins_refused(kept_urls) == []
    assert wait_until_refused(left_urls, 6) == ["bus", "database"]
    renewed.close()
    abandoned.close()


HARNESS = """
import sys, time
from harness.config import load_cloud
from harness.config.secrets import vault_client
from harness.creds.session import CredentialSession
from credentials.layout import VaultLayout
cloud = load_cloud("credtest", sys.argv[1])
layout = VaultLayout().suffixed(sys.argv[2])
session = CredentialSession(cloud, vault_client(cloud), layout)
delivery = session.issue("cmp-1", "shadow")
print(delivery.conf_path, flush=True)
time.sleep(600)
"""


def test_gc_revokes_what_a_killed_harness_left(
    state_dir: Path, cloud_file: Path, bootstrapped: BootstrapPlan,
) -> None:
    suffix = bootstrapped.layout.rabbitmq.rsplit("-", 1)[1]
    child = subprocess.Popen([sys.executable, "-c", HARNESS, str(cloud_file), suffix],
                             stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        urls = logins(Path(child.stdout.readline().strip()))  # type: ignore[union-attr]
        assert logins_refused(urls) == []
        assert [r.session for r in collect(str(cloud_file))] == []  # owner alive: left alone
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    results = collect(str(cloud_file))
    assert len(results) == 1 and results[0].error is None and results[0].leases == 3
    assert logins_refused(urls) == ["bus", "database"]
    assert store.all_sessions() == []


def test_wrapped_delivery_unwraps_once(
    state_dir: Path, tmp_path: Path, cloud: Cloud, bootstrapped: BootstrapPlan,
) -> None:
    from credentials.delivery import unwrap_bundle
    from credentials.errors import WrappingTokenReused

    with CredentialSession(cloud, vault_client(cloud), bootstrapped.layout) as session:
        delivery = session.issue("cmp-1", "shadow", wrapped=True)
        assert delivery.wrapping_token and delivery.conf_path is None
        conf = unwrap_bundle(cloud.vault.address, delivery.wrapping_token,  # type: ignore[union-attr]
                             tmp_path / "shard")
        urls = logins(conf)
        assert logins_refused(urls) == []
        with pytest.raises(WrappingTokenReused, match="possible interception"):
            unwrap_bundle(cloud.vault.address, delivery.wrapping_token,  # type: ignore[union-attr]
                          tmp_path / "again")
    assert logins_refused(urls) == ["bus", "database"]


def test_the_renewer_keeps_its_own_approle_token_alive(
    vault_root: hvac.Client, layout: VaultLayout, tmp_path: Path,
) -> None:
    """An AppRole token lives 4 s here: renewed with the leases, it outlives that; a token of
    the same role nobody renews is refused after it."""
    ensure_auth_method(vault_root, layout.approle, "approle")
    role_id = approle.ensure_role(vault_root, layout.approle, "short", ["default"],
                                  token_ttl=4, token_max_ttl=60)

    def login() -> hvac.Client:
        secret = vault_root.auth.approle.generate_secret_id("short",
                                                            mount_point=layout.approle)
        path = tmp_path / "secret-id"
        path.write_text(secret["data"]["secret_id"])
        return approle.approle_client(vault_root.url, role_id, layout.approle, str(path))

    kept, left = login(), login()
    renewer = LeaseRenewer(kept).start()
    try:
        time.sleep(6)
        kept.auth.token.lookup_self()  # Forbidden once expired
        with pytest.raises(hvac.exceptions.Forbidden):
            left.auth.token.lookup_self()
    finally:
        renewer.stop()


def test_the_shard_ca_outlives_the_clouds_lease_ceiling(
        vault_root: hvac.Client, bootstrapped: BootstrapPlan, layout: VaultLayout) -> None:
    """The mount's max TTL (the cloud's, an hour or so) must not cap the CA: shards issued after
    it would fail 'beyond the expiration of the CA certificate'."""
    pem = vault_root.secrets.pki.read_ca_certificate(mount_point=layout.pki)
    expires = x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc
    assert expires - datetime.now(UTC) > timedelta(days=365)
    pki.create_role(vault_root, layout.pki, "ca-test", "cmp-ca", 60, bootstrapped.max_lease_ttl)
    leaf = pki.issue(vault_root, layout.pki, "ca-test", "cmp-ca", 10 * bootstrapped.max_lease_ttl)
    assert leaf.lease.ttl <= bootstrapped.max_lease_ttl
