"""`harness image build`: shard images without a registry."""

from pathlib import Path

import click

from harness.cli.output import emit_json, json_option
from harness.images import HOLLOW_IMAGE, build_from_directory, build_hollow_image


@click.group(name="image")
def command() -> None:
    """Build shard images without a registry, on the base image 'harness dev up' makes."""


@command.command()
@click.option("--from", "source", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A directory with its own Dockerfile (FROM ${BASE_IMAGE}); default: the "
                   "hollow compute.")
@click.option("--tag", "-t", help=f"Image name (default {HOLLOW_IMAGE}, or required with --from).")
@json_option
def build(source: Path | None, tag: str | None, as_json: bool) -> None:
    """Build the hollow compute's image, or a component's from its own directory."""
    if source is not None and not tag:
        raise click.UsageError("--from needs --tag")
    name = tag or HOLLOW_IMAGE
    image_id = build_from_directory(source, name) if source else build_hollow_image(name)
    if as_json:
        emit_json({"image": name, "id": image_id})
    else:
        click.echo(f"built {name} ({image_id[:19]})")
