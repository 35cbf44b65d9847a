"""A Docker engine with no bridge network and no iptables: containers use host networking."""

from typing import Any

from harness.dev.services.base import LocalService, Probe
from harness.paths import dev_dir
from harness.system.containers import SOCKET, bridge_exists, docker_client
from harness.system.process import ensure_binary, run, spawn

DOCKERD_FLAGS = ("--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false")


class DockerEngine(LocalService):
    """The local dockerd."""

    name = "docker"
    address = f"unix://{SOCKET}"

    def probe(self) -> Probe:
        """Ask the engine for its version over its socket."""
        try:
            version = docker_client().version()
        except Exception as error:  # the SDK raises many kinds; any means no answer
            return Probe(False, detail=type(error).__name__)
        return Probe(True, str(version.get("Version", "")), "bridge: none")

    def start(self) -> dict[str, Any]:
        """Start dockerd without a bridge, installing docker.io when missing."""
        dockerd = ensure_binary("dockerd", "docker.io")
        pid = spawn([dockerd, *DOCKERD_FLAGS], dev_dir() / "dockerd.log")
        return {"pid": pid}

    def ensure(self) -> dict[str, Any] | None:
        """Start the engine if needed, and remove a docker0 bridge if one exists."""
        record = super().ensure()
        if bridge_exists():
            run(["ip", "link", "delete", "docker0"])
        return record
