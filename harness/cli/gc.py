"""`harness gc`: remove what crashed sessions left behind."""

import click

from harness.cli.output import emit_json, json_option
from harness.sessions import SessionStore
from harness.sessions.gc import collect


@click.command(name="gc")
@json_option
def command(as_json: bool) -> None:
    """Find dead sessions and remove their containers, processes, queues, vhosts and leases."""
    result = collect(SessionStore())
    if as_json:
        emit_json({"removed": result.removed, "errors": result.errors})
        return
    if not result.removed and not result.errors:
        click.echo("nothing to collect")
    for session_id, removed in result.removed.items():
        for item in removed:
            click.echo(f"{session_id}: removed {item}")
    for session_id, error in result.errors.items():
        click.echo(f"{session_id}: could not clean: {error}", err=True)
