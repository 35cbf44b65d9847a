"""`harness shadow start | status | stop | report`: shadow sessions against a real cloud."""

import json
import os
import time
from pathlib import Path
from typing import Any

import click

from harness.cli.output import emit_json, json_option
from harness.cloud.clients import CloudClients
from harness.config import load_cloud
from harness.errors import UsageError
from harness.exitcodes import ExitCode
from harness.foreground import stop_on_signals
from harness.paths import private_dir
from harness.procinfo import start_time
from harness.sessions import SessionStore
from harness.sessions.model import shard_handles
from harness.sessions.teardown import teardown
from harness.shadow.compare import IgnoreRules
from harness.shadow.compare.comparison import Thresholds
from harness.shadow.driver_process import REQUEST_FILE, start_driver, stop_driver
from harness.shadow.preflight import check_host
from harness.shadow.publish import publish
from harness.shadow.records import read_counters
from harness.shadow.report import RENDERERS
from harness.shadow.session import ShadowDriver, ShadowRequest, records_dir
from harness.shadow.sources import ShardSource
from harness.shards.readiness import vhost_of
from harness.tables import format_table

IDLE_WARNING_AFTER = 60.0  # seconds a running session may mirror nothing before status warns


@click.group(name="shadow")
def command() -> None:
    """Shadow sessions: mirror a production host's traffic to a candidate and compare."""


def _duration(text: str | None) -> float | None:
    """`90`, `90s`, `15m` or `2h` in seconds."""
    if text is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1] in units else (text, "s")
    try:
        return float(number) * units[unit]
    except ValueError:
        raise UsageError(f"--duration {text!r}: use seconds or a number with s, m or h") from None


@command.command()
@click.option("--cloud", "cloud_name", required=True, help="Cloud (from clouds.yaml).")
@click.option("--of", "production_host", required=True, help="The production host to shadow.")
@click.option("--candidate", required=True,
              help="hollow, hollow:CHANGE, image:NAME, cmd:COMMAND, or real nova-compute: "
                   "nova (the dev venv's) or nova:PATH (a checkout or venv).")
@click.option("--control", help="The same build as production, to learn noise from.")
@click.option("--sample", default=1.0, show_default=True, type=click.FloatRange(0, 1),
              help="Fraction of instances mirrored (consistent per instance).")
@click.option("--duration", help="Stop by itself after this long (e.g. 90s, 15m, 1h).")
@click.option("--responders", type=click.Path(dir_okay=False, exists=True),
              help="YAML rules answering the shadows' calls (default: echo conductor calls).")
@click.option("--firehose", is_flag=True,
              help="Compare replies too, seen through RabbitMQ's firehose (switched on for "
                   "production's vhost during the session only; it costs the broker a copy of "
                   "every publish there).")
@click.option("--yield-cpu", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              metavar="FRACTION",
              help="On a box shared with production: relay nothing while this host's CPUs are "
                   "busier than FRACTION (niced work aside), and until they stayed under it "
                   "for 0.25 s; copies wait in the mirror. Set it under the load production "
                   "alone puts on this host, or the relay goes on while production runs.")
@click.option("--shed", is_flag=True,
              help="With --yield-cpu: unbind the mirror too while the relay holds, so the "
                   "broker copies nothing; production's messages meanwhile are never "
                   "mirrored (shed_ms).")
@click.option("--force", is_flag=True,
              help="Start even when production has no such host (nothing consumes its queue "
                   "and the conductor knows no nova-compute service on it).")
@json_option
@click.pass_context
def start(ctx: click.Context, cloud_name: str, production_host: str, candidate: str,
          control: str | None, sample: float, duration: str | None, responders: str | None,
          firehose: bool, yield_cpu: float | None, shed: bool, force: bool,
          as_json: bool) -> None:
    """Start a session; it runs in the background until `shadow stop` or its duration."""
    if shed and not yield_cpu:
        raise UsageError("--shed: it sheds the mirror while the relay holds, so it needs "
                         "--yield-cpu FRACTION")
    cloud = load_cloud(cloud_name, ctx.obj["cloud_config"])  # fails here, not in the driver
    for value, option in ((candidate, "--candidate"), (control, "--control")):
        if value:
            ShardSource.parse(value, option)
    if not force:
        check = check_host(CloudClients(cloud), production_host)
        if not check.exists:
            raise UsageError(check.refusal(vhost_of(cloud)))
    request = ShadowRequest(cloud_name, production_host, candidate, control, sample,
                            _duration(duration), responders, ctx.obj["cloud_config"], firehose,
                            yield_cpu, shed)
    session_id = start_driver(request)
    root = records_dir(session_id)
    handles = shard_handles(SessionStore().get(session_id))
    if as_json:
        emit_json({"session": session_id, "records": str(root),
                   "shards": [h.to_dict() for h in handles]})
        return
    click.echo(f"shadow session {session_id} of {production_host} running; "
               f"`harness shadow status {session_id}`, `harness shadow stop {session_id}`")
    for handle in handles:
        click.echo(f"  {handle.shard} ({handle.launcher}) runs as {handle.runs_as()}")


@command.command(hidden=True)
@click.argument("session_id")
def run(session_id: str) -> None:
    """The session's driver (started by `shadow start`)."""
    store = SessionStore()
    session = store.get(session_id)
    session.owner_pid, session.owner_started = os.getpid(), start_time(os.getpid()) or ""
    store.save(session)
    driver = ShadowDriver(session, store)
    try:
        with stop_on_signals() as stop:
            driver.start()
            driver.run(stop)
    finally:
        driver.stop()
        teardown(session, store)


@command.command()
@click.argument("session_id", required=False)
@json_option
def status(session_id: str | None, as_json: bool) -> None:
    """Live counts of every running shadow session (or one)."""
    sessions = [s for s in SessionStore().all() if s.kind == "shadow"
                and (session_id is None or s.id.startswith(session_id))]
    rows = [{"session": s.id, "of": s.info.get("host", ""), "state": s.state
             if s.owner_alive() or s.state == "down" else "dead",
             **read_counters(records_dir(s.id))} for s in sessions]
    for session, row in zip(sessions, rows, strict=True):
        if (warning := idle_warning(row, time.time() - session.created_at)) is not None:
            click.echo(f"warning: {warning}", err=True)
    if as_json:
        emit_json(rows)
        return
    headers = ["session", "of", "state", "mirrored", "relayed", "dropped", "sampled_out",
               "undecodable", "held_ms", "shed_ms", "tap_seen", "production_replies_seen",
               "candidate_replies_seen"]
    click.echo(format_table(headers, [[r.get(h, 0) for h in headers] for r in rows]))


def idle_warning(row: dict[str, Any], age: float) -> str | None:
    """A running session that mirrored nothing for a minute while production's tap saw it
    busy is most likely shadowing the wrong host."""
    if row["state"] != "running" or age < IDLE_WARNING_AFTER or row.get("mirrored", 0):
        return None
    if not row.get("tap_seen", 0):
        return None
    return (f"session {row['session']} has mirrored nothing in {age:.0f} s while production "
            f"sent {row['tap_seen']} messages to its conductor and notifications: is --of "
            f"{row['of']} the host you meant?")


@command.command()
@click.argument("session_id")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for teardown.")
def stop(session_id: str, timeout: float) -> None:
    """Stop a session: shadows, mirror, vhosts and credentials go; the records stay."""
    session = SessionStore().get(session_id)
    if stop_driver(session.id, timeout):
        click.echo(f"the session's driver did not stop in {timeout:g}s and was killed; "
                   f"its last counters may be missing", err=True)
    click.echo(f"shadow session {session.id} stopped; `harness shadow report {session.id}`")


def _find_records(session_id: str) -> Path:
    """A session's records by id or unique prefix (the session itself may be gone)."""
    matches = [p for p in private_dir("shadow").iterdir() if p.name.startswith(session_id)]
    if len(matches) != 1:
        raise UsageError(f"{'no' if not matches else 'more than one'} shadow session matches "
                         f"{session_id!r}")
    return matches[0]


@command.command()
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here instead of stdout.")
@click.option("--ignore", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="YAML ignore rules: {method-glob: [path-glob, ...]}.")
@click.option("--structural", is_flag=True, help="Compare shapes (keys, types) only.")
@click.option("--relative", default=0.2, show_default=True, type=float,
              help="Report a field only this much (relative) above noise.")
@click.option("--absolute", default=0.03, show_default=True, type=float,
              help="... and this much (absolute rate) above noise.")
@click.pass_context
def report(ctx: click.Context, session_id: str, fmt: str, output: Path | None,
           ignore: Path | None, structural: bool, relative: float, absolute: float) -> None:
    """Compare the candidate with production (noise from the control subtracted)."""
    root = _find_records(session_id)
    request = ShadowRequest(**json.loads((root / REQUEST_FILE).read_text()))
    cloud = load_cloud(request.cloud, request.cloud_config)
    published = publish(root, root.name, request.production_host,
                        caps=cloud.rpc_version_caps,
                        ignore=IgnoreRules.load(ignore) if ignore else None,
                        structural=structural, thresholds=Thresholds(relative, absolute),
                        title=f"candidate: {request.candidate}")
    text = RENDERERS[fmt](published)
    if output:
        output.write_text(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    if published.failed:
        ctx.exit(ExitCode.FINDINGS)
