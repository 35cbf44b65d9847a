"""shadow_overhead.py's statistics and saved runs; docs/benchmarks.md gives the method's reasons."""

import gzip
import json
import math
import random
import statistics
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from harness.sandbox.latency import percentile

LATENCIES = {"call p50 ms": ("call", 0.5), "call p99 ms": ("call", 0.99),
             "cast p50 ms": ("cast", 0.5), "cast p99 ms": ("cast", 0.99)}
METRICS = (*LATENCIES, "calls/s", "casts/s")
TARGET = 1.05
CONFIDENCE = 0.9
# The A/A test holds only if all six intervals hold 1: Bonferroni keeps its false alarms at 10 %.
AA_CONFIDENCE = 1 - (1 - CONFIDENCE) / len(METRICS)
SETTINGS = ("rate", "seconds", "flat", "shadow_nice", "conditions", "commit")
DIGITS = 6  # saved latencies to the microsecond


@dataclass
class Measurement:
    """One condition measured once: throughputs and CPU figures, and every latency sample."""

    values: dict[str, float]
    samples: dict[str, list[float]]


Pair = tuple[Measurement, Measurement]  # (without, condition), measured one after the other


@dataclass
class Recorded:
    """Runs' settings, yield limits, and each round's measurements by pair and side."""

    settings: dict[str, Any]
    yield_cpus: list[float]
    rounds: list[dict[str, dict[str, Measurement]]]


class RecordError(ValueError):
    """A saved run that cannot be read or pooled, named by file and line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        super().__init__(f"{path}{f':{line}' if line else ''}: {problem}")


def pooled(measurements: list[Measurement]) -> dict[str, float]:
    """Each metric over several measurements as if they were one long one."""
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
    """Each metric's cost with each side's rounds pooled, printed beside the paired cost."""
    without, condition = pooled([w for w, _ in pairs]), pooled([c for _, c in pairs])
    return {metric: cost(metric, without[metric], condition[metric]) for metric in METRICS}


def log_costs(pairs: list[Pair]) -> list[dict[str, float]]:
    """Each pair's cost of each metric as a logarithm, each side over its own samples."""
    logs = []
    for without, condition in pairs:
        before, after = pooled([without]), pooled([condition])
        logs.append({metric: math.log(cost(metric, before[metric], after[metric]))
                     for metric in METRICS})
    return logs


def paired_costs(logs: list[dict[str, float]], drawn: Sequence[int]) -> dict[str, float]:
    """Each metric's cost over the drawn pairs: the geometric mean of their ratios."""
    return {metric: math.exp(statistics.fmean(logs[n][metric] for n in drawn))
            for metric in METRICS}


def beyond(logs: list[dict[str, float]], floor: list[dict[str, float]], drawn: Sequence[int]
           ) -> dict[str, float]:
    """Each metric's cost over another condition's in the same rounds."""
    costs, floors = paired_costs(logs, drawn), paired_costs(floor, drawn)
    return {metric: costs[metric] / floors[metric] for metric in METRICS}


def bootstrap(rounds: int, estimate: Callable[[list[int]], dict[str, float]],
              confidence: float = CONFIDENCE, resamples: int = 2000
              ) -> dict[str, tuple[float, float]]:
    """An interval of each metric's estimate, drawing whole rounds with replacement."""
    draw = random.Random(0)
    drawn = [estimate(draw.choices(range(rounds), k=rounds)) for _ in range(resamples)]
    tail = (1 - confidence) / 2
    intervals = {}
    for metric in METRICS:
        costs = sorted(d[metric] for d in drawn)
        intervals[metric] = costs[int(tail * resamples)], costs[int((1 - tail) * resamples) - 1]
    return intervals


def trusted(aa_intervals: dict[str, tuple[float, float]]) -> list[bool]:
    """Per metric, whether the A/A interval holds 1, as both its sides run the same."""
    return [low <= 1 <= high for low, high in aa_intervals.values()]


def verdict(intervals: list[tuple[float, float]], trusted: list[bool]) -> str:
    """Met, MISSED, or not resolved when the intervals span the target or are not trusted."""
    if all(high <= TARGET for _, high in intervals) and all(trusted):
        return "met"
    worst = max((low for (low, _), ok in zip(intervals, trusted, strict=True) if ok),
                default=0.0)
    if worst > TARGET:
        return f"MISSED (a metric's cost is at least {worst:.2f})"
    return (f"not resolved (intervals span the target, up to "
            f"{max(high for _, high in intervals):.2f}, or the A/A test did not trust them): "
            f"more rounds may tell")


def commit() -> str:
    """The checkout's commit, marked when it has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=Path(__file__).parent).stdout.strip()
    head = git("rev-parse", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def open_text(path: Path, mode: str) -> IO[str]:
    """A saved run's file, gzip-compressed when its name ends in .gz."""
    if path.suffix == ".gz":
        return gzip.open(path, "wt" if mode == "w" else "rt")
    return open(path, mode)


def write_header(out: IO[str], settings: dict[str, Any], yield_cpu: float) -> None:
    """The first line: what was measured, how."""
    out.write(json.dumps({"settings": settings, "yield_cpu": yield_cpu}) + "\n")


def write_measurement(out: IO[str], round_: int, pair: str, side: str,
                      measured: Measurement) -> None:
    """One line per measurement, flushed, so a run cut short keeps what it measured."""
    samples = {kind: [round(x, DIGITS) for x in xs] for kind, xs in measured.samples.items()}
    out.write(json.dumps({"round": round_, "pair": pair, "side": side,
                          "values": measured.values, "samples": samples}) + "\n")
    out.flush()


def read_lines(path: Path) -> list[str]:
    """A saved run's complete lines; a last line cut short while written is dropped."""
    lines: list[str] = []
    try:
        with open_text(path, "r") as saved:
            lines.extend(saved)  # line by line: each line flushed before a cut is kept
    except EOFError:
        pass  # a gzip file cut short, its end-of-stream marker never written
    except OSError as error:
        raise RecordError(path, None, f"cannot read: {error.strerror or error}") from error
    if lines and not lines[-1].endswith("\n"):
        lines.pop()
    return lines


def read(path: Path) -> Recorded:
    """A saved run, without its last round when the run was cut short in the middle of it."""
    lines = read_lines(path)
    records = []
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise RecordError(path, number, f"not JSON: {error.msg}") from error
    header = records[0] if records else None
    if not isinstance(header, dict) or not isinstance(header.get("settings"), dict) \
            or "yield_cpu" not in header:
        raise RecordError(path, 1, "no header: not a file written by --save")
    if missing := set(SETTINGS) - header["settings"].keys():
        raise RecordError(path, 1, f"the header's settings lack {', '.join(sorted(missing))}")
    rounds: dict[int, dict[str, dict[str, Measurement]]] = {}
    for number, record in enumerate(records[1:], 2):
        try:
            measured = Measurement(record["values"], record["samples"])
            rounds.setdefault(record["round"], {}).setdefault(record["pair"], {})[
                record["side"]] = measured
        except (KeyError, TypeError) as error:
            raise RecordError(path, number, f"not a measurement ({type(error).__name__}: "
                                            f"{error})") from error
    complete = [pairs for pairs in rounds.values()
                if set(pairs) == set(header["settings"]["conditions"])
                and all(len(sides) == 2 for sides in pairs.values())]
    if not complete:
        raise RecordError(path, len(lines), "not one round complete")
    return Recorded(header["settings"], [header["yield_cpu"]], complete)


def pooled_runs(paths: Iterable[Path]) -> Recorded:
    """Several saved runs as one, their rounds in turn, only when code and settings match."""
    runs = [(path, read(path)) for path in paths]
    first_path, first = runs[0]
    for path, run in runs[1:]:
        for key in SETTINGS:
            if run.settings.get(key) != first.settings.get(key):
                raise RecordError(path, 1, f"{key} {run.settings.get(key)!r} differs from "
                                           f"{first_path}'s {first.settings.get(key)!r}")
    return Recorded(first.settings, [limit for _, run in runs for limit in run.yield_cpus],
                    [round_ for _, run in runs for round_ in run.rounds])
