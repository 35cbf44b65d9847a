"""What the broker's copy into a mirror costs it per production message, by kind of queue.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/mirror_copy_cost.py [--messages 20000] [--rounds 3]

Publishes casts of build_and_run_instance (a ~2 KB instance) to production's exchange, where
production's queue for the host is bound, and measures the broker's CPU seconds until all are
queued: with no mirror (the baseline), with the mirror as the session declares it
(`mirror_queues`: a transient classic queue), and with the mirror made lazy or a stream, the
other ways RabbitMQ could hold such a copy. Nothing consumes, so only the copy is measured; each
round runs the kinds in a fresh random order. Prints the broker's CPU per message and each
kind's cost against no mirror (a median over rounds). This is the floor under any session's
cost to production: `shadow_overhead.py`'s "mirror only" condition is this copy on a live
production, and a yielding session adds little to it.
"""

import argparse
import random
import statistics
import sys
import time
from typing import Any

import kombu
from shadow_bench import (
    CONTROL_EXCHANGE,
    HOST,
    ROUTING_KEY,
    bodies,
    broker_pid,
    cpu_seconds,
    prefill,
    throwaway_vhosts,
    url_for,
)

from harness.bus import topology
from harness.shadow.mirror import MirrorSpec, mirror_arguments, mirror_queues
from harness.tables import format_table

# what each kind changes in the mirror the session declares (None: no mirror at all)
KINDS: dict[str, dict[str, Any] | None] = {
    "no mirror": None,
    "mirror (as declared)": {},
    "lazy mirror": {"x-queue-mode": "lazy"},
    "stream mirror": {"x-queue-type": "stream", "x-max-length-bytes": 1 << 30},
}


def declare_mirror(channel: Any, spec: MirrorSpec, change: dict[str, Any]) -> kombu.Queue:
    """The session's mirror with `change` applied; a stream keeps only its own arguments, as it
    takes neither a length in messages, overflow, expiry nor dead-lettering, and is durable."""
    mirror, drops = mirror_queues(spec)
    stream = change.get("x-queue-type") == "stream"
    queue = kombu.Queue(mirror.name, bindings=mirror.bindings, durable=stream, auto_delete=False,
                        queue_arguments=change if stream else {**mirror_arguments(spec),
                                                               **change})(channel)
    drops(channel).declare()
    queue.declare()
    return queue


def measure(url: str, payloads: list[bytes], spec: MirrorSpec,
            change: dict[str, Any] | None, broker: int) -> float:
    """The broker's CPU seconds to queue every payload for production, and a copy if asked."""
    with kombu.Connection(url) as conn:
        channel = conn.channel()
        production = kombu.Queue(ROUTING_KEY, topology.control_exchange(CONTROL_EXCHANGE),
                                 routing_key=ROUTING_KEY, durable=False,
                                 auto_delete=False)(channel)
        production.declare()
        mirror = None if change is None else declare_mirror(channel, spec, change)
        time.sleep(0.5)  # the declarations' own work done
        before = cpu_seconds(broker)
        prefill(url, payloads, [ROUTING_KEY])
        used = cpu_seconds(broker) - before
        production.purge()
        if mirror is not None:
            mirror.delete()
            channel.queue_delete(f"{spec.name}.dropped")
    return used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    payloads = bodies(args.messages)
    broker = broker_pid()
    used: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with throwaway_vhosts("prod") as vhosts:
        url = url_for(vhosts["prod"])
        for n in range(args.rounds):
            for kind in random.Random(n).sample(list(KINDS), len(KINDS)):
                spec = MirrorSpec(f"copy{n}", HOST, CONTROL_EXCHANGE)
                used[kind].append(measure(url, payloads, spec, KINDS[kind], broker))
                print(f"round {n + 1} {kind}: {used[kind][-1]:.2f} broker CPU s",
                      file=sys.stderr)
    baseline = statistics.median(used["no mirror"])
    rows = [[kind, f"{statistics.median(s) / args.messages * 1e6:.1f}",
             f"{statistics.median(s) / baseline:.2f}"] for kind, s in used.items()]
    print(f"\n{args.messages} casts of {statistics.mean(map(len, payloads)):,.0f} bytes, "
          f"{args.rounds} rounds, kinds in shuffled order; median over rounds")
    print(format_table(["production's queue plus", "broker CPU µs / message",
                        "against no mirror"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
