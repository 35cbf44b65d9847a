"""Every command group, each in its own module, imported only when it is used.

Importing all of them costs most of a second (SQL parser, Docker SDK, ...), which a shard
launch or a `--help` should not pay for groups it does not touch.
"""

import importlib

import click

# name -> its module's one-line summary, for `harness --help` (a unit test keeps them equal)
GROUPS = {
    "agent": "A warm harness process that serves `shard up` without paying for imports.",
    "dev": "A real local cloud on loopback: RabbitMQ, MariaDB, PostgreSQL, OpenBao, Docker.",
    "clouds": "List and validate the clouds described in clouds.yaml.",
    "creds": "Vault-issued credentials for shards: bootstrap, issue, list, revoke, gc.",
    "shard": "Launch, list, follow and stop ad hoc shards wired into a cloud.",
    "image": "Build shard images without a registry, on the base image 'harness dev up' makes.",
    "shadow": "Shadow sessions: mirror a production host's traffic to a candidate and compare.",
    "hollow": "Run hollow compute shards: nova-compute-like services with a fake hypervisor.",
    "sandbox": "The embedded cloud: conductor, scheduler, image and network services, traffic.",
    "ddl": "Expand/contract validation of migrations against database snapshots.",
    "scale": "CI scale jobs: hundreds of hollow shards against a real broker, with SLAs.",
    "demo": "Run a complete shadow session with no external service and report the "
            "differences.",
    "gc": "Find dead sessions and remove their containers, processes, queues, vhosts and "
          "leases.",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are `harness.cli.<name>.command`, loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every group's name, without importing any of them."""
        return sorted(GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the named group's module now."""
        if cmd_name not in GROUPS:
            return super().get_command(ctx, cmd_name)
        command: click.Command = importlib.import_module(f"harness.cli.{cmd_name}").command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The groups from their summaries: listing them imports none."""
        limit = formatter.width - 6 - max(map(len, GROUPS))
        rows = [(name, click.Command(name, help=GROUPS[name]).get_short_help_str(limit))
                for name in sorted(GROUPS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
