"""The host's busy fraction, read from a /proc/stat written by the test."""

from pathlib import Path

import pytest

from harness.shadow import host_load
from harness.shadow.host_load import HostLoad, cpu_ticks

# user nice system idle iowait irq softirq steal guest guest_nice
LINE = "cpu  {user} {nice} {system} {idle} 0 0 0 {steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"


def write(stat: Path, **ticks: int) -> None:
    stat.write_text(LINE.format(**{"user": 0, "nice": 0, "system": 0, "idle": 0, "steal": 0,
                                   **ticks}))


def test_niced_work_is_not_busy_and_stolen_time_is_left_out(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    write(stat, user=30, nice=50, system=10, idle=10, steal=999)
    assert cpu_ticks(stat) == (40, 100)


def load_from(stat: Path, **ticks: int) -> HostLoad:
    """A HostLoad on `stat`, which reads `ticks` when it is built."""
    write(stat, **ticks)
    return HostLoad(window=0.01, stat=stat)


class Clock:
    """The monotonic clock HostLoad reads, moved only by the test and by HostLoad's own waits,
    so a loaded machine's scheduling never changes what a test sees."""

    def __init__(self, stat: Path, ticks: tuple[dict[str, int], ...]) -> None:
        self.now = 1000.0
        self.stat = stat
        self.pending = list(ticks)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """A window HostLoad waits for: it ends with the next of the ticks written."""
        write(self.stat, **self.pending.pop(0))
        self.now += seconds + 1e-6  # a wait lasts at least what it asked for


def windows(monkeypatch: pytest.MonkeyPatch, stat: Path, *ticks: dict[str, int]) -> Clock:
    """Each window a HostLoad waits for ends with the next of `ticks` written to `stat`; the
    clock it reads."""
    clock = Clock(stat, ticks)
    monkeypatch.setattr(host_load, "time", clock)
    return clock


def test_the_first_answer_waits_for_a_window_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted from construction, a relay's first reading covered its own idle start-up and
    let copies through while production was busy."""
    stat = tmp_path / "stat"
    load = load_from(stat, user=100, idle=100)
    write(stat, user=100, idle=10_000)  # idle from construction until the first question
    windows(monkeypatch, stat, {"user": 190, "idle": 10_010})
    assert load.busy() == 0.9  # 90 of the 100 ticks of the window it waited for


def test_busy_is_the_fraction_over_the_last_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stat = tmp_path / "stat"
    load = load_from(stat, user=100, idle=100)
    clock = windows(monkeypatch, stat, {"user": 190, "idle": 110})
    assert load.busy() == 0.9  # 90 of the next 100 ticks busy
    write(stat, user=200, nice=80, idle=120)  # then 10 of 100: the niced 80 are not busy
    clock.now += 0.012
    assert load.busy() == 0.1


def test_an_idle_stretch_long_past_does_not_dilute_the_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stat = tmp_path / "stat"
    load = load_from(stat, user=0, idle=100)
    clock = windows(monkeypatch, stat, {"user": 0, "idle": 200}, {"user": 100, "idle": 10_000})
    assert load.busy() == 0.0  # the first look: an idle window
    write(stat, user=0, idle=10_000)  # a long quiet spell since the last look
    clock.now += 0.05
    assert load.busy() == 1.0  # the fresh window it waited for, not diluted by the spell
