"""Production nova-compute's build latency with and without a shadow session, in the same run.

Needs the local nova cloud (`harness dev up --nova`). One production host (`shard up --nova`)
takes blocks of builds through nova-api, each forced onto it and timed from POST to ACTIVE, then
deleted. The blocks alternate A B A B ... A: A without a session, B while a session shadows the
host with a dev-nova candidate (its own conductor and placement on clones). The session is
started before and stopped after each B block, outside the timing.

Prints p50 and p99 of each condition and their ratios (with / without). No target is set for a
2-core box, where production, broker, the control plane and the shadow share the same cores.

    .venv/bin/python benchmarks/shadow_nova.py [--blocks 2] [--builds 10]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

from harness.nova.layout import CLOUD_NAME, endpoint
from harness.nova.rest import RestClient, compute_client
from harness.sandbox.image_service import image_id
from harness.tables import format_table

POLL_SECONDS = 0.05
ACTIVE_TIMEOUT = 300.0
IMAGE = "cirros-0.6.2"
FLAVOR = "harness-tiny"


def harness(*args: str) -> dict[str, Any]:
    """Run a harness command with --json; its output."""
    done = subprocess.run([sys.executable, "-m", "harness", *args, "--json"],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"harness {' '.join(args)}: exit {done.returncode}: {done.stderr}")
    return dict(json.loads(done.stdout))


def status(api: RestClient, server: str) -> str:
    """The server's status (DELETED once gone)."""
    code, body = api.request("GET", f"/servers/{server}", ok=(200, 404))
    return "DELETED" if code == 404 else str(body["server"]["status"])


def wait_status(api: RestClient, server: str, wanted: str) -> None:
    """Poll until the server shows `wanted`; exit naming it on ERROR or timeout."""
    deadline = time.monotonic() + ACTIVE_TIMEOUT
    while (now := status(api, server)) != wanted:
        if now == "ERROR" or time.monotonic() > deadline:
            raise SystemExit(f"server {server}: {now}, waiting for {wanted}")
        time.sleep(POLL_SECONDS)


def build_latency(api: RestClient, host: str) -> float:
    """Seconds from POST /servers (forced onto `host`) to ACTIVE; the server is deleted."""
    body = {"server": {"name": f"bench-{uuid.uuid4().hex[:6]}", "flavorRef": FLAVOR,
                       "imageRef": image_id(IMAGE), "networks": "none",
                       "availability_zone": f"nova:{host}"}}
    started = time.monotonic()
    server = str(api.request("POST", "/servers", body)[1]["server"]["id"])
    wait_status(api, server, "ACTIVE")
    took = time.monotonic() - started
    api.request("DELETE", f"/servers/{server}", ok=(204, 404))
    wait_status(api, server, "DELETED")
    return took


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=2, help="B blocks (A blocks: one more)")
    parser.add_argument("--builds", type=int, default=10, help="builds per block")
    args = parser.parse_args()
    api = compute_client(endpoint("compute"), timeout=120)
    host = f"bench-{uuid.uuid4().hex[:6]}"
    production = harness("shard", "up", "--cloud", CLOUD_NAME, "--host", host, "--nova",
                         "--no-agent")["session"]
    samples: dict[str, list[float]] = {"without": [], "with": []}
    try:
        for block in range(2 * args.blocks + 1):
            shadowed = block % 2 == 1
            session = (harness("shadow", "start", "--cloud", CLOUD_NAME, "--of", host,
                               "--candidate", "nova:")["session"] if shadowed else None)
            try:
                for _ in range(args.builds):
                    samples["with" if shadowed else "without"].append(build_latency(api, host))
            finally:
                if session:
                    subprocess.run([sys.executable, "-m", "harness", "shadow", "stop", session],
                                   capture_output=True, check=False)
            print(f"block {block + 1}: {'with' if shadowed else 'without'} a session done",
                  file=sys.stderr)
    finally:
        subprocess.run([sys.executable, "-m", "harness", "shard", "down", production],
                       capture_output=True, check=False)
    rows = []
    for name, values in samples.items():
        rows.append([name, len(values), f"{statistics.median(values):.3f}",
                     f"{percentile(values, 0.99):.3f}"])
    print(format_table(["condition", "builds", "p50 s", "p99 s"], rows))
    for label, share in (("p50", 0.5), ("p99", 0.99)):
        ratio = percentile(samples["with"], share) / percentile(samples["without"], share)
        print(f"build latency {label} with / without a session: {ratio:.2f}x")


if __name__ == "__main__":
    main()
