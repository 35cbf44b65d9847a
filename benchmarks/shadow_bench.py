"""Shared by the shadow benchmarks: throwaway vhosts, realistic compute messages published to
production, percentiles, CPU time of a process."""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import kombu

from harness.bus import envelope
from harness.bus.messages import request
from harness.dev.services.rabbitmq import local_amqp_url, local_management, local_user
from harness.sandbox.compute_api import instance_primitive
from harness.shadow.host_load import STAT, counters_of

CONTROL_EXCHANGE = "nova"
HOST = "cmp-1"
ROUTING_KEY = f"compute.{HOST}"
PREFILL_TIMEOUT = 300.0
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def url_for(vhost: str) -> str:
    """The local administrator's AMQP URL for a vhost."""
    return local_amqp_url(vhost)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def throwaway_vhosts(*roles: str) -> Iterator[dict[str, str]]:
    """One fresh vhost per role (role -> vhost name), deleted on exit, Ctrl-C and SIGTERM too."""
    signal.signal(signal.SIGTERM, _interrupt)
    admin = local_management()
    run = uuid.uuid4().hex[:8]
    made: dict[str, str] = {}
    try:
        for role in roles:
            made[role] = f"bench.{run}.{role}"
            admin.create_vhost(made[role])
            admin.set_permissions(made[role], local_user())
        yield made
    finally:
        for vhost in made.values():
            admin.delete_vhost(vhost)


def instance(index: int) -> dict[str, Any]:
    """An Instance primitive of about 2 KB, shaped as nova's API sends it to a compute host."""
    row: dict[str, Any] = {
        "uuid": str(uuid.UUID(int=index)), "display_name": f"bench-{index}",
        "user_id": uuid.uuid4().hex, "project_id": uuid.uuid4().hex, "host": HOST,
        "node": HOST, "vm_state": "building", "task_state": "scheduling", "power_state": 0,
        "image_ref": str(uuid.uuid4()), "memory_mb": 2048, "vcpus": 2, "root_gb": 20,
    }
    primitive = instance_primitive(row)
    data = primitive["nova_object.data"]
    data["metadata"] = {f"key{i}": f"value-{i}-{uuid.uuid4().hex}" for i in range(12)}
    data["system_metadata"] = {"image_base_image_ref": row["image_ref"],
                               "image_disk_format": "qcow2", "image_min_disk": "1",
                               "image_container_format": "bare", "owner_user_name": "bench"}
    data["info_cache"] = {"network_info": "[]", "instance_uuid": row["uuid"]}
    return primitive


def build_kwargs(index: int) -> dict[str, Any]:
    """build_and_run_instance's arguments, as the sandbox's compute API casts them."""
    return {"instance": instance(index), "image": {"id": str(uuid.uuid4())},
            "request_spec": None, "filter_properties": {}, "accel_uuids": [],
            "admin_password": None, "injected_files": [], "requested_networks": None,
            "security_groups": None, "block_device_mapping": [], "node": HOST, "limits": {},
            "host_list": []}


def context(index: int) -> dict[str, Any]:
    """A request context as nova packs it, `_context_*` keys on the wire."""
    return {"request_id": f"req-{uuid.uuid4()}", "user_id": uuid.uuid4().hex,
            "project_id": uuid.uuid4().hex, "roles": ["member", "reader"],
            "is_admin": False, "read_deleted": "no", "timestamp": f"2025-01-01T00:00:{index % 60}"}


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def stolen_ticks() -> tuple[int, int]:
    """(stolen, all) ticks of the box's CPUs since boot: a VM's hypervisor takes its share at
    will, the largest noise a measurement here suffers (none to 0.28 of the time, by run)."""
    counters = counters_of(STAT.read_bytes())[:8]  # guest time is counted in user's already
    return counters[7], sum(counters)


def stolen_since(before: tuple[int, int]) -> float:
    """The fraction of the box's CPU time the hypervisor took since `before`."""
    stolen, ticks = (now - then for now, then in zip(stolen_ticks(), before, strict=True))
    return stolen / ticks if ticks else 0.0


def broker_pid() -> int:
    """The local RabbitMQ's Erlang VM, whose CPU a mirror and a relay draw on."""
    found = subprocess.run(["pgrep", "-o", "beam.smp"], capture_output=True, text=True,
                           check=True)
    return int(found.stdout)


def bodies(count: int) -> list[bytes]:
    """Distinct enveloped casts (own ids and request ids), the instance varying every 100."""
    out, kwargs = [], build_kwargs(0)
    for i in range(count):
        if i % 100 == 0:
            kwargs = build_kwargs(i)
        message = request(context(i), "build_and_run_instance", kwargs, version="6.0")
        out.append(envelope.dumps(envelope.encode(message)).encode())
    return out


def queue_depth(conn: kombu.Connection, name: str) -> int:
    """Messages ready in a queue (passive declare)."""
    _, depth, _ = conn.default_channel.queue_declare(name, passive=True)
    return int(depth)


def prefill(prod_url: str, payloads: list[bytes], queues: list[str]) -> float:
    """Publish every body to production's exchange and wait until each queue holds them all."""
    started = time.perf_counter()
    with kombu.Connection(prod_url) as conn:
        channel = conn.channel()
        for body in payloads:
            channel.basic_publish(
                channel.prepare_message(body, content_type="application/json",
                                        content_encoding="utf-8",
                                        properties={"delivery_mode": 2}),
                exchange=CONTROL_EXCHANGE, routing_key=ROUTING_KEY)
        deadline = time.monotonic() + PREFILL_TIMEOUT
        while any(queue_depth(conn, q) < len(payloads) for q in queues):
            if time.monotonic() > deadline:
                raise SystemExit("the broker never held the pre-filled messages")
            time.sleep(0.1)
    return time.perf_counter() - started
