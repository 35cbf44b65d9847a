"""The shards' root CA is rotated when it has expired or would expire under a leaf."""

import time

import hvac
from cryptography import x509
from cryptography.x509.oid import NameOID

from credentials import pki
from credentials.layout import VaultLayout
from credentials.mounts import ensure_secrets_engine

LEAF_TTL = 600


def mount_with_root(client: hvac.Client, layout: VaultLayout, ttl: str) -> float:
    """The test's pki mount holding a root CA of that lifetime; returns when it expires."""
    ensure_secrets_engine(client, layout.pki, "pki", LEAF_TTL, pki.CA_TTL_SECONDS)
    client.secrets.pki.generate_root("internal", "short-lived", extra_params={"ttl": ttl},
                                     mount_point=layout.pki)
    expires = pki.default_ca_expiry(client, layout.pki)
    assert expires is not None
    return expires


def test_an_expired_root_ca_is_rotated_and_signs_again(vault_root: hvac.Client,
                                                       vault_layout: VaultLayout) -> None:
    expired = mount_with_root(vault_root, vault_layout, "1s")
    while time.time() <= expired + 1:  # waits for the expiry; asserts nothing about time taken
        time.sleep(0.5)
    assert pki.ensure_root_ca(vault_root, vault_layout.pki, LEAF_TTL)
    renewed = pki.default_ca_expiry(vault_root, vault_layout.pki)
    assert renewed is not None and renewed - time.time() > pki.CA_TTL_SECONDS - 3600
    pki.create_role(vault_root, vault_layout.pki, "rotated", "cmp-rot", LEAF_TTL, LEAF_TTL)
    leaf = pki.issue(vault_root, vault_layout.pki, "rotated", "cmp-rot", LEAF_TTL)
    issuer = x509.load_pem_x509_certificate(leaf.certificate.encode()).issuer
    assert issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == pki.CA_COMMON_NAME


def test_a_root_ca_expiring_within_a_leafs_lifetime_is_rotated_once(
        vault_root: hvac.Client, vault_layout: VaultLayout) -> None:
    soon = mount_with_root(vault_root, vault_layout, f"{LEAF_TTL // 2}s")
    assert pki.ensure_root_ca(vault_root, vault_layout.pki, LEAF_TTL)
    rotated = pki.default_ca_expiry(vault_root, vault_layout.pki)
    assert rotated is not None and rotated > soon + LEAF_TTL
    assert not pki.ensure_root_ca(vault_root, vault_layout.pki, LEAF_TTL)
    assert pki.default_ca_expiry(vault_root, vault_layout.pki) == rotated
