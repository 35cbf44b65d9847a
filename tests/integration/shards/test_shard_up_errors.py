"""Bad input to `shard up`: one clear line, the documented exit code, and nothing left behind."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import kombu
import pytest

from harness.sandbox.cloud import SandboxCloud
from harness.sessions import SessionStore
from tests.integration.shards.harness_cli import cloud_of, harness


def refused(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit code and the stderr of a `shard up` that must fail, which must be one line."""
    done = harness(config, "shard", "up", *args, check=False, env=env)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return done.returncode, lines[0]


def assert_nothing_left(config: Path, state_dir: Path) -> None:
    assert SessionStore().all() == []
    assert json.loads(harness(config, "shard", "ls", "--json").stdout) == []
    assert list((state_dir / "creds").glob("sessions/*.json")) == []


def test_unknown_cloud(shard_cloud: Path, state_dir: Path) -> None:
    code, line = refused(shard_cloud, "--cloud", "no-such-cloud", "--host", "cmp-u")
    assert code == 2 and "no-such-cloud" in line and str(shard_cloud) in line
    assert_nothing_left(shard_cloud, state_dir)


def test_missing_image(shard_cloud: Path, state_dir: Path) -> None:
    cloud = cloud_of(shard_cloud)
    code, line = refused(shard_cloud, "--cloud", cloud.name, "--host", "cmp-i",
                         "--image", "shadow-harness/no-such-image:none")
    assert code == 2 and "shadow-harness/no-such-image:none" in line and "not found" in line
    assert_nothing_left(shard_cloud, state_dir)


def test_docker_not_running(shard_cloud: Path, state_dir: Path) -> None:
    cloud = cloud_of(shard_cloud)
    dead_engine = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    code, line = refused(shard_cloud, "--cloud", cloud.name, "--host", "cmp-d",
                         "--image", "shadow-harness/hollow:test", env=dead_engine)
    assert code == 3 and "Docker is not running at unix:///nonexistent/docker.sock" in line
    assert_nothing_left(shard_cloud, state_dir)


@pytest.fixture
def foreign_consumer(amqp_url: str) -> Iterator[str]:
    """Something other than the harness already consuming compute.<host>: the host it serves."""
    host = "cmp-taken"
    with kombu.Connection(amqp_url) as conn:
        queue = kombu.Queue(f"compute.{host}", kombu.Exchange("nova", "topic", durable=False),
                            routing_key=f"compute.{host}", durable=False)
        with conn.Consumer(queue, callbacks=[lambda body, message: None]):
            yield host
        queue(conn.default_channel).delete()


def test_host_with_a_consumer_is_refused_unless_forced(
    shard_cloud: Path, state_dir: Path, foreign_consumer: str
) -> None:
    cloud = cloud_of(shard_cloud)
    code, line = refused(shard_cloud, "--cloud", cloud.name, "--host", foreign_consumer)
    assert code == 2 and f"already has a consumer on compute.{foreign_consumer}" in line
    assert "--force" in line
    assert_nothing_left(shard_cloud, state_dir)

    with SandboxCloud.from_cloud(cloud):  # kept up until down: a shard mid-call stops slowly
        up = harness(shard_cloud, "shard", "up", "--cloud", cloud.name, "--host",
                     foreign_consumer, "--force", "--json")
        session_id = json.loads(up.stdout)["session"]
        listing = json.loads(harness(shard_cloud, "shard", "ls", "--json").stdout)
        assert [(r["shard"], r["state"]) for r in listing] == [(foreign_consumer, "running")]
        down = harness(shard_cloud, "shard", "down", session_id)
    # The queue was there before the shard joined: down leaves it to its first consumer.
    assert f"queue compute.{foreign_consumer}" not in down.stdout
    assert_nothing_left(shard_cloud, state_dir)
