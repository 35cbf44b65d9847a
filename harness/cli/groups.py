"""Every command group, each in its own module, imported only when it is used.

Importing all of them costs most of a second (SQL parser, Docker SDK, ...), which a shard
launch or a `--help` should not pay for groups it does not touch.
"""

import importlib

import click

GROUP_MODULES = (
    "dev",
    "clouds",
    "creds",
    "shard",
    "image",
    "shadow",
    "hollow",
    "sandbox",
    "ddl",
    "scale",
    "demo",
    "gc",
)


class LazyGroup(click.Group):
    """A click group whose subcommands are `harness.cli.<name>.command`, loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every group's name, without importing any of them."""
        return sorted({*super().list_commands(ctx), *GROUP_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the named group's module now."""
        if cmd_name not in GROUP_MODULES:
            return super().get_command(ctx, cmd_name)
        command: click.Command = importlib.import_module(f"harness.cli.{cmd_name}").command
        return command
