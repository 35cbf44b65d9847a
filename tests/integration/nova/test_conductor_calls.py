"""The hollow compute against real nova-compute: the same lifecycle (build, reboot, delete)
through nova-api, once on each, with every call to the conductor tapped from the broker and
compared per method. The test fails when the hollow calls a conductor method real nova does
not call in that lifecycle, or stops calling one it claims to implement."""

import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import kombu
import pytest

from harness.config import Cloud, load_cloud
from harness.dev.services.rabbitmq import local_amqp_url, local_management
from harness.nova.layout import VHOST, endpoint
from harness.nova.rest import compute_client
from harness.nova.shard import host_mapped, remove_compute_records
from harness.nova.traffic import compute_hosts_up, nova_traffic
from tests.integration.shards.harness_cli import harness

Call = tuple[str, ...]
# The instance's own conductor calls the hollow implements, as real nova-compute makes them.
CLAIMED: set[Call] = {("object_action", "Instance", "save"),
                      ("object_action", "Instance", "destroy")}
# Periodic reports whose timing, not the lifecycle, decides whether they fall in the window.
PERIODIC: set[Call] = {("object_action", "Service", "save"),
                       ("object_action", "ComputeNode", "save")}
QUIET_SECONDS = 3.0


def conductor_call(body: str | bytes) -> Call:
    """(kind, object, method) of one message to the conductor, from its oslo envelope."""
    inner = json.loads(json.loads(body)["oslo.message"])
    args = inner.get("args", {})
    if inner["method"] == "object_action":
        return ("object_action", args["objinst"]["nova_object.name"], args["objmethod"])
    if inner["method"] == "object_class_action_versions":
        return ("object_class_action", args["objname"], args["objmethod"])
    return (str(inner["method"]),)


@pytest.fixture
def conductor_tap(nova_cloud: None) -> Iterator[Callable[[], Counter[Call]]]:
    """A queue of ours bound where the conductor's work arrives; drain() empties it."""
    url = local_amqp_url(VHOST)
    with kombu.Connection(url) as conn:
        channel = conn.channel()
        queue = f"harness-test-tap.{uuid.uuid4().hex}"
        channel.queue_declare(queue, exclusive=True, auto_delete=True)
        channel.queue_bind(queue, "nova", "conductor")

        def drain() -> Counter[Call]:
            seen: Counter[Call] = Counter()
            while (message := channel.basic_get(queue, no_ack=True)) is not None:
                seen[conductor_call(message.body)] += 1
            return seen

        yield drain


def _lifecycle_calls(cloud: Cloud, host: str,
                     drain: Callable[[], Counter[Call]]) -> Counter[Call]:
    """Wait for the host alone to be up and mapped to a cell, then one lifecycle's conductor
    calls."""
    api = compute_client(endpoint("compute"))
    deadline = time.monotonic() + 120
    while compute_hosts_up(api) != [host] or not host_mapped(cloud, host):
        assert time.monotonic() < deadline, f"{host} alone never up: {compute_hosts_up(api)}"
        time.sleep(0.5)
    # Its start-up calls (a loaded box may retry them) are over once only periodic ones come.
    while [call for call in drain() if call not in PERIODIC]:
        assert time.monotonic() < deadline, f"{host} still starting up"
        time.sleep(QUIET_SECONDS)
    _, traffic = nova_traffic(endpoint("compute"), ("build", "reboot", "delete"), 120)
    traffic.run(1, rate=1)
    assert traffic.book.failures == {}
    time.sleep(2)  # the last saves after the API shows the server gone
    return Counter({call: n for call, n in drain().items() if call not in PERIODIC})


def test_hollow_calls_the_conductor_as_real_nova_does(
        nova_config: Path, conductor_tap: Callable[[], Counter[Call]], tmp_path: Path) -> None:
    real_host, hollow_host = f"cmp-{uuid.uuid4().hex[:6]}", f"hol-{uuid.uuid4().hex[:6]}"
    cloud = load_cloud("nova-test", nova_config)
    up = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", real_host,
                 "--nova", "--no-agent", "--ready-timeout", "120", "--json")
    try:
        real = _lifecycle_calls(cloud, real_host, conductor_tap)
    finally:
        harness(nova_config, "shard", "down", json.loads(up.stdout)["session"])
    log = (tmp_path / "hollow.log").open("wb")
    hollow_run = subprocess.Popen(
        [sys.executable, "-m", "harness", "--cloud-config", str(nova_config), "hollow", "run",
         "--cloud", "nova-test", "--host", hollow_host, "--rpc-version", "6.5"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        hollow = _lifecycle_calls(cloud, hollow_host, conductor_tap)
    finally:
        hollow_run.terminate()
        hollow_run.wait(30)
        remove_compute_records(cloud, hollow_host)
        local_management().delete_queue(VHOST, f"compute.{hollow_host}")
    diff = {call: (real[call], hollow[call]) for call in sorted(set(real) | set(hollow))}
    print("conductor calls per method (real, hollow):", json.dumps(
        {" ".join(call): counts for call, counts in diff.items()}, indent=1))
    invented = sorted(call for call in hollow if call not in real)
    assert invented == [], f"the hollow calls what real nova-compute does not: {invented}"
    assert set(real) & set(hollow) >= CLAIMED, diff
