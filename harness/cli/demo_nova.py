"""`harness demo --nova`: check that the nova cloud is there, run the demo on it, and print and
publish its report as the plain demo does."""

from pathlib import Path

import click
import requests

from harness.cli.demo import show_report
from harness.config import load_cloud, load_clouds
from harness.errors import InfrastructureError
from harness.exitcodes import ExitCode
from harness.foreground import stop_on_signals
from harness.nova.traffic import nova_traffic
from harness.shadow.nova_demo import Interrupted, NovaDemo

DEV_UP = "run `harness dev up --nova`"
OPERATION_TIMEOUT = 180.0  # one build or delete on a shared box


def require_nova_cloud(name: str, cloud_config: str | None) -> None:
    """An infrastructure error (exit 3) saying what to run when the cloud is not in clouds.yaml
    or its nova-api does not answer."""
    path, clouds = load_clouds(cloud_config)
    if name not in clouds.clouds:
        raise InfrastructureError(f"{path}: no nova cloud {name!r}; {DEV_UP}")
    compute = load_cloud(name, cloud_config).endpoints.get("compute")
    if compute is None:
        raise InfrastructureError(f"{path}: cloud {name!r} has no compute endpoint: not a "
                                  f"nova cloud; {DEV_UP}")
    try:
        requests.get(compute, timeout=10)
    except requests.RequestException:
        raise InfrastructureError(f"cloud {name!r}: its nova-api at {compute} does not answer; "
                                  f"{DEV_UP}") from None


def nova_demo(ctx: click.Context, cloud_name: str, regression: str, lifecycles: int,
              rate: float, steps: tuple[str, ...], sample: float, output: Path, as_json: bool,
              expect_change: bool) -> None:
    """Run the demo until done or interrupted (what it started goes either way), then report
    and exit as the plain demo does."""
    cloud_config = ctx.obj.get("cloud_config")
    require_nova_cloud(cloud_name, cloud_config)
    compute = load_cloud(cloud_name, cloud_config).endpoints["compute"]
    demo = NovaDemo(cloud_name, cloud_config, regression, lifecycles, rate, sample,
                    lambda host: nova_traffic(compute, steps, OPERATION_TIMEOUT,
                                                 zone=f"nova:{host}")[1],
                    lambda line: click.echo(f"demo: {line}", err=True))
    with stop_on_signals() as stop:
        try:
            result = demo.run(stop)
        except Interrupted:
            click.echo("demo: interrupted; what it started is stopped", err=True)
            raise click.Abort() from None
    report = result.report
    show_report(report, output, as_json,
                f"{demo.lifecycles} lifecycles on {report.production_host}, "
                f"{result.book.failure_count()} operations failed")
    for operation, reasons in sorted(result.book.failures.items()):
        click.echo(f"demo: {operation} failed: {reasons[0]}", err=True)
    click.echo(f"demo: {result.outcome()}", err=True)
    failed = not result.as_expected if expect_change else report.failed
    ctx.exit(ExitCode.FINDINGS if failed else ExitCode.OK)
