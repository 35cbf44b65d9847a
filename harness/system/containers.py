"""The Docker engine the launchers talk to, reached as the docker CLI would."""

import os
from pathlib import Path
from typing import Any

SOCKET = "/var/run/docker.sock"


def engine_address() -> str:
    """The engine's address: $DOCKER_HOST when set (as the docker CLI does), else the socket."""
    return os.environ.get("DOCKER_HOST") or f"unix://{SOCKET}"


def docker_client() -> Any:
    """A Docker SDK client for the local engine (import deferred: docker is an extra)."""
    import docker

    return docker.DockerClient(base_url=engine_address(), timeout=30)


def bridge_exists() -> bool:
    """True when a docker0 bridge is present, which this project never allows."""
    return Path("/sys/class/net/docker0").exists()
