"""Mirror and relay on real RabbitMQ: production keeps all its work; shadows get marked copies."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import kombu

from harness.bus import RPCClient, ServerSet, Target, Transport
from harness.bus.management import ManagementClient
from harness.shadow.mirror import MirrorSpec
from harness.shadow.relay import SHADOW_MARK, Relay, Trigger
from tests.integration.shadow.conftest import url_for


class Compute:
    """Production's compute endpoint: counts what it handles."""

    target = Target(version="6.4")

    def __init__(self) -> None:
        self.handled: list[str] = []

    def reboot_instance(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> None:
        self.handled.append(instance["uuid"])

    def get_console_output(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> str:
        self.handled.append(instance["uuid"])
        return "console of " + instance["uuid"]


def drain(url: str, queue_name: str, exchange: str, key: str) -> list[dict[str, Any]]:
    """Every message waiting in a shadow vhost queue, unwrapped."""
    got = []
    with kombu.Connection(url) as conn:
        queue = kombu.Queue(queue_name, kombu.Exchange(exchange, "topic", durable=False),
                            routing_key=key, durable=False)
        with conn.SimpleQueue(queue) as simple:
            while True:
                try:
                    message = simple.get(timeout=1)
                except simple.Empty:
                    return got
                got.append(json.loads(message.payload["oslo.message"]))
                message.ack()


def declare_server_queue(url: str, name: str) -> None:
    """A shadow's server queue made ahead, so relayed copies wait there for the test."""
    with kombu.Connection(url) as conn:
        kombu.Queue(name, kombu.Exchange("nova", "topic", durable=False), routing_key=name,
                    durable=False)(conn.default_channel).declare()


def wait(predicate: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_relay_copies_marks_and_counts(
    make_vhost: Callable[[str], str], rabbit_admin: ManagementClient
) -> None:
    prod, control, candidate = make_vhost("prod"), make_vhost("shadow"), make_vhost("shadow")
    transport = Transport(url_for(prod), control_exchange="nova")
    compute = Compute()
    servers = ServerSet(transport)
    servers.add("compute", "cmp-1", [compute])
    servers.start()
    # Pre-create the shadow's server queue so relayed copies wait for the test to read them.
    for vhost in (control, candidate):
        with kombu.Connection(url_for(vhost)) as conn:
            kombu.Queue("compute.cmp-1", kombu.Exchange("nova", "topic", durable=False),
                        routing_key="compute.cmp-1", durable=False)(conn.default_channel).declare()
    spec = MirrorSpec("t1", "cmp-1", "nova")
    triggers: list[Trigger] = []
    relay = Relay(url_for(prod), spec, [url_for(control), url_for(candidate)],
                  on_trigger=triggers.append)
    relay.declare()
    relay.start()
    try:
        client = RPCClient(transport, Target("compute", server="cmp-1", version="6.0"), timeout=10)
        for i in range(20):
            client.cast({"request_id": f"req-{i}"}, "reboot_instance", instance={"uuid": f"u{i}"})
        output = client.call({"request_id": "req-call"}, "get_console_output",
                             instance={"uuid": "u-call"})
        assert output == "console of u-call"
        wait(lambda: relay.counters["relayed"] == 21)
    finally:
        relay.stop()
        servers.stop()
        transport.close()
    # Production did all its work itself: nothing was stolen.
    assert len(compute.handled) == 21
    assert relay.counters == {"mirrored": 21, "relayed": 21}
    assert [t.method for t in triggers].count("reboot_instance") == 20
    for vhost in (control, candidate):
        copies = drain(url_for(vhost), "compute.cmp-1", "nova", "compute.cmp-1")
        assert len(copies) == 21 and all(c[SHADOW_MARK] is True for c in copies)
        call = next(c for c in copies if c["method"] == "get_console_output")
        # The caller's reply queue exists in the shadow vhost, so a shadow's reply stays there.
        assert rabbit_admin.queue(vhost, call["_reply_q"]) is not None
    mirror = rabbit_admin.queue(prod, spec.name)
    assert mirror is not None and mirror["arguments"]["x-max-length"] == spec.max_length
    assert not any(q["name"].startswith("compute") and q["name"] not in
                   ("compute", "compute.cmp-1") and "fanout" not in q["name"]
                   for q in rabbit_admin.queues(prod))


def test_sampling_is_consistent_per_instance_and_drops_are_counted(
    make_vhost: Callable[[str], str]
) -> None:
    prod, shadow = make_vhost("prod"), make_vhost("shadow")
    declare_server_queue(url_for(shadow), "compute.cmp-2")
    spec = MirrorSpec("t2", "cmp-2", "nova", max_length=30)
    relay = Relay(url_for(prod), spec, [url_for(shadow)], sample=0.5)
    relay.declare()
    transport = Transport(url_for(prod), control_exchange="nova")
    client = RPCClient(transport, Target("compute", server="cmp-2"))
    instances = [f"uuid-{i}" for i in range(10)]
    for _ in range(4):  # 40 messages into a mirror that holds 30: 10 dropped by the broker
        for uuid in instances:
            client.cast({}, "reboot_instance", instance={"uuid": uuid})
    with kombu.Connection(url_for(prod)) as conn:
        conn.default_channel.basic_publish(
            conn.default_channel.prepare_message(b"not json"), exchange="nova",
            routing_key="compute.cmp-2")
    relayed: list[Trigger] = []
    relay.on_trigger = relayed.append
    relay.start()
    try:
        wait(lambda: sum(relay.counters[k] for k in ("relayed", "sampled_out", "undecodable"))
             + relay.counters["dropped"] == 41)
    finally:
        relay.stop()
        transport.close()
    counters = relay.counters
    assert counters["mirrored"] == counters["relayed"] + counters["sampled_out"] + \
        counters["undecodable"]
    assert counters["dropped"] == 11 and counters["undecodable"] == 1
    assert 0 < counters["relayed"] < 30
    # Every surviving message of a sampled instance is relayed, or none is: the broker dropped
    # the 11 oldest (round one and uuid-0 of round two), so uuid-0 has 2 left, the others 3.
    shadow_copies = drain(url_for(shadow), "compute.cmp-2", "nova", "compute.cmp-2")
    per_instance = Counter(c["args"]["instance"]["uuid"] for c in shadow_copies)
    assert per_instance and set(per_instance) < set(instances)
    assert all(n == (2 if uuid == "uuid-0" else 3) for uuid, n in per_instance.items())


def pause(processes: list[subprocess.Popen[bytes]], seconds: float) -> None:
    """Stop the processes for a while, then let them go on."""
    for process in processes:
        process.send_signal(signal.SIGSTOP)
    time.sleep(seconds)
    for process in processes:
        process.send_signal(signal.SIGCONT)


@contextmanager
def busy_host() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Un-niced busy loops on every CPU: what production at full load looks like to a relay."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(os.cpu_count() or 1)]
    try:
        yield spinners
    finally:
        quiet(spinners)


def quiet(spinners: list[subprocess.Popen[bytes]]) -> None:
    """End the load (again, harmlessly)."""
    for spinner in spinners:
        spinner.kill()
        spinner.wait()


def mirror_state(url: str, relay: Relay) -> tuple[int, int]:
    """The mirror's (ready copies, consumers) as the broker counts them."""
    with kombu.Connection(url) as conn:
        _, ready, consumers = conn.default_channel.queue_declare(relay.spec.name, passive=True)
    return ready, consumers


def test_a_yielding_relay_holds_while_the_host_is_busy_dips_and_all_and_catches_up_after(
    make_vhost: Callable[[str], str]
) -> None:
    prod, shadow = make_vhost("prod"), make_vhost("shadow")
    declare_server_queue(url_for(shadow), "compute.cmp-y")
    relay = Relay(url_for(prod), MirrorSpec("ty", "cmp-y", "nova"), [url_for(shadow)],
                  yield_above=0.5)
    relay.declare()
    relay.start()
    transport = Transport(url_for(prod), control_exchange="nova")
    try:
        with busy_host() as spinners:
            time.sleep(0.3)
            client = RPCClient(transport, Target("compute", server="cmp-y"))
            client.cast({}, "reboot_instance", instance={"uuid": "u0"})  # the first one holds it
            time.sleep(0.3)
            for i in range(1, 20):
                client.cast({}, "reboot_instance", instance={"uuid": f"u{i}"})
            time.sleep(0.5)
            for _ in range(3):  # production at a steady load dips under the limit now and then
                pause(spinners, 0.12)
                time.sleep(0.3)
            assert relay.counters["relayed"] == 0  # every copy waits in the mirror meanwhile
            # ... in the broker's queue, not in a socket the held relay does not read: the
            # broker delivers nothing to it, as if nothing consumed the mirror
            assert mirror_state(url_for(prod), relay) == (19, 0)
        wait(lambda: relay.counters["relayed"] == 20)
    finally:
        relay.stop()
        transport.close()
    assert relay.counters["held_ms"] >= 1000
    assert len(drain(url_for(shadow), "compute.cmp-y", "nova", "compute.cmp-y")) == 20


def test_a_shedding_relay_unbinds_the_mirror_while_the_host_is_busy_and_binds_it_after(
    make_vhost: Callable[[str], str]
) -> None:
    prod, shadow = make_vhost("prod"), make_vhost("shadow")
    for vhost in (prod, shadow):  # production's own queue keeps what production was sent
        declare_server_queue(url_for(vhost), "compute.cmp-s")
    relay = Relay(url_for(prod), MirrorSpec("ts", "cmp-s", "nova"), [url_for(shadow)],
                  yield_above=0.5, shed=True)
    relay.declare()
    relay.start()
    transport = Transport(url_for(prod), control_exchange="nova")
    client = RPCClient(transport, Target("compute", server="cmp-s"))
    try:
        with busy_host() as spinners:
            time.sleep(0.3)
            client.cast({}, "reboot_instance", instance={"uuid": "u0"})  # copied; it sheds
            time.sleep(0.3)
            for i in range(1, 20):
                client.cast({}, "reboot_instance", instance={"uuid": f"u{i}"})
            time.sleep(0.5)
            for _ in range(3):  # dips shorter than RESUME_AFTER bind nothing back
                pause(spinners, 0.12)
                time.sleep(0.3)
            # the broker copied none of the 19: the mirror is empty, not merely unconsumed
            assert mirror_state(url_for(prod), relay) == (0, 0)
            assert relay.counters["relayed"] == 0
        wait(lambda: mirror_state(url_for(prod), relay)[1] == 1)  # bound again, then consumed
        for i in range(20, 30):
            client.cast({}, "reboot_instance", instance={"uuid": f"u{i}"})
        wait(lambda: relay.counters["relayed"] == 11)
    finally:
        relay.stop()
        transport.close()
    assert relay.counters["shed_ms"] >= 1000 and "held_ms" not in relay.counters
    assert "reconnects" not in relay.counters  # bound again on the same channel
    assert relay.counters["mirrored"] == relay.counters["relayed"] == 11
    relayed = drain(url_for(shadow), "compute.cmp-s", "nova", "compute.cmp-s")
    assert [c["args"]["instance"]["uuid"] for c in relayed] == ["u0", *(f"u{i}" for i in
                                                                       range(20, 30))]
    assert len(drain(url_for(prod), "compute.cmp-s", "nova", "compute.cmp-s")) == 30
