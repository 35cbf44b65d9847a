"""Bus URLs get their password in memory only; endpoints come from clouds.yaml or a sandbox."""

from pathlib import Path

import pytest

from harness.cloud.access import publish_endpoints, service_endpoints, with_password
from harness.config.schema import Cloud
from harness.errors import ConfigError
from harness.hollow.shard_set import shard_hosts


def test_password_is_quoted_into_the_url() -> None:
    url = with_password("amqp://guest@127.0.0.1:5672/vh", "p@ss:/word")
    assert url == "amqp://guest:p%40ss%3A%2Fword@127.0.0.1:5672/vh"
    assert with_password("amqp://guest@127.0.0.1/", None) == "amqp://guest@127.0.0.1/"


def _cloud(name: str, **endpoints: str) -> Cloud:
    return Cloud(name=name, bus={"url": "amqp://guest@127.0.0.1:5672/"}, endpoints=endpoints)


def test_missing_endpoints_name_the_field_and_the_fix(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"cloud 'c1': field endpoints: no image, network"):
        service_endpoints(_cloud("c1"))


def test_a_running_sandbox_fills_in_what_clouds_yaml_lacks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path))
    publish_endpoints("c2", {"image": "http://127.0.0.1:1", "network": "http://127.0.0.1:2"})
    found = service_endpoints(_cloud("c2", image="http://127.0.0.1:9"))
    assert found == {"image": "http://127.0.0.1:9", "network": "http://127.0.0.1:2"}


def test_shard_hosts() -> None:
    assert shard_hosts("cmp", 1) == ["cmp"]
    assert shard_hosts("cmp", 3) == ["cmp-0", "cmp-1", "cmp-2"]
    with pytest.raises(ValueError, match="at least 1"):
        shard_hosts("cmp", 0)
