"""A fake hypervisor: guests kept in memory, with the accounting that refuses what does not fit."""

import datetime
import threading
import time
from dataclasses import dataclass, field

from harness.hollow.resources import Resources


class HypervisorError(Exception):
    """A hypervisor operation failed; the message says why, as a driver's would."""


class InsufficientResources(HypervisorError):
    """The guest does not fit in what is left on this host."""


class GuestNotFound(HypervisorError):
    """No guest with that uuid lives here."""


class PowerState:
    """nova's power_state codes, as the hollow compute reports them."""

    NOSTATE = 0
    RUNNING = 1
    SHUTDOWN = 4


@dataclass
class Guest:
    """One fake guest: what it takes, whether it runs, what its console printed."""

    uuid: str
    resources: Resources
    image_id: str
    power_state: int = PowerState.RUNNING
    boots: int = 1
    console: list[str] = field(default_factory=list)

    def log(self, line: str) -> None:
        """Append a console line, keeping only the last 100."""
        self.console.append(line)
        del self.console[:-100]


class FakeHypervisor:
    """Guests with memory, vCPU and disk accounting; thread-safe, a few hundred bytes per host."""

    def __init__(self, host: str, capacity: Resources) -> None:
        self.host = host
        self.capacity = capacity
        self._guests: dict[str, Guest] = {}
        self._lock = threading.Lock()
        self._started = time.monotonic()

    def used(self) -> Resources:
        """What the guests living here take."""
        with self._lock:
            return sum((g.resources for g in self._guests.values()), Resources())

    def usage(self) -> tuple[Resources, int]:
        """What the guests take and how many they are, read together (one report's totals)."""
        with self._lock:
            return (sum((g.resources for g in self._guests.values()), Resources()),
                    len(self._guests))

    def free(self) -> Resources:
        """What is left for new guests."""
        return self.capacity - self.used()

    def guest_count(self) -> int:
        """How many guests live here."""
        return len(self._guests)

    def has_guest(self, uuid: str) -> bool:
        """Whether a guest with that uuid lives here."""
        return uuid in self._guests

    def spawn(self, uuid: str, resources: Resources, image_id: str) -> Guest:
        """Create and boot a guest, refusing one that does not fit or already exists."""
        with self._lock:
            if uuid in self._guests:
                raise HypervisorError(f"guest {uuid} already exists on {self.host}")
            room = self.capacity - sum((g.resources for g in self._guests.values()), Resources())
            if not resources.fits_in(room):
                raise InsufficientResources(
                    f"guest {uuid} needs {resources.as_dict()} but {self.host} has "
                    f"{room.as_dict()} free"
                )
            guest = Guest(uuid, resources, image_id)
            guest.log(f"hollow guest {uuid} booted from image {image_id}")
            self._guests[uuid] = guest
            return guest

    def destroy(self, uuid: str) -> None:
        """Remove a guest; removing one that is gone already is fine, as in nova's drivers."""
        with self._lock:
            self._guests.pop(uuid, None)

    def _guest(self, uuid: str) -> Guest:
        try:
            return self._guests[uuid]
        except KeyError:
            raise GuestNotFound(f"guest {uuid} not found on {self.host}") from None

    def reboot(self, uuid: str, reboot_type: str) -> int:
        """Reboot a guest (powering it on if it was off); returns its new power state."""
        with self._lock:
            guest = self._guest(uuid)
            guest.boots += 1
            guest.power_state = PowerState.RUNNING
            guest.log(f"{reboot_type.lower()} reboot, boot #{guest.boots}")
            return guest.power_state

    def power_off(self, uuid: str) -> int:
        """Stop a guest; returns its new power state."""
        with self._lock:
            guest = self._guest(uuid)
            guest.power_state = PowerState.SHUTDOWN
            guest.log("powered off")
            return guest.power_state

    def power_on(self, uuid: str) -> int:
        """Start a stopped guest; returns its new power state."""
        with self._lock:
            guest = self._guest(uuid)
            guest.power_state = PowerState.RUNNING
            guest.boots += 1
            guest.log(f"powered on, boot #{guest.boots}")
            return guest.power_state

    def uptime(self) -> str:
        """How long the host has been up, as `uptime` prints it (what libvirt's driver
        answers)."""
        since = datetime.timedelta(seconds=int(time.monotonic() - self._started))
        return f"up {since}, {self.guest_count()} guests"

    def console_output(self, uuid: str, tail_length: int | None) -> str:
        """The guest's console, its last tail_length lines when given."""
        with self._lock:
            lines = self._guest(uuid).console
            shown = lines[-tail_length:] if tail_length else lines
            return "\n".join(shown) + "\n"
