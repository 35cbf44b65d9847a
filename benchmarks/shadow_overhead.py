"""What an attached shadow session costs production: RPC latency and throughput without and with.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/shadow_overhead.py [--rounds 5] [--rate 200] [--seconds 4]
        [--flat 1500] [--shadow-nice 10] [--yield-cpu 0.5]

Production is a ServerSet serving a compute-like endpoint on topic compute, host cmp-1, and a
client in this process. Each condition runs calls and casts (build_and_run_instance with a ~2 KB
instance) at a fixed rate (latency p50/p99: a call's round trip, a cast's send-to-handled), then
flat out (calls/s one after another, casts/s sent in a burst until all are handled). "with"
attaches a shadow session in a child process: the mirror in production's vhost, the relay into a
shadow vhost, and a shadow server of the same endpoint consuming there (reniced, as a harness on
a shared box should be; on a real cloud it runs elsewhere and only the broker is shared).
"yielding" is the same session started with `--yield-cpu`: its relay holds while the box's CPUs
are busier than that, so the shadow side works in production's idle time.
"without, again" repeats "without": its cost column is this box's noise floor (an A/A test).
A further condition, "mirror only", binds the mirror and nothing consumes it: what the broker's
copy alone costs, apart from the relay's and the shadow's work. Conditions rotate each round;
the ratios (with / without for latencies, without / with for throughput, so above 1 is a cost)
are medians over rounds. Target: <= 1.05 for a session.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

import kombu
from shadow_bench import (
    CONTROL_EXCHANGE,
    HOST,
    build_kwargs,
    context,
    percentile,
    throwaway_vhosts,
    url_for,
)

from harness.bus import RPCClient, ServerSet, Target, Transport
from harness.shadow.mirror import MirrorSpec, mirror_queues
from harness.shadow.relay import Relay
from harness.tables import format_table

DRAIN_TIMEOUT = 60.0
METRICS = ("call p50 ms", "call p99 ms", "cast p50 ms", "cast p99 ms", "calls/s", "casts/s")
TARGET = 1.05
DETACHED = ("without", "again")  # "again" measures nothing new: its cost is the noise floor
CONDITIONS = {"without": "without", "again": "without, again", "mirror": "mirror only",
              "with": "with shadow",
              "yielding": "yielding shadow"}


class Compute:
    """A trivial compute endpoint: notes when each cast was handled, answers calls at once."""

    target = Target(version="6.4")

    def __init__(self) -> None:
        self.cast_latencies: list[float] = []
        self.handled = 0

    def build_and_run_instance(self, ctxt: dict[str, Any], **kwargs: Any) -> None:
        self.handled += 1
        if "sent" in ctxt:
            self.cast_latencies.append(time.perf_counter() - float(ctxt["sent"]))

    def get_console_output(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> str:
        return "console of " + instance["nova_object.data"]["uuid"]


def shadow_session(prod_url: str, shadow_url: str, commands: Connection, nice: int,
                   yield_cpu: float) -> None:
    """The child: a shadow server always up; attach/detach a mirror and relay on command."""
    os.nice(nice)
    transport = Transport(shadow_url, control_exchange=CONTROL_EXCHANGE)
    servers = ServerSet(transport)
    servers.add("compute", HOST, [Compute()])
    servers.start()
    relay: Relay | None = None
    attached = 0
    try:
        while (command := commands.recv()) != "quit":
            if command == "mirror":  # the broker's copy alone
                attached += 1
                relay = Relay(prod_url, MirrorSpec(f"bench{attached}", HOST, CONTROL_EXCHANGE),
                              [shadow_url])
                relay.declare()
            elif command in ("with", "yielding"):
                attached += 1
                relay = Relay(prod_url, MirrorSpec(f"bench{attached}", HOST, CONTROL_EXCHANGE),
                              [shadow_url],
                              yield_above=yield_cpu if command == "yielding" else None)
                relay.declare()
                relay.start()
            elif command == "detach" and relay is not None:
                caught_up = relay.ready.is_set() and drain_mirror(prod_url, relay.spec)
                relay.stop()
                with kombu.Connection(prod_url) as conn:
                    for queue in mirror_queues(relay.spec):
                        conn.default_channel.queue_delete(queue.name)
                commands.send(dict(relay.counters, caught_up=int(caught_up)))
                relay = None
                continue
            commands.send({})
    finally:
        servers.stop()
        transport.close()


def drain_mirror(prod_url: str, spec: MirrorSpec) -> bool:
    """Wait until the relay emptied the mirror, so no shadow work spills into the next phase."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    with kombu.Connection(prod_url) as conn:
        while time.monotonic() < deadline:
            _, depth, _ = conn.default_channel.queue_declare(spec.name, passive=True)
            if depth == 0:
                return True
            time.sleep(0.05)
    return False


def wait_handled(compute: Compute, count: int) -> None:
    """Until production's endpoint handled `count` casts."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while compute.handled < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"production handled {compute.handled} of {count} casts")
        time.sleep(0.001)


def measure(client: RPCClient, compute: Compute, rate: float, seconds: float,
            flat: int) -> dict[str, float]:
    """One condition: fixed-rate latencies, then flat-out throughput."""
    kwargs = build_kwargs(1)
    call_latencies: list[float] = []
    compute.cast_latencies.clear()
    compute.handled = 0
    period, start = 1 / rate, time.perf_counter()
    for n in range(int(rate * seconds)):
        time.sleep(max(0.0, start + n * period - time.perf_counter()))
        if n % 2:
            sent = time.perf_counter()
            client.call(context(n), "get_console_output", instance=kwargs["instance"])
            call_latencies.append(time.perf_counter() - sent)
        else:
            client.cast({**context(n), "sent": time.perf_counter()}, "build_and_run_instance",
                        **kwargs)
    wait_handled(compute, int(rate * seconds + 1) // 2)
    started = time.perf_counter()
    for n in range(flat):
        client.call(context(n), "get_console_output", instance=kwargs["instance"])
    calls_per_s = flat / (time.perf_counter() - started)
    compute.handled = 0
    started = time.perf_counter()
    for n in range(flat):
        client.cast(context(n), "build_and_run_instance", **kwargs)
    wait_handled(compute, flat)
    casts_per_s = flat / (time.perf_counter() - started)
    return {"call p50 ms": percentile(call_latencies, 0.5) * 1e3,
            "call p99 ms": percentile(call_latencies, 0.99) * 1e3,
            "cast p50 ms": percentile(compute.cast_latencies, 0.5) * 1e3,
            "cast p99 ms": percentile(compute.cast_latencies, 0.99) * 1e3,
            "calls/s": calls_per_s, "casts/s": casts_per_s}


def cost(metric: str, without: float, with_shadow: float) -> float:
    """Above 1 means the shadow costs production: latency ratio up, throughput ratio down."""
    return without / with_shadow if metric.endswith("/s") else with_shadow / without


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=200.0, help="calls+casts per second")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--flat", type=int, default=1500, help="calls, then casts, flat out")
    parser.add_argument("--shadow-nice", type=int, default=10)
    parser.add_argument("--yield-cpu", type=float, default=0.5,
                        help="the yielding session's --yield-cpu")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {c: [] for c in CONDITIONS}
    order = list(results)
    with throwaway_vhosts("prod", "shadow") as vhosts:
        prod, shadow = url_for(vhosts["prod"]), url_for(vhosts["shadow"])
        ours, theirs = multiprocessing.Pipe()
        child = multiprocessing.get_context("spawn").Process(
            target=shadow_session, args=(prod, shadow, theirs, args.shadow_nice, args.yield_cpu),
            daemon=True)
        child.start()
        transport = Transport(prod, control_exchange=CONTROL_EXCHANGE)
        compute, servers = Compute(), ServerSet(transport)
        servers.add("compute", HOST, [compute])
        servers.start()
        try:
            client = RPCClient(transport, Target("compute", server=HOST, version="6.0"),
                               timeout=30)
            measure(client, compute, args.rate, 1.0, 100)  # warm up both sides
            for n in range(args.rounds):
                for condition in order[n % len(order):] + order[:n % len(order)]:  # rotated
                    if condition not in DETACHED:
                        ours.send(condition)
                        ours.recv()
                    results[condition].append(
                        measure(client, compute, args.rate, args.seconds, args.flat))
                    if condition not in DETACHED:
                        ours.send("detach")
                        counters = ours.recv()
                        print(f"round {n + 1} shadow relay: {counters}", file=sys.stderr)
                    print(f"round {n + 1} {condition}: "
                          f"{ {k: round(v, 2) for k, v in results[condition][-1].items()} }",
                          file=sys.stderr)
        finally:
            ours.send("quit")
            child.join(timeout=15)
            servers.stop()
            transport.close()
    attached = order[1:]
    rows, worst = [], dict.fromkeys(attached, 0.0)
    for metric in METRICS:
        without = [r[metric] for r in results["without"]]
        ratios = {condition: statistics.median(
            cost(metric, a, r[metric]) for a, r in zip(without, results[condition], strict=True))
            for condition in attached}
        worst = {c: max(worst[c], ratios[c]) for c in attached}
        rows.append([metric, *(f"{statistics.median(r[metric] for r in results[c]):,.2f}"
                               for c in order), *(f"{ratios[c]:.3f}" for c in attached)])
    print(f"\n{args.rounds} rounds, order rotated; fixed rate {args.rate:g}/s for "
          f"{args.seconds:g} s, flat out {args.flat} calls and {args.flat} casts; shadow niced "
          f"{args.shadow_nice}; yielding above {args.yield_cpu:g} busy")
    print(format_table(["metric", *(CONDITIONS[c] for c in order),
                        *(f"cost: {CONDITIONS[c]}" for c in attached)], rows))
    print(f"noise floor ({CONDITIONS['again']} / without): worst median ratio "
          f"{worst['again']:.3f}")
    for condition in ("with", "yielding"):
        print(f"target <= {TARGET}, {CONDITIONS[condition]}: worst median ratio "
              f"{worst[condition]:.3f} ({'met' if worst[condition] <= TARGET else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
