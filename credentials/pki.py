"""The pki secrets engine: a CA for shards, one role per shard pinned to its host name."""

import time
from dataclasses import dataclass

import hvac
from cryptography import x509

from credentials.client import call_vault
from credentials.leases import Lease, lease_from

CA_COMMON_NAME = "shadow-harness shard CA"
CA_TTL_SECONDS = 10 * 365 * 24 * 3600  # the CA outlives every shard; its leaves stay short


@dataclass(frozen=True)
class Certificate:
    """A short-lived certificate with its key and the chain to trust."""

    certificate: str
    private_key: str
    issuing_ca: str
    serial: str
    lease: Lease


def ensure_root_ca(client: hvac.Client, mount: str, leaf_ttl: int) -> bool:
    """Give the mount a default root CA that outlives any leaf it signs from now on: generate
    one when it has none, or rotate to a new one when the default expires within `leaf_ttl`
    seconds (the old issuer stays, to verify what it signed); True when one was generated."""
    expires = default_ca_expiry(client, mount)
    if expires is not None and expires - time.time() > leaf_ttl:
        return False
    answer = call_vault(client.url, lambda: client.secrets.pki.generate_root(
        "internal", CA_COMMON_NAME, extra_params={"ttl": f"{CA_TTL_SECONDS}s", "key_type": "ec"},
        mount_point=mount,
    ))
    issuer = str(answer["data"]["issuer_id"])
    call_vault(client.url, lambda: client.write_data(f"{mount}/config/issuers",
                                                     data={"default": issuer}))
    return True


def default_ca_expiry(client: hvac.Client, mount: str) -> float | None:
    """When the mount's default issuer stops being valid (epoch seconds); None without one."""
    config = call_vault(client.url, lambda: client.read(f"{mount}/config/issuers"))
    issuer = (config or {}).get("data", {}).get("default")
    if not issuer:
        return None
    answer = call_vault(client.url, lambda: client.read(f"{mount}/issuer/{issuer}"))
    pem = str(answer["data"]["certificate"]).encode()
    return x509.load_pem_x509_certificate(pem).not_valid_after_utc.timestamp()


def create_role(client: hvac.Client, mount: str, name: str, host: str, ttl: int, max_ttl: int
                ) -> None:
    """A role that can only issue certificates whose name is exactly this host, with a lease."""
    params = {
        "allowed_domains": [host], "allow_bare_domains": True, "allow_subdomains": False,
        "allow_localhost": False, "allow_ip_sans": False, "enforce_hostnames": True,
        "server_flag": True, "client_flag": True, "key_type": "ec", "key_bits": 256,
        "ttl": ttl, "max_ttl": max_ttl, "generate_lease": True, "no_store": False,
    }
    call_vault(client.url, lambda: client.secrets.pki.create_or_update_role(
        name, extra_params=params, mount_point=mount
    ))


def delete_role(client: hvac.Client, mount: str, name: str) -> None:
    """Delete a role (certificates issued stay valid until revoked or expired)."""
    call_vault(client.url, lambda: client.secrets.pki.delete_role(name, mount_point=mount))


def issue(client: hvac.Client, mount: str, role: str, host: str, ttl: int) -> Certificate:
    """A certificate with CN = host, under a lease whose revocation puts it on the CRL."""
    answer = call_vault(client.url, lambda: client.secrets.pki.generate_certificate(
        role, host, extra_params={"ttl": ttl}, mount_point=mount
    ))
    data = answer["data"]
    return Certificate(
        str(data["certificate"]), str(data["private_key"]), str(data["issuing_ca"]),
        str(data["serial_number"]), lease_from(answer, "pki"),
    )


def is_revoked(client: hvac.Client, mount: str, serial: str) -> bool:
    """Whether the CA has revoked a certificate (it is on the CRL)."""
    answer = call_vault(client.url, lambda: client.read(f"{mount}/cert/{serial}"))
    return bool(answer and int(answer["data"].get("revocation_time") or 0) > 0)
