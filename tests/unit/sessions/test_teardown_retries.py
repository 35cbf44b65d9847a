"""Teardown retries what failed, pausing longer each time, and keeps only what never went."""

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import harness.sessions.teardown as cleanup
from harness.sessions import Resource, Session, SessionStore
from harness.sessions.teardown import RETRY_PAUSES, teardown

pytestmark = pytest.mark.unit


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause teardown takes, recorded instead of slept."""
    taken: list[float] = []
    monkeypatch.setattr(cleanup.time, "sleep", taken.append)
    return taken


@pytest.fixture
def session(tmp_path: Path) -> Session:
    """A session of a cloud in a clouds.yaml of the test's (no service is reached)."""
    config = tmp_path / "clouds.yaml"
    config.write_text(yaml.safe_dump(
        {"clouds": {"c": {"bus": {"url": "amqp://u@127.0.0.1:5672/v"}}}}))
    return Session("s1", "shard", "c", str(config))


def _cleaner(failures: int) -> tuple[list[str], Callable[[Resource, object], None]]:
    """A cleaner that fails `failures` times, then removes; and the calls it saw."""
    calls: list[str] = []

    def clean(resource: Resource, clients: object) -> None:
        calls.append(resource.data["name"])
        if len(calls) <= failures:
            raise ConnectionError("placement is restarting")

    return calls, clean


def test_what_fails_for_seconds_is_removed_on_a_later_try(
        session: Session, pauses: list[float], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls, clean = _cleaner(failures=2)
    monkeypatch.setitem(cleanup.CLEANERS, "thing", clean)
    session.resources = [Resource("thing", {"name": "provider"})]
    store = SessionStore(tmp_path / "sessions")
    store.save(session)
    assert teardown(session, store) == ["thing provider"]
    assert calls == ["provider"] * 3
    assert pauses == [0.0, *RETRY_PAUSES[:2]]
    assert not store.path(session.id).exists()


def test_a_clean_teardown_does_not_pause_and_what_never_goes_is_kept(
        session: Session, pauses: list[float], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    gone, clean = _cleaner(failures=0)
    stuck, never = _cleaner(failures=99)
    monkeypatch.setitem(cleanup.CLEANERS, "thing", clean)
    monkeypatch.setitem(cleanup.CLEANERS, "stuck", never)
    store = SessionStore(tmp_path / "sessions")
    session.resources = [Resource("thing", {"name": "queue"})]
    store.save(session)
    teardown(session, store)
    assert pauses == [0.0] and gone == ["queue"]
    session = Session("s2", "shard", "c", session.cloud_config,
                      resources=[Resource("stuck", {"name": "zone"})])
    store.save(session)
    pauses.clear()
    assert teardown(session, store) == []
    assert stuck == ["zone"] * (1 + len(RETRY_PAUSES))
    assert pauses == [0.0, *RETRY_PAUSES]
    assert [r.data for r in SessionStore(tmp_path / "sessions").get("s2").resources] == [
        {"name": "zone"}]
