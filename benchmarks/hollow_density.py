"""How many hollow compute shards fit in one process: RSS per shard, idle CPU, build latency.

Runs a sandbox cloud in this process and, per N, N hollow shards in one child process on a
fresh vhost of the local RabbitMQ. Prints a table; the ratio column compares each row's RSS per
shard with the smallest N measured in the same run. Target: 1000 shards under 5 MB each
(kubemark's hollow node: ~220 MB, ~10 per core).

    .venv/bin/python benchmarks/hollow_density.py [--counts 100,300,1000] [--builds 100]
"""

import argparse
import multiprocessing
import multiprocessing.connection
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil

from harness.dev.services.rabbitmq import local_amqp_url, local_management, local_user
from harness.hollow.shard_set import ShardOptions, ShardSet, shard_hosts
from harness.sandbox.cloud import SandboxCloud
from harness.tables import format_table

IDLE_SECONDS = 20.0
BUILD_RATE = 5.0
MB = 1024 * 1024


def run_shards(url: str, count: int, endpoints: dict[str, str],
               pipe: multiprocessing.connection.Connection) -> None:
    """Child: report RSS before and after starting `count` shards, serve until told to stop."""
    me = psutil.Process()
    shards = ShardSet(url, "nova", shard_hosts("bench", count), endpoints,
                      options=ShardOptions(report_interval=10, resource_interval=60))
    before = me.memory_info().rss
    started = time.monotonic()
    shards.start()
    pipe.send({"rss_before": before, "rss_after": me.memory_info().rss,
               "start_s": time.monotonic() - started, "threads": me.num_threads()})
    pipe.recv()
    shards.stop()


def measure(count: int, builds: int) -> dict[str, Any]:
    """One row: start N shards in a child, measure idle CPU, drive builds at a fixed rate."""
    admin = local_management()
    vhost = f"bench.hollow.{uuid.uuid4().hex[:8]}"
    admin.create_vhost(vhost)
    admin.set_permissions(vhost, local_user())
    url = local_amqp_url(vhost)
    with tempfile.TemporaryDirectory() as scratch:
        sandbox = SandboxCloud(url, "nova", f"sqlite:///{Path(scratch) / 'bench.sqlite'}")
        sandbox.start()
        parent_end, child_end = multiprocessing.Pipe()
        child = multiprocessing.get_context("spawn").Process(
            target=run_shards, args=(url, count, sandbox.endpoints, child_end))
        child.start()
        child_end.close()  # so a child that dies makes recv() fail instead of hanging
        try:
            facts = parent_end.recv()
            sandbox.wait_for_hosts(count, timeout=120)
            process = psutil.Process(child.pid)
            cpu_before, wall_before = sum(process.cpu_times()[:2]), time.monotonic()
            time.sleep(IDLE_SECONDS)
            idle_cpu = (sum(process.cpu_times()[:2]) - cpu_before) / (
                time.monotonic() - wall_before)
            traffic = sandbox.traffic(steps=("build", "delete"))
            traffic.run(builds, BUILD_RATE)
            summary = traffic.book.summary().get("build", {})
            rss_now = process.memory_info().rss
        finally:
            parent_end.send("stop")
            child.join(60)
            sandbox.stop()
            admin.delete_vhost(vhost)
    per_shard = (facts["rss_after"] - facts["rss_before"]) / count
    return {"shards": count, "start_s": round(facts["start_s"], 1),
            "rss_total_mb": round(rss_now / MB, 1), "rss_per_shard_mb": round(per_shard / MB, 3),
            "threads": facts["threads"], "idle_cpu_pct": round(100 * idle_cpu, 1),
            "build_p50_ms": summary.get("p50_ms"), "build_p99_ms": summary.get("p99_ms"),
            "build_failed": summary.get("failed", builds)}


def main() -> None:
    """Measure each N and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100,300,1000")
    parser.add_argument("--builds", type=int, default=100)
    args = parser.parse_args()
    rows = []
    for count in (int(c) for c in args.counts.split(",")):
        print(f"measuring {count} shards ...", flush=True)
        rows.append(measure(count, args.builds))
    baseline = rows[0]["rss_per_shard_mb"] or 1e-9
    print(format_table(
        ["shards", "start s", "RSS total MB", "RSS/shard MB", "vs first", "vs 5 MB target",
         "threads", f"idle CPU % ({IDLE_SECONDS:g}s)", "build p50 ms", "build p99 ms",
         "failed"],
        [[r["shards"], r["start_s"], r["rss_total_mb"], r["rss_per_shard_mb"],
          f"{r['rss_per_shard_mb'] / baseline:.2f}x", f"{r['rss_per_shard_mb'] / 5:.3f}x",
          r["threads"], r["idle_cpu_pct"], r["build_p50_ms"], r["build_p99_ms"],
          r["build_failed"]] for r in rows]))


if __name__ == "__main__":
    main()
