"""The scale ceiling of this box: the most hollow shards it carries with >= 99% of heartbeats on
time at nova's default intervals (report 10 s, resources 60 s), and the time to bring 1,000 up.

A sandbox conductor (--conductor-workers processes; the API side in this process) runs on a
fresh MariaDB database and RabbitMQ vhost; hollow
shards run in child processes of --per-process shards each (one connection per thousand). The
ramp adds processes step by step; at each step it measures how long the new shards took to
report in, then watches heartbeats for --observe seconds (a report more than half an interval
late, plus the database's one-second timestamps, is late), with the conductor's, the database
server's and the shard processes' CPU. It stops at the first step under 99% on time. Ratios:
bring-up of the first 1,000 against the 20 s target, on-time share against the first step.

    .venv/bin/python benchmarks/scale_ceiling.py [--steps 1000,2000,4000,7000,10000]
        [--per-process 1000] [--observe 35] [--conductor-workers N]
"""

import argparse
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import time
import uuid
from typing import Any

import psutil
import pymysql

from harness.dev.services.rabbitmq import local_amqp_url, local_management, local_user
from harness.hollow.shard_set import ShardOptions, ShardSet, shard_hosts
from harness.sandbox.cloud import SandboxCloud, SandboxOptions
from harness.sandbox.conductor_workers import default_workers
from harness.scale.cpu import CpuMeter, database_server_pids
from harness.scale.database_probe import DatabaseProbe
from harness.tables import format_table

REPORT_INTERVAL = 10.0
RESOURCE_INTERVAL = 60.0
ON_TIME_TARGET = 99.0
BRING_UP_TARGET_S = 20.0
# A shard's heartbeats start once its whole process has reported in: the first one's gap after
# Service.create says how long bring-up took, not whether the box keeps up. Watched after.
SETTLE_INTERVALS = 1.5
PREFIX = "ceil-"


def run_shards(url: str, hosts: list[str], endpoints: dict[str, str],
               pipe: multiprocessing.connection.Connection) -> None:
    """Child: serve these shards until told to stop."""
    shards = ShardSet(url, "nova", hosts, endpoints,
                      options=ShardOptions(report_interval=REPORT_INTERVAL,
                                           resource_interval=RESOURCE_INTERVAL, workers=8))
    shards.start()
    pipe.send("up")
    pipe.recv()
    shards.stop()


def reported_in(sandbox: SandboxCloud) -> int:
    """How many of the benchmark's hosts the scheduler sees up."""
    sandbox.scheduler.refresh()
    return sum(1 for h in sandbox.scheduler.live_hosts() if h.startswith(PREFIX))


def watch(probe: DatabaseProbe, meters: dict[str, CpuMeter], seconds: float) -> dict[str, Any]:
    """Heartbeats on time and CPU over a window."""
    probe.heartbeats()  # the baseline of every host's last report
    for meter in meters.values():
        meter.read()
    reports = late = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(2.0)
        tally = probe.heartbeats()
        reports, late = reports + tally.reports, late + tally.late
    cpu = {name: meter.read() for name, meter in meters.items()}
    on_time = 100.0 * (reports - late) / reports if reports else 0.0
    return {"reports": reports, "on_time_pct": round(on_time, 2), **cpu}


def main() -> None:
    """Ramp, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="1000,2000,4000,7000,10000")
    parser.add_argument("--per-process", type=int, default=1000)
    parser.add_argument("--observe", type=float, default=35.0)
    parser.add_argument("--conductor-workers", type=int, default=default_workers())
    args = parser.parse_args()
    admin = local_management()
    vhost, database = f"bench.ceiling.{uuid.uuid4().hex[:8]}", f"bench_{uuid.uuid4().hex[:8]}"
    admin.create_vhost(vhost)
    admin.set_permissions(vhost, local_user())
    server = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    server.cursor().execute(f"CREATE DATABASE `{database}`")
    url = local_amqp_url(vhost)
    sandbox = SandboxCloud(url, "nova", f"mysql+pymysql://root@127.0.0.1:3306/{database}",
                           options=SandboxOptions(workers=32,
                                                  conductor_workers=args.conductor_workers))
    children: list[tuple[Any, Any]] = []  # (spawned process, its pipe)
    rows: list[dict[str, Any]] = []
    try:
        sandbox.start()
        probe = DatabaseProbe(sandbox.store.engine, PREFIX, REPORT_INTERVAL)
        shard_pids = lambda: [p.pid for p, _ in children if p.pid]  # noqa: E731
        meters = {"conductor_cpu": CpuMeter(sandbox.conductor_pids),
                  "database_cpu": CpuMeter(database_server_pids("mysql")),
                  "shards_cpu": CpuMeter(shard_pids)}
        running = 0
        for target in (int(s) for s in args.steps.split(",")):
            print(f"ramping to {target} shards ...", flush=True)
            began = time.monotonic()
            while running < target:
                count = min(args.per_process, target - running)
                hosts = [f"{PREFIX}{h}" for h in shard_hosts(f"p{len(children)}", count)]
                parent_end, child_end = multiprocessing.Pipe()
                child = multiprocessing.get_context("spawn").Process(
                    target=run_shards, args=(url, hosts, sandbox.endpoints, child_end))
                child.start()
                child_end.close()
                children.append((child, parent_end))
                running += count
            deadline = time.monotonic() + 300
            while reported_in(sandbox) < target and time.monotonic() < deadline:
                time.sleep(0.5)
            up_s = time.monotonic() - began
            time.sleep(SETTLE_INTERVALS * REPORT_INTERVAL)  # new shards' first heartbeats
            seen = watch(probe, meters, args.observe)
            connections = len(admin.connections(vhost))
            rss = sum(psutil.Process(p.pid).memory_info().rss for p, _ in children
                      if p.pid and p.is_alive()) / 2**20
            rows.append({"shards": target, "up": reported_in(sandbox), "up_s": round(up_s, 1),
                         "connections": connections, "shards_rss_mb": round(rss),
                         "load": round(os.getloadavg()[0], 1), **seen})
            print(rows[-1], flush=True)
            if seen["on_time_pct"] < ON_TIME_TARGET:
                break
    finally:
        for _child, pipe in children:
            with contextlib.suppress(OSError):
                pipe.send("stop")
        for child, _ in children:
            child.join(60)
            if child.is_alive():
                child.kill()
        cleanups = (sandbox.stop, lambda: admin.delete_vhost(vhost),
                    lambda: server.cursor().execute(f"DROP DATABASE IF EXISTS `{database}`"))
        for cleanup in cleanups:  # one failing (a broker restarting) must not strand the rest
            try:
                cleanup()
            except Exception as error:
                print(f"clean-up failed, left behind: {error}", flush=True)
    first = rows[0] if rows else {}
    carried = max((r["shards"] for r in rows if r["on_time_pct"] >= ON_TIME_TARGET),
                  default=0)
    print(format_table(
        ["shards", "reported in", "bring-up s", "vs 20 s", "heartbeats", "on time %",
         "vs first", "conductor CPU %", "database CPU %", "shards CPU %", "connections",
         "shards RSS MB", "load 1 min"],
        [[r["shards"], r["up"], r["up_s"], f"{r['up_s'] / BRING_UP_TARGET_S:.2f}x",
          r["reports"], r["on_time_pct"],
          f"{r['on_time_pct'] / (first['on_time_pct'] or 1):.3f}x", r["conductor_cpu"],
          r["database_cpu"], r["shards_cpu"], r["connections"], r["shards_rss_mb"], r["load"]]
         for r in rows]))
    print(f"ceiling: {carried} shards with >= {ON_TIME_TARGET:g}% of heartbeats on time "
          f"(target 10000); {os.cpu_count()} CPUs, {args.conductor_workers} conductor "
          f"worker(s), load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
