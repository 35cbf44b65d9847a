"""shadow_overhead.py's arithmetic: a condition's cost against the "without" measured beside it,
its interval, and the verdict against the target."""

import math
import random
import statistics
from collections.abc import Callable, Sequence

from overhead_record import Measurement

from harness.sandbox.latency import percentile

LATENCIES = {"call p50 ms": ("call", 0.5), "call p99 ms": ("call", 0.99),
             "cast p50 ms": ("cast", 0.5), "cast p99 ms": ("cast", 0.99)}
METRICS = (*LATENCIES, "calls/s", "casts/s")
TARGET = 1.05
CONFIDENCE = 0.9
# The A/A test asks all six of its intervals to hold 1: at 90 % each, a box whose noise the
# intervals describe exactly would fail it about half the time (0.9 ** 6 = 0.53), so its
# intervals are widened to keep that chance at 10 % for all six together (Bonferroni).
AA_CONFIDENCE = 1 - (1 - CONFIDENCE) / len(METRICS)

Pair = tuple[Measurement, Measurement]  # (without, condition), measured one after the other


def pooled(measurements: list[Measurement]) -> dict[str, float]:
    """Each metric over several measurements as if they were one long one: a percentile of all
    their samples, a throughput of all their messages over all their time."""
    ordered = {kind: sorted(x for m in measurements for x in m.samples[kind])
               for kind, _ in LATENCIES.values()}
    return {**{metric: percentile(ordered[kind], fraction * 100) * 1e3
               for metric, (kind, fraction) in LATENCIES.items()},
            **{metric: len(measurements) / sum(1 / m.values[metric] for m in measurements)
               for metric in METRICS if metric not in LATENCIES}}


def cost(metric: str, without: float, with_shadow: float) -> float:
    """Above 1 means the shadow costs production: latency ratio up, throughput ratio down."""
    return without / with_shadow if metric.endswith("/s") else with_shadow / without


def pooled_costs(pairs: list[Pair]) -> dict[str, float]:
    """Each metric's cost with each side's rounds pooled: a hiccup of the box weighs by how many
    of the slowest samples it made, so a few rounds decide a p99 (the A/A test's came out 0.91
    and 0.94 over 180 rounds)."""
    without, condition = pooled([w for w, _ in pairs]), pooled([c for _, c in pairs])
    return {metric: cost(metric, without[metric], condition[metric]) for metric in METRICS}


def log_costs(pairs: list[Pair]) -> list[dict[str, float]]:
    """Each pair's cost of each metric, as a logarithm: a latency the percentile of the pair's
    own samples on each side, which shared the box's state of the moment."""
    logs = []
    for without, condition in pairs:
        before, after = pooled([without]), pooled([condition])
        logs.append({metric: math.log(cost(metric, before[metric], after[metric]))
                     for metric in METRICS})
    return logs


def paired_costs(logs: list[dict[str, float]], drawn: Sequence[int]) -> dict[str, float]:
    """Each metric's cost over the drawn pairs: the geometric mean of their ratios. Every pair
    weighs the same, so a hiccup moves one ratio of many, while a cost the session causes now
    and then still counts in proportion to how often it does."""
    return {metric: math.exp(statistics.fmean(logs[n][metric] for n in drawn))
            for metric in METRICS}


def beyond(logs: list[dict[str, float]], floor: list[dict[str, float]], drawn: Sequence[int]
           ) -> dict[str, float]:
    """Each metric's cost over another condition's in the same rounds: what a session adds to
    the broker's copy into the mirror, which the design asks for and only shedding avoids."""
    costs, floors = paired_costs(logs, drawn), paired_costs(floor, drawn)
    return {metric: costs[metric] / floors[metric] for metric in METRICS}


def bootstrap(rounds: int, estimate: Callable[[list[int]], dict[str, float]],
              confidence: float = CONFIDENCE, resamples: int = 2000
              ) -> dict[str, tuple[float, float]]:
    """An interval of each metric's estimate, drawing whole rounds with replacement: it then
    carries the samples' noise and the box's drift between rounds (which a round's pairs share),
    so on a noisy box a cost that lands on either side of the target by chance shows as such."""
    draw = random.Random(0)
    drawn = [estimate(draw.choices(range(rounds), k=rounds)) for _ in range(resamples)]
    tail = (1 - confidence) / 2
    intervals = {}
    for metric in METRICS:
        costs = sorted(d[metric] for d in drawn)
        intervals[metric] = costs[int(tail * resamples)], costs[int((1 - tail) * resamples) - 1]
    return intervals


def verdict(intervals: list[tuple[float, float]], trusted: list[bool]) -> str:
    """Met only when every metric's interval lies at or under the target and the A/A test
    trusts them all, missed when a trusted one lies wholly above it; otherwise this run cannot
    tell, and more rounds may."""
    if all(high <= TARGET for _, high in intervals) and all(trusted):
        return "met"
    worst = max((low for (low, _), ok in zip(intervals, trusted, strict=True) if ok),
                default=0.0)
    if worst > TARGET:
        return f"MISSED (a metric's cost is at least {worst:.2f})"
    return (f"not resolved (intervals span the target, up to "
            f"{max(high for _, high in intervals):.2f}, or the A/A test did not trust them): "
            f"more rounds may tell")
