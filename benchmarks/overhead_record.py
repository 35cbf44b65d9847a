"""shadow_overhead.py's measurements kept as JSON lines, so a run can be analysed again, or
several runs of the same code and settings pooled, without measuring again."""

import gzip
import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SETTINGS = ("rate", "seconds", "flat", "shadow_nice", "conditions", "commit")
DIGITS = 6  # a microsecond: latencies here run from a tenth of a millisecond up


@dataclass
class Measurement:
    """One condition measured once: throughputs, CPU seconds and how busy the host was, and
    every latency sample (seconds) by kind, kept so that rounds can be pooled."""

    values: dict[str, float]
    samples: dict[str, list[float]]


@dataclass
class Recorded:
    """Runs as saved: their settings, the yield limit each used, and each round's measurements
    by pair (the compared condition) and side ("without" or the condition itself)."""

    settings: dict[str, Any]
    yield_cpus: list[float]
    rounds: list[dict[str, dict[str, Measurement]]]


class RecordError(ValueError):
    """A saved run that cannot be read or pooled: the message names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        super().__init__(f"{path}{f':{line}' if line else ''}: {problem}")


def commit() -> str:
    """The code measured: the checkout's commit, marked when it has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=Path(__file__).parent).stdout.strip()
    head = git("rev-parse", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def open_text(path: Path, mode: str) -> IO[str]:
    """A saved run's file, gzip-compressed when its name ends in .gz (a run is megabytes)."""
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


def read(path: Path) -> Recorded:
    """A saved run; its last round is dropped when the run was cut short in the middle of it."""
    read_lines: list[str] = []
    try:
        with open_text(path, "r") as saved:
            read_lines.extend(saved)  # line by line: each line flushed before a cut is kept
    except EOFError:
        pass  # a gzip file cut short, its end-of-stream marker never written
    except OSError as error:
        raise RecordError(path, None, f"cannot read: {error.strerror or error}") from error
    text = "".join(read_lines)
    lines = text.splitlines()
    if lines and not text.endswith("\n"):
        lines.pop()  # cut short while writing it
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
    """Several saved runs as one: their rounds in turn, only when code and settings match."""
    runs = [(path, read(path)) for path in paths]
    first_path, first = runs[0]
    for path, run in runs[1:]:
        for key in SETTINGS:
            if run.settings.get(key) != first.settings.get(key):
                raise RecordError(path, 1, f"{key} {run.settings.get(key)!r} differs from "
                                           f"{first_path}'s {first.settings.get(key)!r}")
    return Recorded(first.settings, [limit for _, run in runs for limit in run.yield_cpus],
                    [round_ for _, run in runs for round_ in run.rounds])
