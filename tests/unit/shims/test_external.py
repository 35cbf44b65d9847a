"""External operations per mode, effects tied to their cause, and the sinks they reach."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shims.causes import current_cause, handling
from shims.effects import Effect
from shims.external import ShadowBlocked, call_external, external
from shims.recorder import Recorder, current_recorder, use_recorder
from shims.sinks import JsonlSink, MemorySink


@pytest.fixture
def sink() -> Iterator[MemorySink]:
    """A recorder for the test's effects, restored after."""
    previous = current_recorder()
    memory = MemorySink()
    use_recorder(Recorder("s1", "cmp-17", side="candidate", sinks=[memory], clock=lambda: 1.5))
    yield memory
    use_recorder(previous)


class Hypervisor:
    """Stands for a real hypervisor: counts what really happened."""

    def __init__(self) -> None:
        self.spawned: list[str] = []

    @external("hypervisor", "libvirt", stand_in=lambda self, name, **kw: f"fake-{name}")
    def spawn(self, name: str, vcpus: int = 1) -> str:
        """Really start a guest."""
        self.spawned.append(name)
        return f"real-{name}"


def test_production_executes_and_records_nothing(sink: MemorySink,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_MODE", raising=False)
    hypervisor = Hypervisor()
    assert hypervisor.spawn("vm1") == "real-vm1"
    assert hypervisor.spawned == ["vm1"] and sink.effects == []


def test_record_executes_and_records_a_real_effect(sink: MemorySink,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MODE", "record")
    hypervisor = Hypervisor()
    with handling("msg-1", "req-1"):
        assert hypervisor.spawn("vm1", vcpus=2) == "real-vm1"
    assert hypervisor.spawned == ["vm1"]
    [effect] = sink.effects
    assert effect == Effect(
        session="s1", shard="cmp-17", side="candidate", real=True, seq=1, ts=1.5,
        request_id="req-1", caused_by="msg-1", kind="hypervisor", target="libvirt",
        method="spawn", version=None, payload={"args": [hypervisor, "vm1"], "kwargs": {"vcpus": 2}},
    )


def test_record_notes_a_failing_operation_and_reraises(sink: MemorySink,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MODE", "record")

    def write(url: str) -> None:
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        call_external("http", "image-service", "PUT", write, "http://127.0.0.1/x")
    assert sink.effects[0].payload["error"] == "ConnectionError: refused"


def test_shadow_records_and_returns_the_stand_in(sink: MemorySink,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MODE", "shadow")
    hypervisor = Hypervisor()
    with handling("msg-2"):
        assert hypervisor.spawn("vm1") == "fake-vm1"
        assert call_external("http", "glance", "PUT", print, "x", stand_in={"ok": 1},
                             version="2.1", payload=lambda url: {"url": url}) == {"ok": 1}
    assert hypervisor.spawned == []
    assert [(e.real, e.seq, e.caused_by, e.method) for e in sink.effects] == [
        (False, 1, "msg-2", "spawn"), (False, 2, "msg-2", "PUT")]
    assert sink.effects[1].payload == {"url": "x"} and sink.effects[1].version == "2.1"
    assert current_cause().caused_by is None


def test_shadow_without_stand_in_fails_closed(sink: MemorySink,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MODE", "shadow")
    done: list[Any] = []
    with pytest.raises(ShadowBlocked):
        call_external("db", "nova", "UPDATE", done.append, 1)
    assert done == [] and sink.effects[0].kind == "db"


def test_jsonl_sink_round_trips_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "effects.jsonl"
    sink = JsonlSink(path)
    recorder = Recorder("s1", "cmp-1", side="control", sinks=[sink])
    first = recorder.record("rpc_cast", "conductor", "save", {"x": {1, 2}}, real=False)
    second = recorder.record("notification", "notifications.info", None, None, real=True)
    sink.close()
    lines = path.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2]
    assert Effect.from_json(lines[1]) == second
    assert Effect.from_json(lines[0]).payload == {"x": "{1, 2}"} != first.payload
    assert path.stat().st_mode & 0o777 == 0o600
