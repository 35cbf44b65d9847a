"""Whether `harness demo` gives every seeded change the same, right verdict run after run.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/verdict_stability.py [--runs 10] [--burn 2] [--changes a,b]

Runs `harness demo --change C --json` (embedded: the in-process broker, no service) N times for
every seeded change, the changes interleaved so that load varies across all of them alike, with
`--burn K` processes spinning on the CPU meanwhile (each stops by itself after --burn-limit
seconds, and all are ended at the end, also on Ctrl-C). A change that differs must exit 1 in
every run, a clean or timing-only one 0 in every run. Prints the verdict table; exits 1 when any
change's verdict was wrong in any run.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.shadow.candidates import CHANGES
from harness.tables import format_table

EVERY_STEP = "build,console,reboot,stop,start,delete"
RUN_TIMEOUT = 600


@contextmanager
def cpu_burners(count: int, limit: float) -> Iterator[None]:
    """`count` processes spinning on the CPU, each ending itself after `limit` seconds."""
    spin = f"import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end: pass"
    burners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    try:
        yield
    finally:
        for burner in burners:
            burner.terminate()
        for burner in burners:
            burner.wait()


def one_run(change: str, lifecycles: int, steps: str, scratch: Path) -> tuple[int, float, str]:
    """Exit status, seconds, and the first difference named (if any) of one demo."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "harness", "demo", "--change", change, "--json",
         "--lifecycles", str(lifecycles), "--steps", steps, "-o", str(scratch / "report.html")],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    took = time.monotonic() - began
    if done.returncode not in (0, 1):
        return done.returncode, took, (done.stderr.strip().splitlines() or ["no output"])[-1]
    report = json.loads(done.stdout)
    first = report["mismatches"][0] if report["mismatches"] else None
    named = (f"{first['method']}: {first['category']} {first['effect']} {first['path']}"
             if first else ", ".join(d["category"] for d in report["drift"]))
    return done.returncode, took, named


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--burn", type=int, default=0, help="CPU burner processes meanwhile")
    parser.add_argument("--burn-limit", type=float, default=3600.0)
    parser.add_argument("--lifecycles", type=int, default=20)
    parser.add_argument("--steps", default=EVERY_STEP)
    parser.add_argument("--changes", default=",".join(CHANGES))
    args = parser.parse_args()
    changes = [c for c in args.changes.split(",") if c]
    unknown = [c for c in changes if c not in CHANGES]
    if unknown:
        parser.error(f"--changes: unknown {', '.join(unknown)}; known: {', '.join(CHANGES)}")
    statuses: dict[str, list[int]] = defaultdict(list)
    seconds: dict[str, list[float]] = defaultdict(list)
    named: dict[str, set[str]] = defaultdict(set)
    with cpu_burners(args.burn, args.burn_limit), \
            tempfile.TemporaryDirectory(prefix="verdicts-") as scratch:
        for run in range(args.runs):
            for change in changes:
                status, took, first = one_run(change, args.lifecycles, args.steps, Path(scratch))
                statuses[change].append(status)
                seconds[change].append(took)
                if first:
                    named[change].add(first)
                print(f"run {run + 1}/{args.runs} {change}: exit {status} in {took:.1f} s"
                      + (f" ({first})" if first else ""), file=sys.stderr, flush=True)
    rows, wrong = [], 0
    for change in changes:
        expected = 1 if CHANGES[change].is_difference else 0
        right = statuses[change].count(expected)
        wrong += right != len(statuses[change])
        rows.append([change, "found" if expected else "clean", f"{right}/{len(statuses[change])}",
                     f"{statistics.median(seconds[change]):.1f}",
                     "; ".join(sorted(named[change]))[:90]])
    print(f"\n{args.runs} runs per change, {args.lifecycles} lifecycles ({args.steps}) each, "
          f"{args.burn} CPU burner(s)")
    print(format_table(["change", "verdict due", "right", "median s", "named"], rows))
    print(f"\n{len(changes) - wrong} of {len(changes)} changes got the right verdict in every run")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
