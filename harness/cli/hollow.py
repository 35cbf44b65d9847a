"""`harness hollow run`: hollow compute shards in the foreground, until interrupted."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import click

from harness.bus.versions import check_version
from harness.cloud.access import bus_url, service_endpoints
from harness.config import load_cloud
from harness.errors import UsageError
from harness.foreground import run_until_stopped, stop_on_signals
from harness.hollow.compute import DEFAULT_RPC_VERSION
from harness.hollow.effects import EffectRecorder
from harness.hollow.shard_set import (
    MAX_SHARDS_PER_PROCESS,
    ShardOptions,
    ShardSet,
    check_shard_count,
    shard_hosts,
)
from harness.shadow.candidates import CHANGES
from harness.shards.shard_config import read_shard_config
from shims.effects import Side
from shims.guard import install_guard
from shims.mode import MODE_VARIABLE, Mode, ModeError, current_mode
from shims.recorder import Recorder, use_recorder
from shims.sinks import JsonlSink, Sink


@click.group(name="hollow")
def command() -> None:
    """Run hollow compute shards: nova-compute-like services with a fake hypervisor."""


@command.command()
@click.option("--cloud", "cloud_name", help="Cloud (from clouds.yaml) to join.")
@click.option("--config-file", "config_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="oslo.config-style files to join with instead of --cloud: the credentials "
                   "bundle and shard.conf that `harness shard up` writes (repeatable).")
@click.option("--host", required=True, help="Host name (a prefix when --count > 1).")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1),
              help="Shards to run in this process: hosts HOST-0 ... HOST-(N-1) (at most "
                   f"{MAX_SHARDS_PER_PROCESS}).")
@click.option("--rpc-version", default=DEFAULT_RPC_VERSION, show_default=True,
              help="Compute RPC API version the shards serve.")
@click.option("--report-interval", default=10.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds between service heartbeats.")
@click.option("--resource-interval", default=60.0, show_default=True,
              type=click.FloatRange(0.1), help="Seconds between resource reports.")
@click.option("--resource-class", callback=lambda ctx, param, value: _custom_class(value),
              help="Offer each host to placement as this custom resource class alone (CUSTOM_..., "
                   "one unit a vCPU), so that only builds whose flavor asks for it land there: "
                   "a fleet in a shared cloud takes its own builds and no one else's.")
@click.option("--effects-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write each shard's effect log here as HOST.jsonl.")
@click.option("--mode", type=click.Choice([m.value for m in Mode]),
              help="shims mode (default: $HARNESS_MODE, else record with --effects-dir, "
                   "else production).")
@click.option("--side", type=click.Choice(["production", "control", "candidate"]),
              default="production", show_default=True, help="Which side its effects are.")
@click.option("--session", default="", help="Session id its effect records carry.")
@click.option("--change", type=click.Choice(sorted(CHANGES)), default="none",
              show_default=True, help="Run with one deliberate behaviour change (a candidate).")
@click.option("--workers", default=16, show_default=True, type=click.IntRange(1, 512),
              help="Threads handling requests for all shards.")
@click.pass_context
def run(ctx: click.Context, cloud_name: str | None, config_files: tuple[Path, ...], host: str,
        count: int, rpc_version: str,
        report_interval: float, resource_interval: float, resource_class: str | None,
        effects_dir: Path | None,
        mode: str | None, side: Side, session: str, change: str, workers: int) -> None:
    """Serve compute.HOST (and the compute fanout) until SIGINT or SIGTERM."""
    default = Mode.RECORD.value if effects_dir else Mode.PRODUCTION.value
    os.environ[MODE_VARIABLE] = mode or os.environ.get(MODE_VARIABLE) or default
    try:
        current_mode()
    except ModeError as error:
        raise UsageError(str(error)) from None
    try:
        check_shard_count(count)
    except ValueError as error:
        raise UsageError(f"--count: {error}") from None
    if bool(cloud_name) == bool(config_files):
        raise UsageError("give either --cloud or --config-file")
    if config_files:
        joined = read_shard_config(config_files)
        bus, exchange, endpoints = joined.bus_url, joined.control_exchange, joined.endpoints
    else:
        cloud = load_cloud(str(cloud_name), ctx.obj.get("cloud_config") if ctx.obj else None)
        bus, exchange = bus_url(cloud), cloud.bus.control_exchange
        endpoints = service_endpoints(cloud)
    try:
        options = ShardOptions(rpc_version=check_version(rpc_version),
                               report_interval=report_interval,
                               resource_interval=resource_interval,
                               resource_class=resource_class, workers=workers)
    except ValueError as error:
        raise UsageError(f"--rpc-version: {error}") from None
    if current_mode() is Mode.SHADOW:
        _fail_closed(bus, effects_dir, session, side, host)
    shard_class = CHANGES[change].shard
    shards = ShardSet(bus, exchange, shard_hosts(host, count), endpoints,
                      EffectRecorder(effects_dir, session, side), options,
                      shard_factory=lambda name, services: shard_class(
                          name, services, options.rpc_version, options.capacity,
                          options.resource_class))
    with stop_on_signals() as stop:
        try:
            shards.start(stop)
            click.echo(f"hollow: {count} shard(s) serving compute.{shards.hosts[0]}"
                       f"{' ...' if count > 1 else ''} at RPC {rpc_version}; Ctrl-C to stop",
                       err=True)
            run_until_stopped(stop, lambda: None)
        finally:
            shards.stop()
    click.echo("hollow: stopped", err=True)



def _custom_class(value: str | None) -> str | None:
    """A placement custom resource class name, or a usage error saying what one looks like."""
    if value is not None and not re.fullmatch(r"CUSTOM_[A-Z0-9_]+", value):
        raise UsageError(f"--resource-class {value!r}: a custom resource class is CUSTOM_ "
                         "followed by capital letters, digits and underscores")
    return value


def _fail_closed(bus: str, effects_dir: Path | None, session: str, side: Side,
                 host: str) -> None:
    """In shadow mode nothing but the shadow's own broker may be reached: any other socket or
    a new process is blocked by the audit-hook guard and recorded as a violation."""
    parts = urlsplit(bus)
    sinks: list[Sink] = [JsonlSink(effects_dir / "violations.jsonl")] if effects_dir else []
    use_recorder(Recorder(session, host, side, sinks))
    install_guard(allow=[f"{parts.hostname}:{parts.port or 5672}"])
