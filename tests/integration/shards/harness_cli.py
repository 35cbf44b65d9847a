"""Helpers for shard tests: run the harness CLI on a test cloud, read what a shard was given."""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import kombu
import yaml

from harness.config import Cloud, load_cloud
from harness.creds import state as creds_state


def harness(config: Path, *args: str, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `harness --cloud-config CONFIG ARGS...`; with check, insist it succeeded."""
    done = subprocess.run([sys.executable, "-m", "harness", "--cloud-config", str(config),
                           *args], capture_output=True, text=True, timeout=240, check=False,
                          env=env)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def cloud_of(config: Path) -> Cloud:
    """The one cloud in a test's clouds.yaml."""
    name = next(iter(yaml.safe_load(config.read_text())["clouds"]))
    return load_cloud(name, config)


def login_works(url: str) -> bool:
    """True when the broker accepts a login with this URL."""
    try:
        with kombu.Connection(url, connect_timeout=3) as conn:
            conn.connect()
        return True
    except Exception:
        return False


def shard_login(session_id: str, shard: str) -> Callable[[], bool]:
    """Whether the broker still accepts the login in a shard's credentials bundle (a closure, so
    the password never shows among a failing test's locals)."""
    bundle = creds_state.bundles_dir(session_id, shard) / "credentials.conf"
    transport_url = bundle.read_text().split("transport_url = ")[1].split()[0]
    url = transport_url.replace("rabbit://", "amqp://").replace("$$", "$")

    def works() -> bool:
        return login_works(url)

    return works
