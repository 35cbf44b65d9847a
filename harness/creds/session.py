"""A credentials session: issue per-shard credentials, keep them alive, revoke them all."""

import logging
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import hvac

from credentials.bus import BusTarget
from credentials.database_grants import Mode
from credentials.delivery import wrap_bundle, write_bundle
from credentials.errors import CredentialsError
from credentials.layout import VaultLayout
from credentials.leases import Lease, LeaseRenewer
from credentials.redaction import REDACTOR
from credentials.shard import RoleRef, ShardRequest, issue_shard, planned_roles, revoke_roles
from harness.config.schema import Cloud
from harness.creds import state as store
from harness.creds.targets import bus_target, database_target, lease_ttls, management
from harness.errors import HarnessError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShardDelivery:
    """Where a shard's credentials went: a bundle directory, or a wrapping token to hand over."""

    record: store.ShardRecord
    conf_path: Path | None = None
    wrapping_token: str | None = None


def shadow_vhost(session: str, shard: str) -> str:
    """The vhost a shadow shard lives in."""
    return f"shadow.{session}.{shard}"


class CredentialSession:
    """Owns every credential issued for a session's shards, renewing them until closed."""

    def __init__(self, cloud: Cloud, client: hvac.Client, layout: VaultLayout,
                 session: str | None = None, owner_pid: int | None = None,
                 renew: bool = True, bus: BusTarget | None = None) -> None:
        self.cloud = cloud
        self.bus = bus or bus_target(cloud)  # which queues and exchanges shards get
        self.client = client
        self.layout = layout
        self.state = store.new_state(
            session or f"s{uuid.uuid4().hex[:10]}", cloud.name, client.url, layout.to_dict(),
            owner_pid or os.getpid(),
        )
        self._lock = threading.Lock()
        self._save()
        self.renewer = LeaseRenewer(client, self._renewed).start() if renew else None

    @property
    def session(self) -> str:
        """The session's id."""
        return self.state.session

    def __enter__(self) -> "CredentialSession":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def issue(self, host: str, mode: Mode, shard: str | None = None, ttl: int | None = None,
              kv: dict[str, str] | None = None, wrapped: bool = False,
              owner_uid: int | None = None, seen_as: Path | None = None,
              numbered: bool = False) -> ShardDelivery:
        """Issue a shard's credentials and deliver them as files (or a wrapped token); `seen_as`
        is where the shard will find the bundle's directory (a container's mount); `numbered`:
        one process serving hosts `<host>-0`, `<host>-1`, ..."""
        name = shard or host
        chosen_ttl, max_ttl = lease_ttls(self.cloud, ttl)
        vhost = shadow_vhost(self.session, name) if mode == "shadow" else None
        request = ShardRequest(
            session=self.session, shard=name, host=host, mode=mode, ttl=chosen_ttl,
            max_ttl=max_ttl, bus=self.bus, vhost=vhost,
            database=database_target(self.cloud), db_connection=self.cloud.name, kv=kv or {},
            numbered=numbered,
        )
        record = store.ShardRecord(shard=name, host=host, mode=mode, vhost=vhost, roles=[
            store.RoleRecord(kind=r.kind, mount=r.mount, name=r.name)
            for r in planned_roles(self.layout, request)
        ])
        with self._lock:
            self.state.shards.append(record)
        self._save()  # roles and vhost on disk before anything exists to undo
        if vhost:
            management(self.cloud).create_vhost(vhost)
        issued = issue_shard(self.client, self.layout, request,
                             on_lease=lambda lease: self._record_lease(record, lease))
        if wrapped:
            token = wrap_bundle(self.client, issued.bundle, chosen_ttl)
            REDACTOR.add(token)
            return ShardDelivery(record, wrapping_token=token)
        directory = store.bundles_dir(self.session, name)
        record.bundle = str(directory)
        self._save()
        return ShardDelivery(record, conf_path=write_bundle(issued.bundle, directory, owner_uid,
                                                            seen_as))

    def _save(self) -> None:
        """Write the state; the renewer thread saves too, so one writer at a time."""
        with self._lock:
            store.save(self.state)

    def _record_lease(self, record: store.ShardRecord, lease: Lease) -> None:
        with self._lock:
            record.leases.append(store.LeaseRecord(**lease.to_dict()))
        self._save()
        if self.renewer:
            self.renewer.add(lease)

    def _renewed(self, lease: Lease) -> None:
        with self._lock:
            for record in self.state.shards:
                for entry in record.leases:
                    if entry.lease_id == lease.lease_id:
                        entry.ttl, entry.expires_at = lease.ttl, round(lease.expires_at, 3)
        self._save()
        log.debug("renewed lease %s for %ss", lease.lease_id, lease.ttl)

    def close(self) -> None:
        """Stop renewing, revoke everything, delete vhosts and bundles, forget the session."""
        if self.renewer:
            self.renewer.stop()
        self.state.status = "ended"
        self._save()
        teardown(self.state, self.cloud, self.client)


    def abandon(self) -> None:
        """Undo a failed issue as far as Vault lets us; what is left stays for `creds gc`."""
        try:
            self.close()
        except (CredentialsError, HarnessError) as error:
            log.warning("session %s left for `harness creds gc`: %s", self.session, error)


def teardown(state: store.SessionState, cloud: Cloud, client: hvac.Client) -> None:
    """Undo a session: revoke by role prefix, delete roles, vhosts, bundles, then its state file."""
    roles = [RoleRef(r.kind, r.mount, r.name) for shard in state.shards for r in shard.roles]
    revoke_roles(client, roles)
    vhosts = [shard.vhost for shard in state.shards if shard.vhost]
    if vhosts:
        admin = management(cloud)
        for vhost in vhosts:
            admin.delete_vhost(vhost)
    shutil.rmtree(store.bundle_root(state.session), ignore_errors=True)
    store.remove(state.session)
