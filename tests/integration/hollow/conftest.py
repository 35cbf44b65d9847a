"""A sandbox cloud (SQLite) on the test's own vhost, for driving hollow shards directly."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.sandbox.cloud import SandboxCloud


@pytest.fixture
def sandbox(tmp_path: Path, amqp_url: str) -> Iterator[SandboxCloud]:
    """A started sandbox cloud; stopped after the test."""
    cloud = SandboxCloud(amqp_url, "nova", f"sqlite:///{tmp_path / 'sandbox.sqlite'}")
    cloud.start()
    yield cloud
    cloud.stop()
