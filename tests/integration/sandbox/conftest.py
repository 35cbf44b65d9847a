"""A sandbox cloud on the test's own vhost, a clouds.yaml for subprocesses, hollow shard runners."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from harness.dev.services.rabbitmq import local_password, local_user

HARNESS = str(Path(sys.executable).parent / "harness")


@pytest.fixture
def bus_password_file(tmp_path: Path) -> Path:
    """The broker password in a 0600 file, as a `{file: PATH}` secret reference points at."""
    path = tmp_path / "bus-password"
    path.write_text(local_password())
    path.chmod(0o600)
    return path


def write_clouds_yaml(path: Path, name: str, vhost: str, password_file: Path,
                      **extra: object) -> Path:
    """A clouds.yaml with one cloud on the test's vhost, its password in a file."""
    cloud = {"bus": {"url": f"amqp://{local_user()}@127.0.0.1:5672/{vhost}",
                     "password": {"file": str(password_file)}, "control_exchange": "nova"},
             **extra}
    path.write_text(yaml.safe_dump({"clouds": {name: cloud}}))
    return path


class HollowProcess:
    """`harness hollow run` in a subprocess, stopped with SIGTERM."""

    def __init__(self, args: list[str], state_dir: Path) -> None:
        env = {**os.environ, "HARNESS_STATE_DIR": str(state_dir)}
        self.process = subprocess.Popen([HARNESS, *args], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)

    def terminate(self, timeout: float = 20) -> tuple[int, str]:
        """SIGTERM, wait, and return the exit code and stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, err


@pytest.fixture
def hollow_processes(tmp_path: Path) -> Iterator[list[HollowProcess]]:
    """Subprocesses a test starts; any still running at the end is killed."""
    started: list[HollowProcess] = []
    yield started
    for proc in started:
        if proc.process.poll() is None:
            proc.process.kill()
            proc.process.communicate()
