"""Vault leases: what was issued, renewed in the background while a shard lives, revoked after."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import hvac

from credentials.client import call_vault
from credentials.errors import CredentialsError

log = logging.getLogger(__name__)
TOKEN_KIND = "token"  # the renewer's own Vault token, kept alive as long as the leases it renews


@dataclass(frozen=True)
class Lease:
    """One lease: its id and lifetime, never the secret it guards."""

    lease_id: str
    kind: str
    ttl: int
    renewable: bool
    issued_at: float

    @property
    def expires_at(self) -> float:
        """When Vault revokes it unless renewed (epoch seconds)."""
        return self.issued_at + self.ttl

    def to_dict(self) -> dict[str, Any]:
        """Plain data for state files and --json output."""
        return {
            "lease_id": self.lease_id,
            "kind": self.kind,
            "ttl": self.ttl,
            "renewable": self.renewable,
            "expires_at": round(self.expires_at, 3),
        }


def lease_from(answer: dict[str, Any], kind: str) -> Lease:
    """The lease of a Vault answer that issued a secret."""
    if not answer.get("lease_id"):
        raise CredentialsError(f"Vault issued {kind} credentials without a lease")
    return Lease(
        lease_id=str(answer["lease_id"]),
        kind=kind,
        ttl=int(answer.get("lease_duration") or 0),
        renewable=bool(answer.get("renewable")),
        issued_at=time.time(),
    )


def token_lease(client: hvac.Client) -> Lease | None:
    """The client's own token as a lease (by accessor, never the token), or None when it never
    expires (a root token) or cannot be renewed."""
    data = call_vault(client.url, lambda: client.auth.token.lookup_self())["data"]
    if not data.get("renewable") or not data.get("ttl"):
        return None
    return Lease(f"accessor:{data['accessor']}", TOKEN_KIND, int(data["ttl"]), True, time.time())


def renew(client: hvac.Client, lease: Lease, increment: int | None = None) -> Lease:
    """Extend a lease, or the client's own token (Vault may grant less than asked, up to the
    max TTL)."""
    if lease.kind == TOKEN_KIND:
        answer = call_vault(client.url, lambda: client.auth.token.renew_self(
            increment=increment or lease.ttl))
        ttl = int(answer["auth"]["lease_duration"])
    else:
        answer = call_vault(
            client.url, lambda: client.sys.renew_lease(lease.lease_id, increment or lease.ttl)
        )
        ttl = int(answer["lease_duration"])
    return replace(lease, ttl=ttl, issued_at=time.time())


def revoke(client: hvac.Client, lease_id: str) -> None:
    """Revoke one lease now; Vault deletes the credential behind it."""
    call_vault(client.url, lambda: client.sys.revoke_lease(lease_id))


def revoke_prefix(client: hvac.Client, prefix: str) -> None:
    """Revoke every lease under a path, even ones whose ids were never recorded (needs sudo)."""
    call_vault(client.url, lambda: client.sys.revoke_prefix(prefix.rstrip("/") + "/"))


class LeaseRenewer:
    """A daemon thread renewing each renewable lease at half its TTL until stopped."""

    def __init__(
        self,
        client: hvac.Client,
        on_renew: Callable[[Lease], None] | None = None,
        fraction: float = 0.5,
    ) -> None:
        self.client = client
        self.on_renew = on_renew
        self.fraction = fraction
        self._leases: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-renewer", daemon=True)

    def start(self) -> "LeaseRenewer":
        """Start renewing in the background, the client's own token included: an AppRole
        token that expired mid-session would leave every lease to lapse with it."""
        try:
            own = token_lease(self.client)
        except CredentialsError as error:
            log.warning("cannot look up the harness's own Vault token: %s", error)
            own = None
        if own is not None:
            self.add(own)
        self._thread.start()
        return self

    def add(self, lease: Lease) -> None:
        """Keep a lease alive from now on (non-renewable ones just expire)."""
        if lease.renewable:
            with self._lock:
                self._leases[lease.lease_id] = lease
            self._wake.set()

    def discard(self, lease_id: str) -> None:
        """Stop renewing a lease (it is about to be revoked)."""
        with self._lock:
            self._leases.pop(lease_id, None)

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _due(self, lease: Lease) -> float:
        return lease.issued_at + lease.ttl * self.fraction

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                pending = list(self._leases.values())
            now = time.time()
            for lease in pending:
                if self._due(lease) <= now and not self._stopping.is_set():
                    self._renew(lease)
            with self._lock:
                dues = [self._due(lease) for lease in self._leases.values()]
            wait = max(0.05, min(dues) - time.time()) if dues else None
            self._wake.wait(wait)
            self._wake.clear()

    def _renew(self, lease: Lease) -> None:
        try:
            renewed = renew(self.client, lease)
        except CredentialsError as error:
            log.warning("could not renew lease %s: %s", lease.lease_id, error)
            self.discard(lease.lease_id)
            return
        with self._lock:
            if lease.lease_id in self._leases:
                self._leases[lease.lease_id] = renewed
        if self.on_renew:
            self.on_renew(renewed)
