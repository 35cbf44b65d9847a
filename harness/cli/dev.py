"""`harness dev up | down | status`: the real local cloud for development and tests."""

from typing import Any

import click

from harness.cli.output import emit_json, json_option
from harness.dev.broker_admin import ensure_admin, retire_user
from harness.dev.local_cloud import bootstrap_vault, prepare_local_cloud, write_local_cloud
from harness.dev.services import LocalService, all_services
from harness.dev.services.rabbitmq import WELL_KNOWN_USER, local_management
from harness.dev.state import DevState, exclusive
from harness.exitcodes import ExitCode
from harness.system.base_image import base_image_tag, ensure_base_image
from harness.system.containers import bridge_exists, docker_client
from harness.tables import format_table


@click.group(name="dev")
def command() -> None:
    """A real local cloud on loopback: RabbitMQ, MariaDB, PostgreSQL, OpenBao, Docker."""


def _services(nova: bool) -> list[LocalService]:
    """The machine's services, and the local nova cloud's when asked or once installed."""
    from harness.dev.services.nova import nova_installed, nova_services

    return [*all_services(), *(nova_services() if nova or nova_installed() else [])]


def _status_rows(nova: bool = False) -> list[dict[str, Any]]:
    """Probe every service without changing anything."""
    rows = []
    for service in _services(nova):
        probe = service.probe()
        rows.append({"service": service.name, "address": service.address,
                     "answering": probe.answering, "version": probe.version,
                     "detail": probe.detail})
    return rows


def _print_status(rows: list[dict[str, Any]], as_json: bool, extra: dict[str, Any]) -> None:
    if as_json:
        emit_json({"services": rows, **extra})
        return
    table = [[r["service"], r["address"], "yes" if r["answering"] else "NO", r["version"],
              r["detail"]] for r in rows]
    click.echo(format_table(["service", "address", "answering", "version", "detail"], table))
    for key, value in extra.items():
        click.echo(f"{key}: {value}")


@command.command()
@click.option("--no-image", is_flag=True, help="Skip building the base image for shards.")
@click.option("--nova", is_flag=True,
              help="Also the local real nova cloud: placement, conductor, scheduler, API.")
@json_option
def up(no_image: bool, nova: bool, as_json: bool) -> None:
    """Start what is missing (idempotent), build the base image, write the `local` cloud
    (and with --nova, the `nova-local` cloud)."""
    with exclusive(_say_waiting):
        _up(no_image, nova, as_json)


def _say_waiting() -> None:
    click.echo("dev: another `harness dev up` or `dev down` is running; waiting for it",
               err=True)


def _up(no_image: bool, nova: bool, as_json: bool) -> None:
    """Everything `dev up` does, under the lock."""
    state = DevState.load()
    for service in all_services():
        click.echo(f"dev up: {service.name} ...", err=True)
        record = service.ensure()
        if record is not None:
            state.started[service.name] = record
            state.save()
    extra: dict[str, Any] = {}
    if not no_image:
        click.echo("dev up: base image (debootstrap on first run, a minute) ...", err=True)
        tag, built = ensure_base_image(docker_client())
        extra["base_image"] = f"{tag} ({'built' if built else 'cached'})"
    click.echo("dev up: the harness's own broker administrator ...", err=True)
    extra["broker_admin"] = ensure_admin()
    extra["clouds_yaml"] = str(write_local_cloud())
    click.echo("dev up: Vault engines, policies and roles for the local cloud ...", err=True)
    extra["vault_bootstrap"] = ", ".join(prepare_local_cloud()) or "already configured"
    if nova:
        extra.update(_nova_up(state))
    # Last, once everything of the harness uses its own administrator.
    retired = retire_user(local_management(), WELL_KNOWN_USER)
    extra[f"broker_{WELL_KNOWN_USER}"] = "deleted" if retired else "not present"
    _print_status(_status_rows(nova), as_json, extra)


def _nova_up(state: DevState) -> dict[str, Any]:
    """Bring the local nova cloud up and write it into clouds.yaml as `nova-local`."""
    from harness.nova.control_plane import nova_up
    from harness.nova.layout import CLOUD_NAME

    done = nova_up(state, lambda line: click.echo(line, err=True))
    write_local_cloud(name=CLOUD_NAME, entry=done.pop("cloud"))
    bootstrapped = bootstrap_vault(CLOUD_NAME)
    return {f"nova_{key}": value for key, value in done.items()} | {
        "nova_vault_bootstrap": ", ".join(bootstrapped) or "already configured"}


@command.command()
def down() -> None:
    """Stop only what `dev up` started; services that were already running stay."""
    with exclusive(_say_waiting):
        state = DevState.load()
        by_name = {s.name: s for s in _services(nova=True)}
        for name, record in reversed(list(state.started.items())):
            click.echo(f"dev down: stopping {name}", err=True)
            by_name[name].stop(record)
            del state.started[name]
            state.save()


@command.command()
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show each service, its address, whether it answers, its version; exit 3 if one is down."""
    rows = _status_rows()
    extra: dict[str, Any] = {"docker0_bridge": bridge_exists()}
    if any(r["service"] == "docker" and r["answering"] for r in rows):
        tag = base_image_tag()
        extra["base_image"] = tag if _image_present(tag) else f"{tag} (missing)"
    _print_status(rows, as_json, extra)
    if not all(r["answering"] for r in rows):
        ctx.exit(ExitCode.INFRASTRUCTURE)


def _image_present(tag: str) -> bool:
    import docker.errors

    try:
        docker_client().images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True
