"""`harness scale run | render`: CI scale jobs from a scenario file."""

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from harness.cli.output import emit_json, json_option
from harness.config import load_cloud
from harness.errors import ConfigError
from harness.exitcodes import ExitCode
from harness.scale.kubernetes import KubernetesTarget
from harness.scale.scenario import load_scenario

if TYPE_CHECKING:
    from harness.scale.run import ScaleRun


@click.group(name="scale")
def command() -> None:
    """CI scale jobs: hundreds of hollow shards against a real broker, with SLAs."""


def _status(run: "ScaleRun") -> str:
    """One line: where the ramp is, what the step has done, what the control plane does."""
    driving = run.phase == "driving traffic"
    index = len(run.result.steps) + (1 if driving else 0)
    parts = [f"step {max(index, 1)}/{len(run.scenario.ramp)}", f"hosts {run.hosts_up}",
             run.phase]
    if run.step is not None and driving:
        iterations = run.step.book.iterations
        failed = sum(1 for it in iterations if not it.ok)
        parts.append(f"iterations {len(iterations)}/{run.scenario.traffic.runner.times} "
                     f"failed {failed}")
    last = run.last_sample()
    if last is not None:
        parts.append(f"conductor {_percent(last.conductor_cpu)} db {_percent(last.database_cpu)}"
                     f" queued {'-' if last.queue_messages is None else last.queue_messages}")
    return " | ".join(parts)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


@command.command()
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cloud", "cloud_name", required=True, help="Cloud (from clouds.yaml) to drive.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("scale-report"), show_default=True,
              help="Where the reports go: report.txt, report.json, junit.xml, samples.csv, "
                   "operations.csv, report.html.")
@json_option
@click.pass_context
def run(ctx: click.Context, scenario_file: Path, cloud_name: str, output_dir: Path,
        as_json: bool) -> None:
    """Run SCENARIO_FILE's ramp against the cloud's control plane; exit 1 on a missed SLA.

    Brings the shards up as `shard up` does, drives the traffic through the cloud's control
    plane (the running `sandbox up`, started for the job when none runs; or real nova's
    nova-api, its builds landing on the job's hosts only), samples the conductor, database and
    broker, judges the SLAs per ramp step, and tears everything down, on Ctrl-C too.
    """
    from harness.scale.planes import plane_for
    from harness.scale.report import ScaleReport, write_reports
    from harness.scale.report.text import render_text
    from harness.scale.run import ScaleRun

    scenario = load_scenario(scenario_file)
    cloud_config = ctx.obj.get("cloud_config") if ctx.obj else None
    cloud = load_cloud(cloud_name, cloud_config)
    refused = plane_for(cloud).refusal(scenario)
    if refused is not None:
        raise ConfigError(f"{scenario_file}: field {refused[0]}: {refused[1]} (cloud "
                          f"{cloud_name!r})")
    job = ScaleRun(scenario, cloud, cloud_config)
    stop = threading.Event()
    live = sys.stderr.isatty()
    ticks = [0]

    def progress(current: ScaleRun) -> None:
        ticks[0] += 1
        if live:
            click.echo(f"\r\033[K{_status(current)}", nl=False, err=True)
        elif ticks[0] % 5 == 0:
            click.echo(_status(current), err=True)

    def interrupted(_signum: int, _frame: FrameType | None) -> None:
        stop.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)
    click.echo(f"scale: {scenario.name!r} on cloud {cloud_name}: ramp "
               f"{' -> '.join(map(str, scenario.ramp))} hosts, {scenario.duration:g}s a step; "
               "Ctrl-C stops and tears down", err=True)
    try:
        result = job.run(stop, progress)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if live:
        click.echo("", err=True)
    report = ScaleReport.of(result)
    written = write_reports(report, output_dir)
    if as_json:
        emit_json({"passed": report.passed, "session": result.session,
                   "missed": [v.name for v in report.missed],
                   "reports": {name: str(path) for name, path in written.items()}})
    else:
        click.echo(render_text(report), nl=False)
        click.echo(f"reports in {output_dir}/ (report.html, junit.xml, ...)", err=True)
    if not report.passed:
        ctx.exit(ExitCode.FINDINGS)


@command.command()
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kubernetes", "kubernetes", is_flag=True, required=True,
              help="Render Kubernetes objects (the one format so far).")
@click.option("--cloud", "cloud_name", required=True, help="Cloud (from clouds.yaml) to join.")
@click.option("--namespace", default=KubernetesTarget.namespace, show_default=True)
@click.option("--image", default=KubernetesTarget.image, show_default=True,
              help="The hollow compute's image (a scenario's image:NAME kind wins).")
@click.option("--vault-role", default=KubernetesTarget.vault_role, show_default=True,
              help="Vault role of the Kubernetes auth method, and of the rabbitmq engine.")
@click.option("--vault-auth-path", default=KubernetesTarget.vault_auth_path, show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the manifests here instead of stdout.")
@click.pass_context
def render(ctx: click.Context, scenario_file: Path, kubernetes: bool, cloud_name: str,
           namespace: str, image: str, vault_role: str, vault_auth_path: str,
           output: Path | None) -> None:
    """Write SCENARIO_FILE's shards as Kubernetes Deployments, one per shard group.

    Credentials come from Vault through its Kubernetes auth method (Vault Agent injector
    annotations); Kubernetes places the pods.
    """
    from harness.cloud.access import service_endpoints
    from harness.scale.kubernetes import manifests_yaml, render_kubernetes

    del kubernetes  # required: the only format until Ansible's lands
    scenario = load_scenario(scenario_file)
    if scenario.shards.kind == "nova":
        raise ConfigError(f"{scenario_file}: field shards.kind: nova shards run through `scale "
                          "run`; Kubernetes renders hollow shards only (hollow or image:NAME)")
    cloud = load_cloud(cloud_name, ctx.obj.get("cloud_config") if ctx.obj else None)
    target = KubernetesTarget(namespace, image, vault_role, vault_auth_path)
    objects = render_kubernetes(scenario, cloud, service_endpoints(cloud), target)
    text = manifests_yaml(objects)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        click.echo(f"wrote {len(objects)} objects to {output}", err=True)
