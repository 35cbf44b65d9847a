"""`harness scale`: reserved; its commands land with the issue that builds them."""

import click


@click.group(name="scale")
def command() -> None:
    """CI scale jobs: hundreds of hollow shards against a real broker, with SLAs."""
