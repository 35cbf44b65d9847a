"""The `harness` command line: one group per job, one exit-code convention."""

import logging
import sys

import click

from harness import __version__
from harness.cli.groups import LazyGroup
from harness.errors import REPORTED
from harness.exitcodes import ExitCode


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "--cloud-config",
    type=click.Path(dir_okay=False),
    envvar="HARNESS_CLOUD_CONFIG",
    help="clouds.yaml to use instead of ./clouds.yaml or ~/.config/shadow-harness/clouds.yaml.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, cloud_config: str | None) -> None:
    """Wire components under test into live, OpenStack-shaped clouds.

    Exit codes: 0 ok, 1 findings (diffs, failed rules), 2 usage or configuration
    error, 3 infrastructure unreachable.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["cloud_config"] = cloud_config



def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every reported error into one line on stderr and its exit code."""
    try:
        code = cli.main(args=argv, prog_name="harness", standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("harness: aborted", err=True)
        sys.exit(ExitCode.USAGE)
    except REPORTED as error:
        click.echo(f"harness: error: {error}", err=True)
        sys.exit(error.exit_code)
    # Without standalone mode click returns ctx.exit()'s code instead of exiting with it.
    if isinstance(code, int) and code:
        sys.exit(code)
