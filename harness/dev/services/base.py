"""One interface for every local service `harness dev` manages."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from harness.system.process import pid_alive, terminate, wait_until


@dataclass(frozen=True)
class Probe:
    """What a service answered when asked: whether it works, and its version."""

    answering: bool
    version: str = ""
    detail: str = ""


class LocalService(ABC):
    """A service on loopback that dev up detects, starts if missing, and dev down stops."""

    name: str
    address: str
    start_timeout: float = 90

    @abstractmethod
    def probe(self) -> Probe:
        """Ask the service whether it answers, without changing anything."""

    @abstractmethod
    def start(self) -> dict[str, Any]:
        """Install if needed and start the service; return what dev down needs to stop it."""

    def ensure(self) -> dict[str, Any] | None:
        """Start the service unless it already answers; return the start record, if any."""
        if self.probe().answering:
            return None
        record = self.start()
        wait_until(lambda: self.probe().answering, f"{self.name} on {self.address}",
                   self.start_timeout)
        return record

    def stop(self, record: dict[str, Any]) -> None:
        """Stop what start() started, as recorded."""
        pid = record.get("pid")
        if isinstance(pid, int) and pid_alive(pid):
            terminate(pid)
