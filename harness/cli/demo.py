"""`harness demo`: the main job on the embedded default, a complete shadow session."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from harness.bus import memory
from harness.cli.output import emit_json
from harness.config import load_cloud
from harness.errors import UsageError
from harness.exitcodes import ExitCode
from harness.nova.layout import CLOUD_NAME as NOVA_CLOUD
from harness.nova.patched import regressions
from harness.sandbox.traffic import KNOWN_STEPS, check_steps
from harness.sessions.model import new_session_id
from harness.shadow.candidates import CHANGES
from harness.shadow.embedded import LIFECYCLE, EmbeddedExperiment, Vhosts
from harness.shadow.publish import publish
from harness.shadow.report import RENDERERS, Report

CAPS = {"compute": "6.4", "conductor": "3.0"}
DEFAULT_CHANGE = "resource-accounting"
LIFECYCLES = {False: 20, True: 3}  # by --nova: a real nova-compute builds a few at a time
RATES = {False: 20.0, True: 1.0}
DEFAULT_REGRESSION = "spawn-shutdown"  # named by the build's own Instance.save


@contextmanager
def memory_vhosts(session: str) -> Iterator[Vhosts]:
    """Vhosts on the in-process broker, forgotten afterwards."""
    names = [f"demo.{session}.{side}" for side in ("production", "control", "candidate")]
    try:
        production, control, candidate = (memory.url_for(name) for name in names)
        yield Vhosts(production, control, candidate,
                     firehose=lambda url: memory.set_tracing(url.rsplit("/", 1)[1], True))
    finally:
        for name in names:
            memory.delete_vhost(name)


@contextmanager
def cloud_vhosts(ctx: click.Context, cloud_name: str, session: str) -> Iterator[Vhosts]:
    """Vhosts of the cloud's own broker, made for the demo and deleted afterwards."""
    from harness.cloud.access import bus_url
    from harness.cloud.clients import CloudClients, bus_user

    cloud = load_cloud(cloud_name, ctx.obj.get("cloud_config"))
    clients = CloudClients(cloud)
    base = bus_url(cloud).rsplit("/", 1)[0]
    names = [f"demo.{session}.{side}" for side in ("production", "control", "candidate")]
    try:
        for name in names:
            clients.management.create_vhost(name)
            clients.management.set_permissions(name, bus_user(cloud))
        production, control, candidate = (f"{base}/{name}" for name in names)
        yield Vhosts(production, control, candidate,
                     firehose=lambda url: clients.management.set_tracing(url.rsplit("/", 1)[1],
                                                                         True))
    finally:
        for name in names:
            clients.management.delete_vhost(name)


@click.command(name="demo")
@click.option("--change", type=click.Choice(sorted(CHANGES)),
              help=f"How the candidate differs from production (default: {DEFAULT_CHANGE}).")
@click.option("--nova", is_flag=True, help="Run on the real nova cloud (`harness dev up "
              "--nova`): a production nova-compute, a candidate nova with a seeded regression.")
@click.option("--regression", type=click.Choice(sorted(regressions())),
              help=f"With --nova: the seeded regression (default: {DEFAULT_REGRESSION}).")
@click.option("--lifecycles", type=click.IntRange(1, 10_000),
              help=f"Instance lifecycles (see --steps) to mirror (default: "
                   f"{LIFECYCLES[False]}; with --nova {LIFECYCLES[True]}).")
@click.option("--rate", type=click.FloatRange(0.1),
              help=f"Lifecycles started per second (default: {RATES[False]:g}; with --nova "
                   f"{RATES[True]:g}).")
@click.option("--steps", default=",".join(LIFECYCLE), show_default=True,
              help="The operations of each lifecycle, comma-separated (build first, delete "
                   f"last; known: {', '.join(KNOWN_STEPS)}).")
@click.option("--sample", default=1.0, show_default=True, type=click.FloatRange(0, 1),
              help="Fraction of instances mirrored to the shadows (consistent per instance).")
@click.option("--no-control", is_flag=True, help="Run without a control shadow (no noise "
              "subtraction).")
@click.option("--cloud", "cloud_name", help="Run against this cloud's RabbitMQ instead of the "
              f"in-process broker; with --nova, the nova cloud (default: {NOVA_CLOUD}).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("shadow-report.html"), show_default=True,
              help="Where to write the HTML report.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--expect-change", is_flag=True, help="Exit 0 when the report is what the change "
              "should give (differences; none for 'none' and 'slower'; with --nova, what the "
              "regression's patch file expects), 1 when it is not.")
@click.pass_context
def command(ctx: click.Context, change: str | None, nova: bool, regression: str | None,
            lifecycles: int | None, rate: float | None, steps: str, sample: float,
            no_control: bool, cloud_name: str | None, output: Path, as_json: bool,
            expect_change: bool) -> None:
    """Run a complete shadow session with no external service and report the differences.

    A sandbox cloud drives instance lifecycles through a production hollow compute; a control
    shadow (the same code) and a candidate (production with one behaviour changed) see a mirror
    of its traffic in vhosts of their own. With --nova, the same on the real nova cloud: a
    production nova-compute on a demo host, a candidate nova with a seeded regression, the
    lifecycles through nova-api. Exit 1 when unexplained differences are found, or with
    --expect-change when the report is not what the change should give.
    """
    if (change and nova) or (regression and not nova):
        raise UsageError("--change goes with the hollow demo, --regression with --nova")
    try:
        lifecycle = check_steps([step.strip() for step in steps.split(",") if step.strip()])
    except ValueError as error:
        raise UsageError(f"--steps {steps!r}: {error}") from None
    lifecycles = lifecycles or LIFECYCLES[nova]
    rate = rate or RATES[nova]
    if nova:
        from harness.cli.demo_nova import nova_demo

        nova_demo(ctx, cloud_name or NOVA_CLOUD, regression or DEFAULT_REGRESSION, lifecycles,
                  rate, lifecycle, sample, output, as_json, expect_change)
        return
    change = change or DEFAULT_CHANGE
    chosen = CHANGES[change]
    session = new_session_id()
    vhosts = cloud_vhosts(ctx, cloud_name, session) if cloud_name else memory_vhosts(session)
    with tempfile.TemporaryDirectory(prefix="harness-demo-") as tmp, vhosts as urls:
        if no_control:
            urls.control = None
        experiment = EmbeddedExperiment(urls, Path(tmp), chosen.shard, sample=sample,
                                        steps=lifecycle, session=session,
                                        progress=lambda line: click.echo(f"demo: {line}",
                                                                         err=True))
        book = experiment.run(lifecycles, rate)
        report = publish(Path(tmp), session, experiment.host, caps=CAPS,
                         title=f"candidate change: {change} ({chosen.description})")
    show_report(report, output, as_json, f"{lifecycles} lifecycles, {book.failure_count()} "
                "operations failed")
    click.echo(f"demo: {outcome(change, report.failed, chosen.is_difference)}", err=True)
    ctx.exit(exit_code(report.failed, chosen.is_difference, expect_change))


def show_report(report: Report, output: Path, as_json: bool, traffic: str) -> None:
    """The report as HTML at `output`, and as text (or JSON) with a line on production's
    traffic on stdout."""
    output.write_text(RENDERERS["html"](report))
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(RENDERERS["text"](report), nl=False)
        click.echo(f"production traffic: {traffic}; HTML report: {output}")


def outcome(change: str, found: bool, expected: bool) -> str:
    """One line that says whether the comparator saw the seeded change as it should."""
    seen = "differences were reported" if found else "no difference was reported"
    return f"change '{change}': {seen}, {'as' if found == expected else 'NOT as'} expected"


def exit_code(found: bool, expected: bool, expect_change: bool) -> ExitCode:
    """Findings exit 1 for scripts; with --expect-change, only a report the change did not give."""
    failed = found != expected if expect_change else found
    return ExitCode.FINDINGS if failed else ExitCode.OK
