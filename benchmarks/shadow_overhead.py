"""What an attached shadow session costs production: RPC latency and throughput without and with.

Run by hand (not part of the test suite); docs/benchmarks.md says what it measures and why:

    .venv/bin/python benchmarks/shadow_overhead.py [--rounds 5] [--rate 200] [--seconds 4]
        [--flat 1500] [--shadow-nice 10] [--yield-cpu FRACTION]
        [--conditions mirror,yielding,shedding] [--save PATH] | --load PATH [PATH ...]
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from contextlib import nullcontext
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

import kombu
import overhead_stats
from overhead_stats import (
    AA_CONFIDENCE,
    CONFIDENCE,
    METRICS,
    TARGET,
    Measurement,
    Pair,
    Recorded,
    RecordError,
    beyond,
    bootstrap,
    log_costs,
    paired_costs,
    pooled,
    pooled_costs,
    trusted,
    verdict,
)
from shadow_bench import (
    CONTROL_EXCHANGE,
    HOST,
    broker_pid,
    build_kwargs,
    context,
    cpu_seconds,
    stolen_since,
    stolen_ticks,
    throwaway_vhosts,
    url_for,
)

from harness.bus import RPCClient, ServerSet, Target, Transport
from harness.scheduling import leave_cpus_to_production
from harness.shadow.host_load import cpu_ticks
from harness.shadow.mirror import MirrorSpec, mirror_queues
from harness.shadow.relay import Relay
from harness.tables import format_table

DRAIN_TIMEOUT = 60.0
# where the box's CPU went while production was measured: not costs, the reasons for them
CPU_USERS = ("production", "broker", "shadow")
WARM_UPS = 3
LEAST_LIMIT = 0.02  # a warm-up that reads about 0 must not hold the relay for good
DETACHED = ("without", "again")  # "again" measures nothing new: its cost is the noise floor
CONDITIONS = {"without": "without", "again": "without, again", "mirror": "mirror only",
              "with": "with shadow",
              "yielding": "yielding shadow", "shedding": "shedding shadow"}
COMPARED = [c for c in CONDITIONS if c != "without"]  # each against a "without" beside it
SESSIONS = ("with", "yielding", "shedding")  # a relay attached: the mirror's copy and more
YIELDING = ("yielding", "shedding")  # started with --yield-cpu, the second with --shed too


class Compute:
    """A trivial compute endpoint: notes when each cast was handled, answers calls at once."""

    target = Target(version="6.4")

    def __init__(self) -> None:
        self.cast_latencies: list[float] = []
        self.handled = 0
        self.seen = 0  # calls and casts, ever

    def build_and_run_instance(self, ctxt: dict[str, Any], **kwargs: Any) -> None:
        self.handled += 1
        self.seen += 1
        if "sent" in ctxt:
            self.cast_latencies.append(time.perf_counter() - float(ctxt["sent"]))

    def get_console_output(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> str:
        self.seen += 1
        return "console of " + instance["nova_object.data"]["uuid"]


def shadow_session(prod_url: str, shadow_url: str, commands: Connection, nice: int,
                   yield_cpu: float) -> None:
    """The child: a shadow server always up; attach/detach a mirror and relay on command."""
    os.setsid()  # a session, so a CPU group, of its own, as a session's driver has
    leave_cpus_to_production(nice)
    transport = Transport(shadow_url, control_exchange=CONTROL_EXCHANGE)
    servers, shadow = ServerSet(transport), Compute()
    servers.add("compute", HOST, [shadow])
    servers.start()
    relay: Relay | None = None
    attached = 0
    try:
        while (command := commands.recv()) != "quit":
            if command in ("mirror", "with", *YIELDING):
                attached += 1
                relay = Relay(prod_url, MirrorSpec(f"bench{attached}", HOST, CONTROL_EXCHANGE),
                              [shadow_url], yield_above=yield_cpu if command in YIELDING else None,
                              shed=command == "shedding")
                relay.declare()
                if command != "mirror":  # "mirror": the broker's copy alone, nothing consumes it
                    relay.start()  # its connections and declares done before production is measured
                    if not relay.ready.wait(DRAIN_TIMEOUT):
                        raise SystemExit("the relay did not attach")
            elif command == "detach" and relay is not None:
                live = relay.counters["relayed"]  # while production was measured; the rest after
                with kombu.Connection(prod_url) as conn:
                    channel = conn.default_channel
                    caught_up = relay.ready.is_set() and drain_mirror(channel, relay.spec)
                    relay.stop()
                    # every copy was made while production was measured (none is sent around
                    # it), including those delivered to the relay before it held, unread then
                    copied = relay.counters["mirrored"] + mirror_depth(channel, relay.spec)
                    settle(shadow)
                    for queue in mirror_queues(relay.spec):
                        channel.queue_delete(queue.name)
                commands.send(dict(relay.counters, relayed_live=live, copied_live=copied,
                                   caught_up=int(caught_up)))
                relay = None
                continue
            commands.send({})
    finally:
        servers.stop()
        transport.close()


def mirror_depth(channel: Any, spec: MirrorSpec) -> int:
    """How many copies wait in the mirror."""
    _, depth, _ = channel.queue_declare(spec.name, passive=True)
    return int(depth)


def drain_mirror(channel: Any, spec: MirrorSpec) -> bool:
    """Wait until the relay emptied the mirror, so no shadow work spills into the next phase."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        if mirror_depth(channel, spec) == 0:
            return True
        time.sleep(0.05)
    return False


def settle(shadow: Compute, quiet: float = 0.5) -> None:
    """Until the shadow's backlog is handled, so it does not weigh on the next condition."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        seen = shadow.seen
        time.sleep(quiet)
        if shadow.seen == seen:
            return


def wait_handled(compute: Compute, count: int) -> None:
    """Until production's endpoint handled `count` casts."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while compute.handled < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"production handled {compute.handled} of {count} casts")
        time.sleep(0.001)


def measure(client: RPCClient, compute: Compute, rate: float, seconds: float,
            flat: int, pids: dict[str, int]) -> Measurement:
    """One condition: fixed-rate latencies, then flat-out throughput, and the CPU each side used."""
    kwargs = build_kwargs(1)
    cpu_before = {user: cpu_seconds(pid) for user, pid in pids.items()}
    stolen_before = stolen_ticks()
    call_latencies: list[float] = []
    compute.cast_latencies.clear()
    compute.handled = 0
    ticks, period, start = cpu_ticks(), 1 / rate, time.perf_counter()
    for n in range(int(rate * seconds)):
        time.sleep(max(0.0, start + n * period - time.perf_counter()))
        if n % 2:
            sent = time.perf_counter()
            client.call(context(n), "get_console_output", instance=kwargs["instance"])
            call_latencies.append(time.perf_counter() - sent)
        else:
            client.cast({**context(n), "sent": time.perf_counter()}, "build_and_run_instance",
                        **kwargs)
    busy, total = (now - then for now, then in zip(cpu_ticks(), ticks, strict=True))
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
    return Measurement(
        {"calls/s": calls_per_s, "casts/s": casts_per_s, "host busy": busy / total,
         "stolen": stolen_since(stolen_before),
         **{f"{user} cpu s": cpu_seconds(pid) - cpu_before[user] for user, pid in pids.items()}},
        {"call": call_latencies, "cast": list(compute.cast_latencies)})


def measure_condition(condition: str, client: RPCClient, compute: Compute, session: Connection,
                      args: argparse.Namespace, pids: dict[str, int], label: str
                      ) -> Measurement:
    """One condition measured; for an attached one, the session attached before, detached after."""
    if condition not in DETACHED:
        session.send(condition)
        session.recv()
    measured = measure(client, compute, args.rate, args.seconds, args.flat, pids)
    if condition not in DETACHED:
        session.send("detach")
        counters = session.recv()
        measured.values["copies"] = counters.get("copied_live", 0)
        print(f"{label} shadow relay: {counters}", file=sys.stderr)
    shown = {**pooled([measured]), **measured.values}
    print(f"{label} {condition}: { {k: round(v, 2) for k, v in shown.items()} }", file=sys.stderr)
    return measured


def run_rounds(client: RPCClient, compute: Compute, session: Connection,
               args: argparse.Namespace, pids: dict[str, int], save: IO[str] | None
               ) -> list[dict[str, dict[str, Measurement]]]:
    """Each condition once per round beside a "without" of its own, in a fresh random order."""
    rounds: list[dict[str, dict[str, Measurement]]] = []
    for n in range(args.rounds):
        draw = random.Random(n)
        rounds.append({})
        for condition in draw.sample(args.conditions, len(args.conditions)):
            for side in draw.sample(["without", condition], 2):
                measured = measure_condition(side, client, compute, session, args, pids,
                                             f"round {n + 1}")
                rounds[-1].setdefault(condition, {})[side] = measured
                if save:
                    overhead_stats.write_measurement(save, n + 1, condition, side, measured)
    return rounds


def measured_run(args: argparse.Namespace) -> Recorded:
    """Production up, its warm-ups, the session's child, every round; saved as it goes."""
    settings = {"rate": args.rate, "seconds": args.seconds, "flat": args.flat,
                "shadow_nice": args.shadow_nice, "conditions": args.conditions,
                "commit": overhead_stats.commit()}
    with throwaway_vhosts("prod", "shadow") as vhosts, \
            (overhead_stats.open_text(args.save, "w") if args.save else nullcontext()) as save:
        prod, shadow = url_for(vhosts["prod"]), url_for(vhosts["shadow"])
        pids = {"production": os.getpid(), "broker": broker_pid()}
        transport = Transport(prod, control_exchange=CONTROL_EXCHANGE)
        compute, servers = Compute(), ServerSet(transport)
        servers.add("compute", HOST, [compute])
        servers.start()
        try:
            client = RPCClient(transport, Target("compute", server=HOST, version="6.0"),
                               timeout=30)
            # the least of a few warm-ups: a cold one overstates production's own load
            warm = min(measure(client, compute, args.rate, 2.0, 100, pids).values["host busy"]
                       for _ in range(WARM_UPS))
            yield_cpu = args.yield_cpu or max(warm / 2, LEAST_LIMIT)
            if save:
                overhead_stats.write_header(save, settings, yield_cpu)
            ours, theirs = multiprocessing.Pipe()
            child = multiprocessing.get_context("spawn").Process(
                target=shadow_session, args=(prod, shadow, theirs, args.shadow_nice, yield_cpu),
                daemon=True)
            child.start()
            assert child.pid is not None
            ours.send("ping")  # up and serving: its start-up's CPU stays out of round 1's
            ours.recv()
            try:
                rounds = run_rounds(client, compute, ours, args,
                                    {**pids, "shadow": child.pid}, save)
            finally:
                ours.send("quit")
                child.join(timeout=15)
        finally:
            servers.stop()
            transport.close()
    return Recorded(settings, [yield_cpu], rounds)


def print_added(logs: dict[str, list[dict[str, float]]], sessions: list[str],
                rounds: int) -> None:
    """The third table: what each session adds to the mirror's copy, in the same rounds."""
    added = {c: beyond(logs[c], logs["mirror"], range(rounds)) for c in sessions}
    added_intervals = {c: bootstrap(rounds, partial(beyond, logs[c], logs["mirror"]))
                       for c in sessions}
    print(f"\nWhat a session adds to the mirror's copy (its cost over {CONDITIONS['mirror']}'s "
          f"in the same rounds) [{CONFIDENCE:.0%} interval, rounds resampled]")
    print(format_table(["metric", *(CONDITIONS[c] for c in sessions)], [
        [metric, *(f"{added[c][metric]:.3f} [{added_intervals[c][metric][0]:.2f}, "
                   f"{added_intervals[c][metric][1]:.2f}]" for c in sessions)]
        for metric in METRICS]))


def compared_conditions(text: str) -> list[str]:
    """`--conditions`: known names only, in this script's order, the A/A condition added."""
    named = {name.strip() for name in text.split(",") if name.strip()}
    if unknown := named - set(COMPARED):
        raise argparse.ArgumentTypeError(f"unknown condition(s) {', '.join(sorted(unknown))}; "
                                         f"choose from {', '.join(COMPARED)}")
    return [c for c in COMPARED if c in named | {"again"}]


def report(run: Recorded) -> None:
    """The tables and the verdicts."""
    compared: list[str] = run.settings["conditions"]
    sessions = [c for c in SESSIONS if c in compared]
    rounds = len(run.rounds)
    pairs: dict[str, list[Pair]] = {c: [(r[c]["without"], r[c][c]) for r in run.rounds]
                                    for c in compared}
    results = {"without": [w for c in compared for w, _ in pairs[c]],
               **{c: [m for _, m in pairs[c]] for c in compared}}
    order = list(results)
    overall = {c: pooled(results[c]) for c in order}
    logs = {c: log_costs(pairs[c]) for c in compared}
    costs = {c: paired_costs(logs[c], range(rounds)) for c in compared}
    intervals = {c: bootstrap(rounds, partial(paired_costs, logs[c])) for c in compared}
    rows = [[metric, *(f"{overall[c][metric]:,.2f}" for c in order),
             *(f"{costs[c][metric]:.3f} [{intervals[c][metric][0]:.2f}, "
               f"{intervals[c][metric][1]:.2f}]" for c in compared)] for metric in METRICS]
    settings = run.settings
    print(f"\n{rounds} rounds, each condition beside a 'without' of its own, in shuffled "
          f"order; fixed rate {settings['rate']:g}/s for {settings['seconds']:g} s, flat out "
          f"{settings['flat']} calls and {settings['flat']} casts; shadow niced "
          f"{settings['shadow_nice']}; yielding above "
          f"{', '.join(f'{limit:.2f}' for limit in run.yield_cpus)} busy; code "
          f"{settings['commit'][:12]}; values: all rounds pooled; cost: the geometric mean of "
          f"each pair's ratio [{CONFIDENCE:.0%} interval, rounds resampled]")
    print(format_table(["metric", *(CONDITIONS[c] for c in order),
                        *(f"cost: {CONDITIONS[c]}" for c in compared)], rows))
    for condition in compared:
        print(f"cost with all rounds pooled instead, {CONDITIONS[condition]}: " + ", ".join(
            f"{metric} {value:.3f}" for metric, value in pooled_costs(pairs[condition]).items()))
    print("\nWhere the box's CPU went while production was measured (median over rounds)")
    print(format_table(["", *(CONDITIONS[c] for c in order)], [
        [label, *(f"{statistics.median(r.values[key] for r in results[c]):.2f}" for c in order)]
        for label, key in [*((f"{user} CPU s", f"{user} cpu s") for user in CPU_USERS),
                           ("host busy at fixed rate", "host busy"),
                           ("stolen by the hypervisor", "stolen")]]))
    sent = int(settings["rate"] * settings["seconds"]) + 2 * settings["flat"]
    for condition in sessions:
        copies = statistics.median(r.values["copies"] for r in results[condition])
        print(f"{CONDITIONS[condition]}: the broker copied {copies:g} of the {sent} messages "
              f"production was sent in a measurement (median)")
    floor = max(high for _, high in intervals["again"].values())
    print(f"noise floor ({CONDITIONS['again']} / without): costs up to {floor:.2f} are within "
          f"this box's noise")
    checked = bootstrap(rounds, partial(paired_costs, logs["again"]), AA_CONFIDENCE)
    trust = trusted(checked)
    for (metric, (low, high)), ok in zip(checked.items(), trust, strict=True):
        if not ok:
            print(f"A/A test failed on {metric}: [{low:.2f}, {high:.2f}] ({AA_CONFIDENCE:.1%}) "
                  f"leaves out 1 although both sides run the same; no verdict rests on it")
    for condition in sessions:
        print(f"target <= {TARGET}, {CONDITIONS[condition]}: "
              f"{verdict(list(intervals[condition].values()), trust)}")
    if "mirror" in compared and sessions:
        print_added(logs, sessions, rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=200.0, help="calls+casts per second")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--flat", type=int, default=1500, help="calls, then casts, flat out")
    parser.add_argument("--shadow-nice", type=int, default=10)
    parser.add_argument("--yield-cpu", type=float,
                        help="the yielding session's --yield-cpu; by default half of how busy "
                             "production alone keeps the box at --rate, so the relay holds "
                             "while production runs on any machine")
    parser.add_argument("--conditions", type=compared_conditions, default=COMPARED,
                        help=f"which of {', '.join(COMPARED)} to measure, comma-separated "
                             f"(\"again\", the noise floor, always is)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--save", type=Path, metavar="PATH",
                        help="write every measurement there as it is made (JSON lines)")
    source.add_argument("--load", type=Path, nargs="+", metavar="PATH",
                        help="measure nothing: report on runs saved with --save, several "
                             "pooled round by round when their code and settings match")
    args = parser.parse_args()
    try:
        report(overhead_stats.pooled_runs(args.load) if args.load else measured_run(args))
    except RecordError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
