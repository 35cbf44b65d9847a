"""How fast the shadow relay drains a full mirror, against a raw kombu consume-and-republish.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/relay_throughput.py [--messages 50000] [--rounds 1]

Pre-fills, while nothing consumes, the raw baseline's queue and two mirrors (the broker copies each
message into all three) with casts of build_and_run_instance carrying a ~2 KB instance primitive,
then times draining each, alternating raw / relay / relay+record per round:

- raw: a plain kombu consumer republishing each body to another vhost's exchange (same prefetch,
  same batched acks, same destination queue shape);
- relay: `Relay` into one shadow vhost (decode, mark, sample, pre-declare, republish, count);
- relay+record: the same with `TriggerLog.append` as `on_trigger`.

Then times `compare()` over synthetic effects keyed by the triggers that run recorded. Prints a
table and the ratios to raw (targets: relay+record >= 5,000 msg/s and >= 0.5x raw). Every vhost
is created here and deleted at the end, also on Ctrl-C.
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kombu
from shadow_bench import (
    CONTROL_EXCHANGE,
    HOST,
    ROUTING_KEY,
    bodies,
    prefill,
    throwaway_vhosts,
    url_for,
)

from harness.bus import topology
from harness.shadow.compare import compare
from harness.shadow.mirror import MirrorSpec
from harness.shadow.records import TriggerLog, read_triggers
from harness.shadow.relay import ACK_EVERY, Relay
from harness.tables import format_table

RAW_QUEUE = "bench.raw.source"
DESTINATION_LENGTH = 10_000  # the shadow's server queue, bounded so a run never fills memory
DRAIN_TIMEOUT = 300.0
TARGET_RATE, TARGET_RATIO = 5_000, 0.5


def destination_queue() -> kombu.Queue:
    """The queue a shadow server would consume, bound in the vhost both paths publish to."""
    return kombu.Queue(ROUTING_KEY, topology.control_exchange(CONTROL_EXCHANGE),
                       routing_key=ROUTING_KEY, durable=False, auto_delete=False,
                       queue_arguments={"x-max-length": DESTINATION_LENGTH,
                                        "x-overflow": "drop-head"})


def drain_raw(prod_url: str, dest_url: str, count: int) -> float:
    """Seconds for a plain consumer to republish `count` bodies into another vhost."""
    handled = 0
    last: kombu.Message | None = None
    with kombu.Connection(prod_url) as source, kombu.Connection(dest_url) as dest:
        producer = kombu.Producer(dest.channel())
        exchange = topology.control_exchange(CONTROL_EXCHANGE)

        def republish(message: kombu.Message) -> None:
            nonlocal handled, last
            producer.publish(message.body, exchange=exchange,
                             routing_key=message.delivery_info["routing_key"],
                             content_type="application/json", content_encoding="utf-8",
                             delivery_mode=2)
            handled, last = handled + 1, message
            if handled % ACK_EVERY == 0:
                message.channel.basic_ack(message.delivery_tag, multiple=True)

        queue = kombu.Queue(RAW_QUEUE, routing_key=ROUTING_KEY, durable=False)
        started = time.perf_counter()
        with source.Consumer([queue], on_message=republish, prefetch_count=ACK_EVERY * 5):
            deadline = time.monotonic() + DRAIN_TIMEOUT
            while handled < count and time.monotonic() < deadline:
                try:
                    source.drain_events(timeout=0.2)
                except TimeoutError:
                    continue
            elapsed = time.perf_counter() - started
            if last is not None:
                last.channel.basic_ack(last.delivery_tag, multiple=True)
    return elapsed


def drain_relay(prod_url: str, shadow_url: str, spec: MirrorSpec, count: int,
                on_trigger: Callable[[Any], None] | None) -> float:
    """Seconds for the relay to move `count` mirrored copies into the shadow vhost."""
    relay = Relay(prod_url, spec, [shadow_url], on_trigger=on_trigger)
    started = time.perf_counter()
    relay.start()
    try:
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while relay.counters["relayed"] < count and time.monotonic() < deadline:
            time.sleep(0.05)  # a coarse poll: waking the main thread takes the GIL from the relay
        elapsed = time.perf_counter() - started
    finally:
        relay.stop()
    if relay.counters["relayed"] != count or relay.counters["undecodable"]:
        raise SystemExit(f"relay did not relay every message: {dict(relay.counters)}")
    return elapsed


def synthetic_effects(triggers: dict[str, str], differ_every: int) -> tuple[list[dict[str, Any]],
                                                                            ...]:
    """Production, candidate and control effects per trigger: a conductor call, a notification
    and a hypervisor spawn; the candidate differs in one field every `differ_every` triggers."""
    sides: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n, trigger in enumerate(triggers):
        for side in ("production", "candidate", "control"):
            state = "error" if side == "candidate" and n % differ_every == 0 else "active"
            sides[side] += [
                {"kind": "rpc_call", "target": "conductor", "method": "object_action",
                 "caused_by": trigger, "seq": 0, "version": "3.0",
                 "payload": {"objmethod": "save", "updates": {"vm_state": state,
                                                              "task_state": None,
                                                              "power_state": 1}}},
                {"kind": "notification", "target": "notifications.info",
                 "method": "instance.create.end", "caused_by": trigger, "seq": 1,
                 "payload": {"state": state, "flavor": {"vcpus": 2, "memory_mb": 2048}}},
                {"kind": "hypervisor", "target": "libvirt", "method": "spawn",
                 "caused_by": trigger, "seq": 2, "payload": {"vcpus": 2, "memory_mb": 2048}},
            ]
    return sides["production"], sides["candidate"], sides["control"]


def time_compare(root: Path) -> tuple[int, float, float]:
    """Triggers compared, and the seconds (wall, CPU) compare() took over synthetic effects for
    them: on a shared box the CPU time is the steadier figure."""
    triggers = read_triggers(root)
    production, candidate, control = synthetic_effects(triggers, differ_every=10)
    started, cpu = time.perf_counter(), time.process_time()
    result = compare(production, candidate, control, triggers=triggers)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not result.reported:
        raise SystemExit("compare() found none of the planted differences")
    return len(triggers), elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    rates: dict[str, list[float]] = defaultdict(list)
    with throwaway_vhosts("prod", "shadow", "raw") as vhosts, \
            tempfile.TemporaryDirectory() as scratch:
        prod, shadow, raw = (url_for(vhosts[r]) for r in ("prod", "shadow", "raw"))
        for url in (shadow, raw):
            with kombu.Connection(url) as conn:
                destination_queue()(conn.default_channel).declare()
        with kombu.Connection(prod) as conn:
            kombu.Queue(RAW_QUEUE, topology.control_exchange(CONTROL_EXCHANGE),
                        routing_key=ROUTING_KEY, durable=False,
                        auto_delete=False)(conn.default_channel).declare()
        print(f"encoding {args.messages} casts ...", file=sys.stderr)
        payloads = bodies(args.messages)
        size = statistics.mean(len(b) for b in payloads)
        for n in range(args.rounds):
            plain, recorded = MirrorSpec(f"plain{n}", HOST, CONTROL_EXCHANGE), \
                MirrorSpec(f"recorded{n}", HOST, CONTROL_EXCHANGE)
            for spec in (plain, recorded):
                Relay(prod, spec, []).declare()
            took = prefill(prod, payloads, [RAW_QUEUE, plain.name, recorded.name])
            print(f"round {n + 1}: pre-filled 3 x {args.messages} in {took:.1f} s",
                  file=sys.stderr)
            rates["raw kombu consume+publish"].append(
                args.messages / drain_raw(prod, raw, args.messages))
            rates["relay"].append(
                args.messages / drain_relay(prod, shadow, plain, args.messages, None))
            log = TriggerLog(Path(scratch) / f"round{n}")
            try:
                rates["relay+record"].append(args.messages / drain_relay(
                    prod, shadow, recorded, args.messages, log.append))
            finally:
                log.close()
            for spec in (plain, recorded):
                with kombu.Connection(prod) as conn:
                    conn.default_channel.queue_delete(spec.name)
        compared, compare_s, compare_cpu = time_compare(Path(scratch) / f"round{args.rounds - 1}")
    raw_rate = statistics.median(rates["raw kombu consume+publish"])
    rows = [[name, f"{statistics.median(r):,.0f}", f"{statistics.median(r) / raw_rate:.2f}"]
            for name, r in rates.items()]
    print(f"\n{args.messages} messages of {size:,.0f} bytes, median of {args.rounds} round(s)")
    print(format_table(["path", "msg/s", "ratio to raw"], rows))
    print(f"\ncompare(): {compared:,} triggers x 3 effects per side in {compare_s:.2f} s = "
          f"{compared / compare_s:,.0f} triggers/s ({compare_cpu:.2f} s CPU = "
          f"{compared / compare_cpu:,.0f} triggers per CPU second)")
    recorded_rate = statistics.median(rates["relay+record"])
    print(f"target relay+record >= {TARGET_RATE:,} msg/s: {recorded_rate:,.0f} "
          f"({'met' if recorded_rate >= TARGET_RATE else 'MISSED'}); >= {TARGET_RATIO}x raw: "
          f"{recorded_rate / raw_rate:.2f} "
          f"({'met' if recorded_rate / raw_rate >= TARGET_RATIO else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
