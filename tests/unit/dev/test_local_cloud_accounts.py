"""The `local` cloud dev up writes names the harness's own broker administrator, never guest."""

import yaml

from harness.dev.local_cloud import local_cloud
from harness.dev.services.rabbitmq import ADMIN_SECRET, LOCAL_USER, WELL_KNOWN_USER


def test_local_cloud_uses_the_harness_administrator_by_reference() -> None:
    cloud = local_cloud()
    assert cloud["bus"]["url"].startswith(f"amqp://{LOCAL_USER}@")
    assert cloud["bus"]["password"] == {"vault": ADMIN_SECRET}
    assert WELL_KNOWN_USER not in yaml.safe_dump(cloud)
