"""500 hollow compute hosts in the local real nova cloud take builds its real scheduler places
on them: how long until nova lists them all, and how builds fare, against a small fleet
measured the same way in the same run.

Needs the local nova cloud (`harness dev up --nova`). Per fleet (the baseline's, then the big
one), in this order:

- `harness hollow run --cloud nova-local --host fleetX --count N` in one process, timed from
  its start until all N hosts are up in nova's service list, up in its hypervisor list (so
  mapped to a cell) and hold a resource provider in placement;
- the fleet offers placement a custom resource class of its own, and the builds use a flavor
  asking for it alone, so that they land nowhere else and other users' builds never land on
  the fleet, whatever other hosts share the cloud;
- BUILDS servers built through nova-api at RATE a second and deleted; each build timed from
  POST /servers until nova-api shows it ACTIVE; where the scheduler placed it, read back; then
  how many hosts are still up (none going down: the conductor kept up with their heartbeats);
- the fleet stopped and its records removed from nova and placement, timed.

Prints one table, the big fleet's figures with their ratio to the baseline's, and exits 1 when a
build failed or landed outside its fleet.

    .venv/bin/python benchmarks/nova_hollow_fleet.py [--hosts 500] [--baseline-hosts 10]
        [--builds 60] [--rate 1]
"""

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from harness.config import Cloud, load_cloud
from harness.dev.services.rabbitmq import local_management
from harness.nova.flavors import private_flavor
from harness.nova.fleet import hollow_fleet, services_up
from harness.nova.layout import CLOUD_NAME
from harness.nova.removal import LISTING_TIMEOUT
from harness.nova.rest import compute_client, placement_client
from harness.nova.traffic import nova_traffic
from harness.tables import format_table

BUILD_TIMEOUT = 300.0


def measure(cloud: Cloud, count: int, builds: int, rate: float, list_timeout: float,
            scratch: Path) -> dict[str, Any]:
    """One fleet's figures."""
    tag = uuid.uuid4().hex[:6]
    api = compute_client(cloud.endpoints["compute"], LISTING_TIMEOUT)
    placement = placement_client(cloud.endpoints["placement"])
    figures: dict[str, Any] = {}
    resource_class = f"CUSTOM_HARNESS_FLEET_{tag.upper()}"
    with private_flavor(api, placement, resource_class) as flavor:
        with hollow_fleet(cloud, None, f"fleet{tag}", count, scratch / f"fleet{tag}.log",
                          local_management(), resource_class) as fleet:
            listed = fleet.wait_listed(api, placement, list_timeout)
            figures.update({f"all {name}, s": seconds for name, seconds in listed.items()})
            print(f"{count} hosts: listed {listed}", file=sys.stderr)
            lifecycles, traffic = nova_traffic(cloud.endpoints["compute"], ("build", "delete"),
                                               BUILD_TIMEOUT, flavor)
            traffic.run(builds, rate)
            build = traffic.book.summary().get("build", {"count": 0, "p50_ms": 0,
                                                         "p99_ms": 0})
            placed = Counter(lifecycles.hosts.values())
            figures.update({
                "build p50, s": build["p50_ms"] / 1000, "build p99, s": build["p99_ms"] / 1000,
                "builds ACTIVE, %": 100 * build["count"] / builds,
                "hosts builds landed on": len(placed),
                "most builds on one host": max(placed.values(), default=0),
                "builds outside the fleet": sum(n for host, n in placed.items()
                                                if host not in set(fleet.hosts))})
            # The conductor kept up with every host's heartbeats if none went down meanwhile.
            figures["hosts up after the builds"] = services_up(api, placement, set(fleet.hosts))
            for reason in sorted({r for rs in traffic.book.failures.values() for r in rs})[:5]:
                print(f"{count} hosts: failure: {reason}", file=sys.stderr)
            print(f"{count} hosts: {json.dumps(figures)}", file=sys.stderr)
            began = time.monotonic()
        figures["stop and remove all, s"] = time.monotonic() - began
    return figures


def main() -> None:
    """Measure the baseline fleet, then the big one; print both and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--baseline-hosts", type=int, default=10)
    parser.add_argument("--builds", type=int, default=60)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--list-timeout", type=float, default=900.0)
    args = parser.parse_args()
    cloud = load_cloud(CLOUD_NAME)
    with tempfile.TemporaryDirectory() as scratch:
        small, big = (measure(cloud, count, args.builds, args.rate, args.list_timeout,
                              Path(scratch)) for count in (args.baseline_hosts, args.hosts))
    rows = [[name, f"{small[name]:.2f}", f"{big[name]:.2f}",
             f"{big[name] / small[name]:.2f}x" if small[name] else "-"] for name in big]
    print(format_table(["figure", f"{args.baseline_hosts} hosts", f"{args.hosts} hosts",
                        "ratio"], rows))
    if any(f["builds ACTIVE, %"] < 100 or f["builds outside the fleet"] for f in (small, big)):
        sys.exit(1)


if __name__ == "__main__":
    main()
