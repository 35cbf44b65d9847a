"""`harness agent start | stop | status | run`: a warm harness that serves `shard up`."""

import logging
import sys
import time

import click

from harness.agent.client import ask
from harness.cli.output import emit_json, json_option
from harness.errors import InfrastructureError
from harness.exitcodes import ExitCode
from harness.paths import private_dir
from harness.system.process import pid_alive, spawn

START_TIMEOUT = 30.0
IDLE_DEFAULT = 1800.0


@click.group(name="agent")
def command() -> None:
    """A warm harness process that serves `shard up` without paying for imports."""


@command.command()
@click.option("--idle", default=IDLE_DEFAULT, show_default=True, type=click.FloatRange(1),
              help="Stop after this many seconds without a request.")
@json_option
def start(idle: float, as_json: bool) -> None:
    """Start the agent for this state directory in the background (nothing if one runs)."""
    status = ask("ping", timeout=5)
    if status is None:
        log = private_dir("agent") / "agent.log"
        pid = spawn([sys.executable, "-m", "harness", "agent", "run", "--idle", str(idle)], log)
        deadline = time.monotonic() + START_TIMEOUT
        while (status := ask("ping", timeout=5)) is None:
            if not pid_alive(pid) or time.monotonic() > deadline:
                raise InfrastructureError(f"the agent did not start; see {log}")
            time.sleep(0.05)
    _show(status, as_json)


@command.command()
def stop() -> None:
    """Stop the agent once its current request is done."""
    status = ask("stop", timeout=5)
    if status is None:
        click.echo("agent: not running")
        return
    while pid_alive(int(status["pid"])):
        time.sleep(0.05)
    click.echo(f"agent {status['pid']}: stopped")


@command.command()
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Whether an agent serves this state directory (exit 3 when none does)."""
    status = ask("ping", timeout=5)
    if status is None:
        if as_json:
            emit_json({"running": False})
        else:
            click.echo("agent: not running")
        ctx.exit(ExitCode.INFRASTRUCTURE)
    _show(status, as_json)


@command.command()
@click.option("--idle", default=IDLE_DEFAULT, show_default=True, type=click.FloatRange(1),
              help="Stop after this many seconds without a request.")
def run(idle: float) -> None:
    """Serve in the foreground (what `start` runs in the background)."""
    from harness.agent.server import serve  # the agent's imports: everything `shard up` needs

    logging.getLogger().setLevel(logging.INFO)
    serve(idle)


def _show(status: dict[str, object], as_json: bool) -> None:
    if as_json:
        emit_json({"running": True, **status})
    else:
        click.echo(f"agent {status['pid']}: running, {status['requests']} request(s) served")
