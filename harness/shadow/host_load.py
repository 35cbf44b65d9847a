"""How busy this host's CPUs are, so a shadow sharing them can leave them to production."""

import math
import os
import time
import weakref
from pathlib import Path

STAT = Path("/proc/stat")
FIRST_LINE_BYTES = 256  # "cpu" and ten counters of up to 20 digits


def cpu_ticks(stat: Path = STAT) -> tuple[int, int]:
    """(busy, total) ticks of all CPUs since boot: niced work and waiting are not busy, and time
    the hypervisor stole is left out."""
    return ticks_of(stat.read_bytes())


def counters_of(text: bytes) -> list[int]:
    """All CPUs' counters from /proc/stat's first line: user, nice, system, idle, iowait, irq,
    softirq, steal and more."""
    return [int(field) for field in text.split(b"\n", 1)[0].split()[1:]]


def ticks_of(text: bytes) -> tuple[int, int]:
    """(busy, total) ticks from /proc/stat's first line."""
    user, nice, system, idle, iowait, irq, softirq = counters_of(text)[:7]
    return user + system + irq + softirq, user + nice + system + idle + iowait + irq + softirq


class HostLoad:
    """The busy fraction of all CPUs over the last `window` seconds, read from the kernel."""

    def __init__(self, window: float = 0.05, stat: Path = STAT) -> None:
        self.window = window
        # kept open and read in place: a holding relay reads it twenty times a second, and
        # opening it anew cost most of that (0.41 against 0.17 ms a read after a sleep, on a VM)
        self._fd = os.open(stat, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        # never read yet: the first answer waits for a window of its own, as after a quiet
        # spell (one counted from here read a relay's idle start-up, and let copies through)
        self._at, self._ticks = -math.inf, (0, 0)
        self._busy = 0.0

    def _read(self) -> tuple[int, int]:
        """The counters now, from the file kept open."""
        return ticks_of(os.pread(self._fd, FIRST_LINE_BYTES, 0))

    def busy(self) -> float:
        """The fraction, refreshed once a window has passed; at first and after a long quiet
        spell a fresh window is waited for, so an old idle stretch never hides a busy present."""
        now = time.monotonic()
        if now - self._at > 2 * self.window:
            self._at, self._ticks = now, self._read()
            time.sleep(self.window)
            now = time.monotonic()
        if now - self._at >= self.window:
            ticks = self._read()
            if ticks[1] > self._ticks[1]:
                self._busy = (ticks[0] - self._ticks[0]) / (ticks[1] - self._ticks[1])
                self._at, self._ticks = now, ticks
        return self._busy
