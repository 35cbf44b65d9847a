"""`harness shard up | down | ls | logs`: ad hoc shards wired into a cloud.

Module-level imports stay light: `shard up` hands its work to a running agent when it can, and
then pays for none of what doing it here needs.
"""

from dataclasses import asdict

import click

from harness.agent.client import StaleAgent, ask
from harness.cli.output import emit_json, json_option
from harness.foreground import stop_on_signals
from harness.launchers import get_launcher
from harness.sessions import Session, SessionStore
from harness.sessions.model import shard_handles
from harness.shards.request import ShardUp
from harness.tables import format_table


@click.group(name="shard")
def command() -> None:
    """Launch, list, follow and stop ad hoc shards wired into a cloud."""


@command.command(name="ls")
@json_option
def list_shards(as_json: bool) -> None:
    """Every shard session with each shard's state, reconciled with what really runs."""
    rows = []
    for session in SessionStore().all():
        for handle in shard_handles(session):
            alive = get_launcher(handle.launcher).alive(handle)
            rows.append({"session": session.id, "kind": session.kind, "cloud": session.cloud,
                         "shard": handle.shard, "launcher": handle.launcher,
                         "state": session.state if alive else "dead",
                         "mode": session.info.get("mode", ""), "logs": handle.log_path})
    if as_json:
        emit_json(rows)
        return
    headers = ["session", "cloud", "shard", "launcher", "mode", "state"]
    click.echo(format_table(headers, [[r[h] for h in headers] for r in rows]))


@command.command()
@click.argument("session_id")
@click.option("--shard", help="Which shard of the session (default: all).")
@click.option("-f", "--follow", is_flag=True, help="Keep printing until the shard exits.")
def logs(session_id: str, shard: str | None, follow: bool) -> None:
    """Print a session's shard logs."""
    session = SessionStore().get(session_id)
    for handle in shard_handles(session):
        if shard in (None, handle.shard):
            for line in get_launcher(handle.launcher).logs(handle, follow=follow):
                click.echo(line)


@command.command()
@click.argument("session_id", required=False)
@click.option("--all", "every", is_flag=True, help="Every shard session.")
def down(session_id: str | None, every: bool) -> None:
    """Stop a session's shards, revoke its credentials, remove its queues and vhosts."""
    from harness.sessions.teardown import teardown

    if bool(session_id) == every:
        raise click.UsageError("give a session id or --all")
    store = SessionStore()
    sessions = ([s for s in store.all() if s.kind == "shard"] if every
                else [store.get(str(session_id))])
    for session in sessions:
        for item in teardown(session, store):
            click.echo(f"{session.id}: removed {item}")


@command.command()
@click.option("--cloud", "cloud_name", required=True, help="Cloud (from clouds.yaml) to join.")
@click.option("--host", required=True, help="Host name (a prefix when --count > 1).")
@click.option("--mode", type=click.Choice(["production", "shadow"]), default="production",
              show_default=True, help="production: wired in for real; shadow: its own vhost.")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 500),
              help="Shards to start: hosts HOST-0 ... HOST-(N-1).")
@click.option("--launcher", type=click.Choice(["process", "docker"]), default=None,
              help="How to run it (default: docker with --image, else process).")
@click.option("--image", help="Docker image to run (see `harness image build`).")
@click.option("--command", "shard_command", help="Command to run instead of the hollow compute.")
@click.option("--force", is_flag=True, help="Join a host that already has a consumer.")
@click.option("--memory", "memory_limit", help="Container memory limit, e.g. 256m.")
@click.option("--cpus", type=float, help="Container CPU limit, e.g. 0.5.")
@click.option("--ready-timeout", default=60.0, show_default=True, type=float,
              help="Seconds to wait for the shard to be ready.")
@click.option("--nova", "nova_path", is_flag=False, flag_value="dev", default=None,
              metavar="[PATH]", help="Run real nova-compute (fake virt driver) from PATH, a nova "
              "checkout or venv; without PATH, the one `harness dev up --nova` installed.")
@click.option("--agent/--no-agent", "use_agent", default=True, show_default=True,
              help="Hand the work to a running `harness agent`, if one runs.")
@json_option
@click.pass_context
def up(ctx: click.Context, cloud_name: str, host: str, mode: str, count: int,
       launcher: str | None, image: str | None, shard_command: str | None, force: bool,
       memory_limit: str | None, cpus: float | None, ready_timeout: float,
       nova_path: str | None, use_agent: bool, as_json: bool) -> None:
    """Issue credentials, render config, launch, and wait until the shard is ready."""
    request = ShardUp(cloud_name, host, ctx.obj["cloud_config"], mode, count,
                      launcher or ("docker" if image else "process"), image, shard_command,
                      force, memory_limit, cpus, ready_timeout, nova=nova_path)
    session = _up_through_agent(request) if use_agent else None
    if session is None:
        from harness.shards.up import shard_up

        session = shard_up(request)
    handles = shard_handles(session)
    if as_json:
        emit_json({"session": session.id, "shards": [h.to_dict() for h in handles]})
        return
    click.echo(f"session {session.id}: {len(handles)} shard(s) ready in cloud {cloud_name}")
    for handle in handles:
        where = handle.log_path or f"harness shard logs {session.id}"
        click.echo(f"  {handle.shard} ({handle.launcher}) runs as {handle.runs_as()}; "
                   f"logs {where}")


def _up_through_agent(request: ShardUp) -> Session | None:
    """The agent's session, or None to work here: no agent runs, or it ran older code."""
    try:
        result = ask("shard_up", asdict(request))
    except StaleAgent:
        click.echo("harness: the agent ran older code than is installed and stopped; working "
                   "without it (`harness agent start` starts a new one)", err=True)
        return None
    return Session.from_dict(result["session"]) if result else None


@command.command(hidden=True)
@click.argument("session_id")
def keep(session_id: str) -> None:
    """Renew a session's leases while its shards live (started by `shard up`)."""
    from harness.shards.keeper import keep as keep_session

    with stop_on_signals() as stop:
        keep_session(session_id, stop)
