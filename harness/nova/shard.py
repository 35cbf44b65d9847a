"""A real nova-compute as a shard: which nova, its command line, its broker names, when it is
ready, and removing its records from nova and placement when it goes."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from credentials.bus import BusTarget
from harness.bus.versions import parse_version
from harness.config.schema import Cloud
from harness.creds.targets import bus_target
from harness.errors import InfrastructureError, UsageError
from harness.nova.compute_conf import COMPUTE_CONF, require_nova_endpoints
from harness.nova.rest import (
    RestClient,
    compute_client,
    compute_services,
    hypervisors,
    placement_client,
    resource_providers,
)
from harness.nova.venv import checkout_pythonpath, nova_facts, nova_python, require_venv

DEV_NOVA = "dev"  # `--nova` without a PATH: the dev venv's nova
COMPUTE_BINARY = "nova-compute"
# A loaded nova-api (hundreds of hosts listed, one worker) answers in minutes, not seconds:
# teardown waits for it rather than leaving records behind.
REMOVAL_REQUEST_TIMEOUT = 180.0
CONTAINER_PYTHON = "3.11"  # the base image's (Debian bookworm)
# Named as its console script names it: keystoneauth puts the program's name first in the
# User-Agent of its placement requests, which tells a compute's from the scheduler's.
RUN_COMPUTE = ("import sys; sys.argv[0] = 'nova-compute'; from nova.cmd.compute import main; "
               "sys.exit(main())")


@dataclass(frozen=True)
class NovaBuild:
    """The nova a shard runs: its interpreter, the checkout put first on its path, its facts."""

    python: Path
    pythonpath: str | None
    facts: dict[str, str]

    def argv(self, conf_dir: Path) -> list[str]:
        """nova-compute reading the Vault bundle, then its own nova-compute.conf."""
        return [str(self.python), "-c", RUN_COMPUTE, "--config-file",
                str(conf_dir / "credentials.conf"), "--config-file", str(conf_dir / COMPUTE_CONF)]

    def env(self) -> dict[str, str]:
        """A checkout's path ahead of the venv's nova."""
        return {"PYTHONPATH": self.pythonpath} if self.pythonpath else {}

    def site_packages(self) -> Path:
        """The venv's packages, which a container's own Python imports (its minor version:
        compiled modules are built for it)."""
        venv = self.python.parent.parent
        found = venv / "lib" / f"python{CONTAINER_PYTHON}" / "site-packages"
        if not found.is_dir():
            raise UsageError(f"--nova with --launcher docker: {venv} is no Python "
                             f"{CONTAINER_PYTHON} virtual environment, which the base image's "
                             f"python{CONTAINER_PYTHON} needs")
        return found

    def container_argv(self, conf_dir: Path) -> list[str]:
        """nova-compute run by the image's Python, reading the same two files."""
        return [f"python{CONTAINER_PYTHON}", *self.argv(conf_dir)[1:]]

    def container_env(self) -> dict[str, str]:
        """The checkout (if any), then the venv's packages, on the image's Python's path."""
        paths = [p for p in (self.pythonpath, str(self.site_packages())) if p]
        return {"PYTHONPATH": ":".join(paths)}

    def shared_dirs(self) -> tuple[Path, ...]:
        """What a container mounts read-only: the venv, and the checkout when one is run."""
        venv = self.python.parent.parent
        return (venv, Path(self.pythonpath)) if self.pythonpath else (venv,)


def resolve_build(cloud: Cloud, path: str) -> NovaBuild:
    """The nova at PATH (or the dev one), refused when the cloud's RPC caps are above it."""
    require_nova_endpoints(cloud)
    given = None if path == DEV_NOVA else path
    if given is None:
        require_venv()
    python = nova_python(given)
    pythonpath = checkout_pythonpath(given)
    facts = nova_facts(python, pythonpath)
    cap = cloud.rpc_version_caps.get("compute")
    if cap and parse_version(facts["compute_rpc"]) < parse_version(cap):
        raise UsageError(f"--nova {path}: nova {facts['version']} speaks compute RPC "
                         f"{facts['compute_rpc']}, older than cloud {cloud.name!r}'s "
                         f"rpc_version_caps.compute {cap}")
    return NovaBuild(python, pythonpath, facts)


def nova_bus_target(cloud: Cloud) -> BusTarget:
    """The broker names real nova-compute uses: `compute` and `compute-alt`, and its casts to
    every scheduler."""
    base = bus_target(cloud)
    return BusTarget(base.url, base.control_exchange, base.topic, alt_topics=("compute-alt",),
                     fanout_casts=("scheduler",))


def _clients(cloud: Cloud, timeout: float = 30) -> tuple[RestClient, RestClient]:
    endpoints = require_nova_endpoints(cloud)
    return (compute_client(endpoints["compute"], timeout),
            placement_client(endpoints["placement"], timeout))


def service_up(cloud: Cloud, host: str) -> bool:
    """nova's own service list shows the host's nova-compute up (a cell nova-api cannot reach
    in time lists its services without a state)."""
    return any(s["binary"] == COMPUTE_BINARY and s.get("state") == "up"
               for s in compute_services(_clients(cloud)[0], host))


def provider_exists(cloud: Cloud, host: str) -> bool:
    """Placement has the host's resource provider."""
    return bool(resource_providers(_clients(cloud)[1], host))


def host_mapped(cloud: Cloud, host: str) -> bool:
    """The host is mapped to a cell, so that builds scheduled to it can land: its node is in
    nova's hypervisor list, which leaves out hosts nova-api cannot find a cell for. The
    scheduler's periodic host discovery maps a new host (or `nova-manage cell_v2
    discover_hosts`, where discovery is not periodic)."""
    return any(node["service"]["host"] == host
               for node in hypervisors(_clients(cloud)[0], host, detail=True))


def ready_checks(cloud: Cloud, host: str) -> dict[str, Callable[[], bool]]:
    """What must hold, besides a consumer on its queue, before a real compute is ready."""
    return {f"{host} up in nova's service list": partial(service_up, cloud, host),
            f"{host}'s resource provider in placement": partial(provider_exists, cloud, host),
            f"{host} mapped to a cell (listed by nova's hypervisor list; is host discovery "
            "periodic, or was `nova-manage cell_v2 discover_hosts` run?)":
                partial(host_mapped, cloud, host)}


def remove_compute_records(cloud: Cloud, host: str, timeout: float = 60,
                           listed: list[dict[str, Any]] | None = None) -> None:
    """Remove a stopped compute host from nova and placement: force its service down (so nova-api
    deletes its servers itself instead of casting to a host that is gone), delete its servers,
    then its service record (nova deletes its compute nodes, host mapping and resource
    provider), then any provider placement still holds under its name. `listed`: its entries
    of a service list already read (nova-api reads every host's to answer for one)."""
    api, placement = _clients(cloud, REMOVAL_REQUEST_TIMEOUT)
    services = [s for s in (compute_services(api, host) if listed is None else listed)
                if s["binary"] == COMPUTE_BINARY and s["host"] == host]
    for service in services:
        api.request("PUT", f"/os-services/{service['id']}", {"forced_down": True})
    listing = f"/servers?all_tenants=1&host={host}&deleted=false"
    for server in api.get(listing)["servers"]:
        api.request("DELETE", f"/servers/{server['id']}", ok=(204, 404))
    deadline = time.monotonic() + timeout
    while api.get(listing)["servers"]:
        if time.monotonic() > deadline:
            raise InfrastructureError(f"servers on {host} still not deleted after {timeout:.0f}s")
        time.sleep(0.5)
    for service in services:
        api.request("DELETE", f"/os-services/{service['id']}", ok=(204, 404))
    for provider in resource_providers(placement, host):
        uuid = provider["uuid"]  # its servers are gone: what they still hold is leaked
        for consumer in placement.get(f"/resource_providers/{uuid}/allocations")["allocations"]:
            placement.request("DELETE", f"/allocations/{consumer}", ok=(204, 404))
        placement.request("DELETE", f"/resource_providers/{uuid}", ok=(204, 404))
