"""Tear a session down: each resource kind has one idempotent cleaner, run newest first."""

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from credentials import leases
from harness.cloud.clients import CloudClients
from harness.config import load_cloud
from harness.creds import state as creds_state
from harness.creds.session import teardown as creds_teardown
from harness.launchers import ShardHandle, get_launcher
from harness.procinfo import start_time
from harness.sessions.model import Resource, Session
from harness.sessions.queues import owned_queues
from harness.sessions.store import SessionStore
from harness.system.process import terminate

log = logging.getLogger(__name__)
Cleaner = Callable[[Resource, CloudClients], None]


def _stop_shard(resource: Resource, clients: CloudClients) -> None:
    handle = ShardHandle.from_dict(resource.data)
    get_launcher(handle.launcher).stop(handle, grace=float(resource.data.get("grace", 10)))


def _delete_queue(resource: Resource, clients: CloudClients) -> None:
    clients.management.delete_queue(resource.data["vhost"], resource.data["name"])


def _delete_exchange(resource: Resource, clients: CloudClients) -> None:
    clients.management.delete_exchange(resource.data["vhost"], resource.data["name"])


def _delete_vhost(resource: Resource, clients: CloudClients) -> None:
    clients.management.delete_vhost(resource.data["name"])


def _firehose_off(resource: Resource, clients: CloudClients) -> None:
    clients.management.set_tracing(resource.data["vhost"], False)


def _revoke_lease(resource: Resource, clients: CloudClients) -> None:
    leases.revoke(clients.vault, resource.data["id"])


def _delete_vault_role(resource: Resource, clients: CloudClients) -> None:
    path = f"{resource.data['mount']}/roles/{resource.data['name']}"
    clients.vault.adapter.delete(f"/v1/{path}")


def _remove_directory(resource: Resource, clients: CloudClients) -> None:
    shutil.rmtree(resource.data["path"], ignore_errors=True)


def _end_creds_session(resource: Resource, clients: CloudClients) -> None:
    """Revoke the credentials session's leases, roles, vhosts and bundles (if not yet gone)."""
    if creds_state.state_path(resource.data["id"]).is_file():
        state = creds_state.load_session(resource.data["id"])
        state.status = "ended"
        creds_state.save(state)
        creds_teardown(state, clients.cloud, clients.vault)


def _stop_process(resource: Resource, clients: CloudClients) -> None:
    pid, _, started = resource.data["ref"].partition(":")
    if start_time(int(pid)) == started:
        terminate(int(pid), grace=5)


def _remove_nova_compute(resource: Resource, clients: CloudClients) -> None:
    """A real nova-compute's service, compute node and resource provider records."""
    from harness.nova.shard import remove_compute_records

    remove_compute_records(clients.cloud, resource.data["host"])


def _stop_nova_process(resource: Resource, clients: CloudClients) -> None:
    """A real nova shadow side's conductor or placement, by its pid file."""
    from harness.nova.side import stop_process

    stop_process(Path(resource.data["pidfile"]))


def _drop_database(resource: Resource, clients: CloudClients) -> None:
    """A shadow side's clone of a production database."""
    from harness.nova.side import drop_database

    drop_database(resource.data["name"])


def _drop_db_user(resource: Resource, clients: CloudClients) -> None:
    """A shadow side's own database user."""
    from harness.nova.side import drop_user

    drop_user(resource.data["name"])


def _remove_nova_hosts(resource: Resource, clients: CloudClients) -> None:
    """Every compute host's records in nova and placement named from a scale job's prefix."""
    from harness.nova.removal import remove_hosts_named

    remove_hosts_named(clients.cloud, resource.data["prefix"])


def _delete_nova_flavor(resource: Resource, clients: CloudClients) -> None:
    """A flavor of the session's own."""
    from harness.nova.flavors import delete_flavor
    from harness.nova.rest import compute_client

    delete_flavor(compute_client(clients.cloud.endpoints["compute"]), resource.data["id"])


def _delete_resource_class(resource: Resource, clients: CloudClients) -> None:
    """A custom resource class of the session's own."""
    from harness.nova.flavors import delete_resource_class
    from harness.nova.rest import placement_client

    delete_resource_class(placement_client(clients.cloud.endpoints["placement"]),
                          resource.data["name"])


def _delete_nova_zone(resource: Resource, clients: CloudClients) -> None:
    """An availability zone (host aggregate) of the session's own, found by its name."""
    from harness.nova.flavors import delete_zone, zone_id
    from harness.nova.rest import compute_client

    api = compute_client(clients.cloud.endpoints["compute"])
    aggregate = zone_id(api, resource.data["name"])
    if aggregate is not None:
        delete_zone(api, aggregate)


NOVA_COMPUTE = "nova_compute"  # {host}: a real nova-compute's records in nova and placement
NOVA_HOSTS = "nova_hosts"  # {prefix}: every compute host so named, in nova and placement
NOVA_FLAVOR = "nova_flavor"  # {id}
RESOURCE_CLASS = "resource_class"  # {name}: a custom class in placement
NOVA_ZONE = "nova_zone"  # {name}: a host aggregate that is an availability zone
NOVA_PROCESS = "nova_process"  # {name, pidfile}: a real nova shadow side's conductor, placement
CLEANERS: dict[str, Cleaner] = {
    "shard": _stop_shard,
    "queue": _delete_queue,
    "vhost": _delete_vhost,
    "exchange": _delete_exchange,
    "firehose": _firehose_off,
    "lease": _revoke_lease,
    "vault_role": _delete_vault_role,
    "directory": _remove_directory,
    "creds_session": _end_creds_session,
    "keeper": _stop_process,
    "process": _stop_process,
    NOVA_COMPUTE: _remove_nova_compute,
    NOVA_PROCESS: _stop_nova_process,
    NOVA_HOSTS: _remove_nova_hosts,
    NOVA_FLAVOR: _delete_nova_flavor,
    RESOURCE_CLASS: _delete_resource_class,
    NOVA_ZONE: _delete_nova_zone,
    "database": _drop_database,
    "db_user": _drop_db_user,
}


CONSUMED_QUEUES = "consumed_queues"  # {vhost, user, before, work_queue}: named at teardown
RUNNING_KINDS = ("keeper", "process", "shard", NOVA_PROCESS)
# Pauses before each retry of what failed: a busy broker or Vault answers a moment later, a
# restarting placement or nova-api within seconds. Running parts are stopped first, so nothing
# redeclares what is removed meanwhile.
RETRY_PAUSES = (1.0, 3.0, 9.0)


def _teardown_order(resources: list[Resource]) -> list[Resource]:
    """What runs first, then everything else; each group newest first."""
    newest_first = list(reversed(resources))
    return ([r for r in newest_first if r.kind in RUNNING_KINDS]
            + [r for r in newest_first if r.kind not in RUNNING_KINDS])


def _name_consumed_queues(session: Session, store: SessionStore, clients: CloudClients) -> None:
    """Turn each `consumed_queues` record into the queues its user consumes, while the shards
    still run: the broker lists a consumer only seconds after it starts (statistics), too late
    for `shard up` to wait. Queues it cannot name (a shard already dead) expire by x-expires."""
    for resource in session.of_kind(CONSUMED_QUEUES):
        data = resource.data
        try:
            names = owned_queues(clients.management, data["vhost"], data["user"],
                                 set(data["before"]), data.get("work_queue"))
        except Exception as error:  # the broker's x-expires is the backstop
            log.warning("could not list the queues of %s: %s", data["user"], error)
            names = []
        session.resources.remove(resource)
        for name in names:
            store.track(session, Resource("queue", {"vhost": data["vhost"], "name": name}))


def teardown(session: Session, store: SessionStore) -> list[str]:
    """Remove every resource newest first; return what was removed, keep what failed."""
    clients = CloudClients(load_cloud(session.cloud, session.cloud_config))
    removed: list[str] = []
    failed: list[Resource] = []
    with store.state(session, "stopping", "down"):
        _name_consumed_queues(session, store, clients)
        pending = _teardown_order(session.resources)
        for pause in (0.0, *RETRY_PAUSES):
            if not pending:
                break
            time.sleep(pause)
            failed = []
            for resource in pending:
                try:
                    CLEANERS[resource.kind](resource, clients)
                except Exception as error:  # one stuck resource must not strand the rest
                    log.warning("could not remove %s %s: %s", resource.kind, resource.data,
                                error)
                    failed.append(resource)
                    continue
                removed.append(f"{resource.kind} {describe(resource)}")
            pending = failed
        session.resources = [r for r in session.resources if r in failed]
    if not failed:
        store.forget(session)
    return removed


def describe(resource: Resource) -> str:
    """A short name for what a resource is, for people (never a secret: ids and names only)."""
    data = resource.data
    for key in ("name", "id", "path", "shard", "vhost", "ref", "host"):
        if key in data:
            return str(data[key]) if key != "shard" else f"{data['shard']} ({data['launcher']})"
    return str(data)
