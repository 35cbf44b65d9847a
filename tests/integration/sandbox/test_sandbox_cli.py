"""`harness sandbox boot` in a subprocess drives lifecycles through shards started here."""

import json
import signal
import subprocess
import time
from pathlib import Path

from harness.hollow.shard_set import ShardOptions, ShardSet
from tests.integration.sandbox.conftest import HARNESS, write_clouds_yaml
from tests.integration.shards.conftest import free_port


def test_boot_prints_percentiles_as_json(tmp_path: Path, amqp_url: str, rabbit_vhost: str,
                                         bus_password_file: Path) -> None:
    clouds = write_clouds_yaml(tmp_path / "clouds.yaml", "t", rabbit_vhost, bus_password_file,
                               database={"url": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    state = tmp_path / "state"
    boot = subprocess.Popen(
        [HARNESS, "--cloud-config", str(clouds), "sandbox", "boot", "--cloud", "t", "--count",
         "5", "--rate", "5", "--wait-hosts", "30", "--json"],
        env={"PATH": "/usr/bin:/bin", "HARNESS_STATE_DIR": str(state)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    published = state / "sandbox" / "t.endpoints.json"
    try:
        for _ in range(150):
            if published.is_file() or boot.poll() is not None:
                break
            time.sleep(0.1)
        assert published.is_file(), boot.communicate(timeout=5)
        # The shard's last resource report follows the delete that ends boot's run, after
        # boot's conductor is gone: a short RPC timeout keeps the shard's stop quick.
        shards = ShardSet(amqp_url, "nova", ["boot-0"], json.loads(published.read_text()),
                          options=ShardOptions(conductor_timeout=3))
        shards.start()
        try:
            out, err = boot.communicate(timeout=60)
        finally:
            shards.stop()
    finally:
        if boot.poll() is None:
            boot.kill()
            boot.communicate()
    assert boot.returncode == 0, err
    result = json.loads(out)
    assert result["failures"] == {}
    assert {op: row["count"] for op, row in result["operations"].items()} == {
        "build": 5, "reboot": 5, "delete": 5}
    assert result["operations"]["build"]["p99_ms"] >= result["operations"]["build"]["p50_ms"] > 0


def test_boot_drives_a_running_sandbox_up(tmp_path: Path, amqp_url: str, rabbit_vhost: str,
                                          bus_password_file: Path) -> None:
    clouds = write_clouds_yaml(tmp_path / "clouds.yaml", "t", rabbit_vhost, bus_password_file,
                               database={"url": f"sqlite:///{tmp_path / 'db.sqlite'}"},
                               endpoints={"image": f"http://127.0.0.1:{free_port()}/",
                                          "network": f"http://127.0.0.1:{free_port()}/"})
    env = {"PATH": "/usr/bin:/bin", "HARNESS_STATE_DIR": str(tmp_path / "state")}
    up = subprocess.Popen([HARNESS, "--cloud-config", str(clouds), "sandbox", "up", "--cloud",
                           "t"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    shards = ShardSet(amqp_url, "nova", ["beside-0", "beside-1"],
                      {"image": "", "network": ""}, options=ShardOptions(conductor_timeout=5))
    try:
        published = tmp_path / "state" / "sandbox" / "t.endpoints.json"
        for _ in range(150):
            if published.is_file() or up.poll() is not None:
                break
            time.sleep(0.1)
        assert published.is_file(), up.communicate(timeout=5)
        shards.endpoints.update(json.loads(published.read_text()))
        shards.start()
        boot = subprocess.run(
            [HARNESS, "--cloud-config", str(clouds), "sandbox", "boot", "--cloud", "t",
             "--count", "6", "--rate", "6", "--steps", "build,stop,start,delete", "--json"],
            env=env, capture_output=True, text=True, timeout=120, check=False)
        assert boot.returncode == 0, boot.stderr
        assert "driving the running control plane" in boot.stderr
        result = json.loads(boot.stdout)
        assert result["failures"] == {}
        assert {op: row["count"] for op, row in result["operations"].items()} == {
            "build": 6, "stop": 6, "start": 6, "delete": 6}
        assert up.poll() is None, "sandbox up ended while boot ran beside it"
    finally:
        shards.stop()
        up.send_signal(signal.SIGINT)
        up.communicate(timeout=30)
