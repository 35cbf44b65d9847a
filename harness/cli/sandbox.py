"""`harness sandbox up | boot`: the embedded cloud in the foreground, or driving lifecycles."""

import dataclasses
import os
import sys
import threading
from typing import Any

import click

from harness.atomic import write_json
from harness.cli.output import emit_json, json_option
from harness.cloud.access import pid_file
from harness.config import load_cloud
from harness.errors import InfrastructureError, UsageError
from harness.exitcodes import ExitCode
from harness.foreground import run_until_stopped, stop_on_signals
from harness.procinfo import start_time
from harness.sandbox.cloud import SandboxCloud
from harness.sandbox.conductor_workers import default_workers
from harness.sandbox.latency import LatencyBook
from harness.sandbox.traffic import DEFAULT_STEPS, TrafficGenerator, check_steps
from harness.tables import format_table


@click.group(name="sandbox")
def command() -> None:
    """The embedded cloud: conductor, scheduler, image and network services, traffic."""


def _open(ctx: click.Context, cloud_name: str) -> SandboxCloud:
    """The sandbox for a cloud of clouds.yaml (not started)."""
    return SandboxCloud.from_cloud(load_cloud(cloud_name, ctx.obj.get("cloud_config")
                                              if ctx.obj else None))


def _status_line(status: dict[str, Any]) -> str:
    """One line: hosts up, instances by state, conductor work."""
    states = " ".join(f"{k} {v}" for k, v in sorted(status["instances"].items())) or "none"
    return (f"hosts up {status['hosts_up']} | instances: {states} | conductor calls "
            f"{status['conductor_handled']} errors {status['conductor_errors']} | "
            f"ports {status['ports']}")


@command.command()
@click.option("--cloud", "cloud_name", required=True, help="Cloud (from clouds.yaml) to serve.")
@click.option("--conductor-workers", type=click.IntRange(1), default=default_workers(),
              show_default="the CPU count",
              help="Conductor processes consuming the conductor queue (1: in this process).")
@click.pass_context
def up(ctx: click.Context, cloud_name: str, conductor_workers: int) -> None:
    """Run the sandbox cloud with a live status line until SIGINT or SIGTERM."""
    sandbox = _open(ctx, cloud_name)
    sandbox.options = dataclasses.replace(sandbox.options, conductor_workers=conductor_workers)
    live = sys.stderr.isatty()
    with stop_on_signals() as stop:
        try:
            sandbox.start()
            write_json(pid_file(cloud_name), {"pid": os.getpid(),
                                              "started": start_time(os.getpid())})
            click.echo(f"sandbox: cloud {cloud_name!r} up; image {sandbox.endpoints['image']}, "
                       f"network {sandbox.endpoints['network']}; Ctrl-C to stop", err=True)
            ticks = [0]

            def show() -> None:
                ticks[0] += 1
                if live:
                    click.echo(f"\r\033[K{_status_line(sandbox.status())}", nl=False, err=True)
                elif ticks[0] % 10 == 0:
                    click.echo(_status_line(sandbox.status()), err=True)

            run_until_stopped(stop, show)
        finally:
            pid_file(cloud_name).unlink(missing_ok=True)
            sandbox.stop()
    click.echo("\nsandbox: stopped" if live else "sandbox: stopped", err=True)


@command.command()
@click.option("--cloud", "cloud_name", required=True, help="Cloud (from clouds.yaml) to drive.")
@click.option("--count", required=True, type=click.IntRange(1), help="Instance lifecycles.")
@click.option("--rate", default=5.0, show_default=True, type=click.FloatRange(0.01),
              help="Lifecycles started per second.")
@click.option("--steps", default=",".join(DEFAULT_STEPS), show_default=True,
              help="Operations of each lifecycle (build first, delete last; also stop, start).")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(1),
              help="Seconds each operation may take.")
@click.option("--wait-hosts", default=90.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait for a first compute host to report.")
@json_option
@click.pass_context
def boot(ctx: click.Context, cloud_name: str, count: int, rate: float, steps: str,
         timeout: float, wait_hosts: float, as_json: bool) -> None:
    """Drive COUNT lifecycles through running compute shards; print latency percentiles.

    A cloud with a `compute` endpoint (nova-local) is driven through its real nova-api.
    Otherwise it drives the control plane of a running `harness sandbox up` for the same cloud,
    else runs one in this process for the duration. Exits 1 when any operation failed.
    """
    try:
        chosen = check_steps([s.strip() for s in steps.split(",") if s.strip()])
    except ValueError as error:
        raise UsageError(f"--steps: {error}") from None
    cloud = load_cloud(cloud_name, ctx.obj.get("cloud_config") if ctx.obj else None)
    if "compute" in cloud.endpoints:
        book = _boot_through_nova(cloud.endpoints["compute"], chosen, count, rate, timeout,
                                  wait_hosts)
        _report(book, as_json)
        if book.failure_count():
            ctx.exit(ExitCode.FINDINGS)
        return
    sandbox = SandboxCloud.from_cloud(cloud)
    with stop_on_signals() as stop:
        try:
            attached = sandbox.conductor_serving()
            sandbox.start(serve=not attached)
            if attached:
                click.echo(f"sandbox: driving the running control plane of cloud "
                           f"{cloud_name!r}", err=True)
            try:
                hosts = sandbox.wait_for_hosts(1, wait_hosts)
            except TimeoutError as error:
                raise InfrastructureError(f"no hollow compute host is up: {error}; start "
                                          f"`harness hollow run --cloud {cloud_name}`") from None
            click.echo(f"sandbox: {len(hosts)} host(s) up; {count} lifecycles at {rate:g}/s",
                       err=True)
            traffic = sandbox.traffic(chosen, timeout)
            _run_with_progress(traffic, count, rate, stop)
        finally:
            sandbox.stop()
    _report(traffic.book, as_json)
    if traffic.book.failure_count():
        ctx.exit(ExitCode.FINDINGS)


def _run_with_progress(traffic: TrafficGenerator, count: int, rate: float,
                       stop: threading.Event) -> None:
    """Run the lifecycles, showing progress on a terminal."""
    runner = threading.Thread(target=traffic.run, args=(count, rate, stop), daemon=True)
    runner.start()
    while runner.is_alive():
        runner.join(1.0)
        if sys.stderr.isatty():
            click.echo(f"\r\033[Kstarted {traffic.started}/{count}, finished "
                       f"{traffic.finished}, failed {traffic.book.failure_count()}",
                       nl=False, err=True)


def _boot_through_nova(compute: str, steps: tuple[str, ...], count: int, rate: float,
                       timeout: float, wait_hosts: float) -> LatencyBook:
    """Lifecycles through real nova-api; its scheduler places them on the hosts it has."""
    from harness.nova.traffic import nova_traffic, wait_for_compute_hosts

    lifecycles, traffic = nova_traffic(compute, steps, timeout)
    try:
        hosts = wait_for_compute_hosts(lifecycles.api, wait_hosts)
    except TimeoutError as error:
        raise InfrastructureError(f"{error}; start one with `harness shard up --nova`") from None
    click.echo(f"nova: {len(hosts)} compute host(s) up; {count} lifecycles at {rate:g}/s",
               err=True)
    with stop_on_signals() as stop:
        _run_with_progress(traffic, count, rate, stop)
    return traffic.book


def _report(book: LatencyBook, as_json: bool) -> None:
    """Latency percentiles per operation, and the first failures."""
    if as_json:
        emit_json({"operations": book.summary(),
                   "failures": {op: reasons[:10] for op, reasons in book.failures.items()}})
        return
    if sys.stderr.isatty():
        click.echo("", err=True)
    click.echo(format_table(LatencyBook.table_headers(), book.table_rows()))
    for operation, reasons in sorted(book.failures.items()):
        for reason in reasons[:3]:
            click.echo(f"failed {operation}: {reason}", err=True)
