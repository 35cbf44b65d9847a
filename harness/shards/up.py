"""`shard up`: credentials, configuration, launch, readiness, and a keeper renewing the leases."""

import logging
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from harness.cloud.access import bus_url, reachable_endpoints, service_endpoints
from harness.cloud.clients import CloudClients
from harness.config import load_cloud
from harness.config.schema import Cloud
from harness.creds.session import CredentialSession
from harness.creds.targets import layout_for
from harness.errors import UsageError
from harness.hollow.shard_set import shard_hosts
from harness.launchers import LaunchSpec, ShardHandle, get_launcher
from harness.launchers.base import CREDENTIALS_MOUNT, RECORDS_MOUNT
from harness.nova.compute_conf import write_compute_conf
from harness.nova.shard import NovaBuild, nova_bus_target, ready_checks, resolve_build
from harness.procinfo import start_time
from harness.sessions import Resource, Session, SessionStore
from harness.sessions.model import new_session_id
from harness.sessions.teardown import CONSUMED_QUEUES, NOVA_COMPUTE, teardown
from harness.shards.readiness import consumers, reported_in, vhost_of, wait_ready
from harness.shards.request import ShardUp
from harness.shards.shard_config import read_shard_config, shard_user, write_shard_conf
from harness.system.base_image import base_image_tag
from harness.system.process import spawn

log = logging.getLogger(__name__)
COMPUTE_TOPIC = "compute"


def _shard_argv(request: ShardUp, host: str) -> list[str]:
    """The command line: the user's, or the hollow compute reading its two config files where
    the shard, process or container, finds them."""
    if request.command:
        return shlex.split(request.command)
    base = Path(CREDENTIALS_MOUNT)
    args = ["--config-file", str(base / "credentials.conf"), "--config-file",
            str(base / "shard.conf"), "--host", host, *request.hollow_args]
    if request.per_process > 1:
        args += ["--count", str(request.per_process)]
    if request.launcher == "docker":
        return args  # the hollow image's entrypoint is `harness hollow run`
    return [sys.executable, "-m", "harness", "hollow", "run", *args]


def served_hosts(request: ShardUp, host: str) -> list[str]:
    """The hosts one launched shard process serves: itself, or HOST-0 ... when it carries many."""
    return shard_hosts(host, request.per_process) if request.per_process > 1 else [host]


def _checks(cloud: Cloud, request: ShardUp, process_host: str,
            bundle: Path) -> dict[str, Callable[[], bool]]:
    """What must hold before a shard counts as ready, by name (the queue asked as the shard's
    own broker user, which may use its vhost even when that is a shadow vhost); a process of
    many shards is ready when its last one is, as it registers them in order."""
    host = served_hosts(request, process_host)[-1]
    queue, shard_url = f"{COMPUTE_TOPIC}.{host}", read_shard_config([bundle]).bus_url
    checks = {f"a consumer on {queue}": lambda: consumers(shard_url, queue) > 0}
    if request.nova is not None:
        checks.update(ready_checks(cloud, host))
    elif request.mode == "production" and not request.command:
        checks[f"{host} reported in to the conductor"] = partial(reported_in, cloud, host)
    return checks


def _refuse_taken_hosts(cloud: Cloud, hosts: list[str]) -> None:
    """Joining a host that already consumes would split production's work queue: refuse."""
    url = bus_url(cloud)
    taken = [h for h in hosts if consumers(url, f"{COMPUTE_TOPIC}.{h}")]
    if taken:
        raise UsageError(
            f"host {taken[0]!r} already has a consumer on {COMPUTE_TOPIC}.{taken[0]} in cloud "
            f"{cloud.name!r}: a second one would take half of its work (use --force to join "
            "anyway, or `harness shadow start` to watch it safely)")


def _track_queues(store: SessionStore, session: Session, vhost: str, host: str, bundle: Path,
                  before: set[str]) -> None:
    """Before launch, record the work queue (a crash mid-up would strand it) and the user whose
    other queues (the fanout's, named at random) teardown looks up while the shard runs."""
    work_queue = f"{COMPUTE_TOPIC}.{host}"
    if work_queue not in before:
        store.track(session, Resource("queue", {"vhost": vhost, "name": work_queue}))
    store.track(session, Resource(CONSUMED_QUEUES, {"vhost": vhost, "user": shard_user(bundle),
                                                    "before": sorted(before),
                                                    "work_queue": work_queue}))


def shard_up(request: ShardUp, store: SessionStore | None = None,
             owner: int | None = None) -> Session:
    """Wire shards into the cloud and return their session once every one is ready.

    On any failure (or Ctrl-C) everything already created is torn down before the error is
    raised; if even that fails, the session stays on disk for `harness gc`. `owner` is the
    process whose death makes the session dead (the CLI an agent works for; default: this one).
    """
    if request.launcher == "docker" and not (request.image or request.command or request.nova):
        raise UsageError("--launcher docker needs --image (see `harness image build`)")
    store = store or SessionStore()
    cloud = load_cloud(request.cloud, request.cloud_config)
    build = _nova_build(request, cloud)
    clients = CloudClients(cloud)
    hosts = shard_hosts(request.host, request.count)
    if request.mode == "production" and not request.force:
        _refuse_taken_hosts(cloud, [h for p in hosts for h in served_hosts(request, p)])
    endpoints = (dict(cloud.endpoints) if request.command or build
                 else service_endpoints(cloud))
    owner = owner or os.getpid()
    session = Session(new_session_id(), "shard", cloud.name, request.cloud_config,
                      owner_pid=owner, owner_started=start_time(owner) or "",
                      info={"mode": request.mode, "hosts": hosts, "launcher": request.launcher})
    store.save(session)
    try:
        _wire(request, store, session, cloud, clients, hosts, endpoints, build)
    except BaseException:
        teardown(session, store)
        raise
    return session


def _nova_build(request: ShardUp, cloud: Cloud) -> NovaBuild | None:
    """The real nova a request runs, checked against the cloud before anything is created."""
    if request.nova is None:
        return None
    if request.command or request.mode != "production":
        raise UsageError("--nova runs real nova-compute in production: it takes no --command "
                         "or --mode shadow")
    build = resolve_build(cloud, request.nova)
    if request.launcher == "docker":
        build.site_packages()  # refused now, before anything is made, when it cannot run there
    return build


def _nova_spec(spec: LaunchSpec, build: NovaBuild, launcher: str, state_dir: Path) -> LaunchSpec:
    """Real nova-compute's launch: the build's own interpreter as a process; in a container
    (the base image unless --image), the image's Python with the build's venv mounted
    read-only."""
    conf_dir = Path(CREDENTIALS_MOUNT)
    if launcher != "docker":
        return replace(spec, argv=build.argv(conf_dir), env=build.env(), writable_dir=state_dir)
    return replace(spec, argv=build.container_argv(conf_dir), env=build.container_env(),
                   image=spec.image or base_image_tag(), writable_dir=state_dir,
                   shared_dirs=build.shared_dirs())


def _wire(request: ShardUp, store: SessionStore, session: Session, cloud: Cloud,
          clients: CloudClients, hosts: list[str], endpoints: dict[str, str],
          build: NovaBuild | None) -> None:
    """Issue, configure, launch and wait for every shard, recording each step first."""
    with store.state(session, "starting", "running"):
        store.track(session, Resource("creds_session", {"id": session.id}))
        creds = CredentialSession(cloud, clients.vault, layout_for(cloud), session=session.id,
                                  owner_pid=session.owner_pid, renew=False,
                                  bus=nova_bus_target(cloud) if build else None)
        launcher = get_launcher(request.launcher)
        before = {vhost_of(cloud): {q["name"] for q in clients.management.queues(vhost_of(cloud))}}
        handles: dict[str, ShardHandle] = {}
        bundles: dict[str, Path] = {}
        allowed = (reachable_endpoints(cloud, endpoints.values()) if request.mode == "shadow"
                   else None)  # a shadow keeps off production's network
        vhosts: dict[str, str] = {}
        for host in hosts:
            delivery = creds.issue(host, request.mode,  # type: ignore[arg-type]
                                   seen_as=launcher.credentials_path,
                                   numbered=request.per_process > 1)
            assert delivery.conf_path is not None
            conf_dir = delivery.conf_path.parent
            bundles[host] = delivery.conf_path
            vhosts[host] = delivery.record.vhost or vhost_of(cloud)
            write_shard_conf(conf_dir, cloud, endpoints)
            spec = LaunchSpec(session.id, host, _shard_argv(request, host), store.root / session.id,
                              image=request.image, credentials_dir=conf_dir,
                              memory_limit=request.memory_limit, cpus=request.cpus,
                              allowed_endpoints=allowed)
            if build:  # nova keeps its state where the shard may write: its records mount
                state_dir = store.root / session.id / f"{host}.nova-state"
                write_compute_conf(conf_dir, cloud, host, state_dir, Path(RECORDS_MOUNT))
                spec = _nova_spec(spec, build, request.launcher, state_dir)
                store.track(session, Resource(NOVA_COMPUTE, {"host": host}))
            _track_queues(store, session, vhosts[host], served_hosts(request, host)[0],
                          delivery.conf_path, before.get(vhosts[host], set()))
            handles[host] = launcher.launch(spec)
            store.track(session, Resource("shard", handles[host].to_dict()))
        for host, handle in handles.items():
            wait_ready(_checks(cloud, request, host, bundles[host]),
                       request.ready_timeout, partial(launcher.alive, handle))
        keeper = spawn([sys.executable, "-m", "harness", "shard", "keep", session.id],
                       store.root / f"{session.id}.keeper.log")
        store.track(session, Resource("keeper", {"ref": f"{keeper}:{start_time(keeper)}"}))
