"""`harness clouds ls | show`: see and validate the clouds.yaml in force."""

import click

from harness.cli.output import emit_json, json_option
from harness.config import load_cloud, load_clouds
from harness.tables import format_table


@click.group(name="clouds")
def command() -> None:
    """List and validate the clouds described in clouds.yaml."""


@command.command(name="ls")
@json_option
@click.pass_context
def list_clouds(ctx: click.Context, as_json: bool) -> None:
    """List every cloud with its bus and Vault addresses (validates the whole file)."""
    path, clouds = load_clouds(ctx.obj["cloud_config"])
    rows = [
        {"cloud": name, "bus": c.bus.url, "vault": c.vault.address if c.vault else "",
         "database": c.database.url if c.database else ""}
        for name, c in clouds.clouds.items()
    ]
    if as_json:
        emit_json({"file": str(path), "clouds": rows})
        return
    click.echo(f"{path}")
    click.echo(format_table(["cloud", "bus", "vault", "database"],
                            [list(r.values()) for r in rows]))


@command.command()
@click.argument("name")
@click.pass_context
def show(ctx: click.Context, name: str) -> None:
    """Print one cloud as the harness understands it, defaults filled in, as JSON."""
    emit_json(load_cloud(name, ctx.obj["cloud_config"]).model_dump())
