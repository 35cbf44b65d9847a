"""A real nova-compute as a shadow side: its own conductor and placement on clones of
production's databases, the compute launched on the production host's name in the side's vhost,
and the taps that see what each side of a real nova session sends.

What real nova sends that the taps see: calls and casts to the conductor (the nova object
saves among them), notifications, and the casts to every scheduler (`scheduler_fanout`).
A side's placement requests are in its placement's access log (`NovaSide.access_log`),
production's in the one the cloud names (`access_logs.placement`).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from harness.cloud.access import reachable_endpoints
from harness.config.schema import Cloud
from harness.launchers import LaunchSpec
from harness.launchers.base import CREDENTIALS_MOUNT, RECORDS_MOUNT, SIDE_ENV
from harness.nova.compute_conf import write_compute_conf
from harness.nova.shard import resolve_build
from harness.nova.side import (
    NovaSide,
    Track,
    answers,
    clone_databases,
    free_port,
    require_running,
    start_services,
    write_side_conf,
)
from harness.shards.readiness import consumers, wait_ready

FANOUT_CASTS = ("scheduler",)  # real nova-compute casts update/sync_instance_info to all of them
# Conductor methods nova-api and the conductor itself send with a build's request id: upstream
# of the host, never its effects.
UPSTREAM_NAMESPACE = "compute_task"
HOST_CASTS_UPSTREAM = ("build_instances", "migrate_server")  # a compute's reschedules
SIDE_READY_TIMEOUT = 120.0
STATE = "nova-state"  # the compute's state_path, inside its records directory


def sent_by_a_compute(inner: dict[str, Any]) -> bool:
    """Whether a conductor message could come from a compute host: nova-api's and the
    scheduler's compute_task calls (schedule_and_build_instances ...) share the build's request
    id but happen upstream of the host."""
    return (inner.get("namespace") != UPSTREAM_NAMESPACE
            or inner.get("method") in HOST_CASTS_UPSTREAM)


def names_host(host: str) -> Callable[[dict[str, Any]], bool]:
    """Whether an uncaused effect in production's vhost is the host's own periodic work: its
    arguments name the host (Service.save, ComputeNode.save, InstanceList.get_by_host ...)."""
    quoted = json.dumps(host)

    def check(effect: dict[str, Any]) -> bool:
        return quoted in json.dumps(effect.get("payload"), default=str)

    return check


def every_effect(effect: dict[str, Any]) -> bool:
    """A shadow vhost holds one host only: all its uncaused effects are that host's."""
    return True


@dataclass
class NovaShadow:
    """One real nova side of a session, as the driver starts it."""

    side: NovaSide
    spec: LaunchSpec


def start_side(cloud: Cloud, build_path: str, session: str, role: str, host: str,
               bundle: Path, vhost_url: str, records: Path, log_dir: Path,
               track: Track) -> NovaShadow:
    """Clone, configure and start the side's conductor, placement and glance and neutron
    stand-ins, wait until they serve, and write the compute's config; the compute's launch spec
    is returned, not launched: it reaches the broker and those services only."""
    build = resolve_build(cloud, build_path)
    side = NovaSide(session, role, log_dir / f"{role}.nova", free_port(), free_port(),
                    free_port())
    password = clone_databases(side, track)
    track("directory", path=str(side.conf_dir))
    write_side_conf(side, password)
    start_services(side, bundle, track)

    def serving(name: str, check: Callable[[], bool]) -> bool:
        require_running(side, name)
        return check()

    wait_ready({f"the {role} side's placement on {side.placement_url}":
                partial(serving, "placement", partial(answers, side.placement_url)),
                f"the {role} side's network stand-in on {side.endpoints['network']}":
                partial(serving, "standins",
                        partial(answers, side.endpoints["network"] + "/v2.0/ports")),
                f"the {role} side's nova-conductor consuming conductor":
                partial(serving, "nova-conductor",
                        lambda: consumers(vhost_url, "conductor") > 0)},
               SIDE_READY_TIMEOUT, lambda: True)
    side_cloud = cloud.model_copy(update={"endpoints": {**cloud.endpoints, **side.endpoints}})
    write_compute_conf(bundle.parent, side_cloud, host, records / STATE,
                       Path(RECORDS_MOUNT) / STATE)
    spec = LaunchSpec(session, role, build.argv(Path(CREDENTIALS_MOUNT)), log_dir,
                      env={**build.env(), SIDE_ENV: role}, credentials_dir=bundle.parent,
                      writable_dir=records,
                      allowed_endpoints=reachable_endpoints(cloud, side.endpoints.values()))
    return NovaShadow(side, spec)
