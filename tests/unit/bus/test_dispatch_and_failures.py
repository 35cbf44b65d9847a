"""Dispatch by namespace/version/name, failures serialised and rebuilt, repeats dropped."""

import json

import pytest

from harness.bus import NoSuchMethod, RemoteError, Target, UnsupportedVersion
from harness.bus.dedup import SeenIds
from harness.bus.dispatcher import Dispatcher
from harness.bus.failures import deserialize_failure, register_remote_exception, serialize_failure
from harness.bus.messages import parse_request, request


class V6:
    target = Target(version="6.2")

    def build(self, ctxt: dict[str, object], name: str) -> str:
        return f"v6 {name} {ctxt.get('user')}"

    def _private(self, ctxt: dict[str, object]) -> None:
        raise AssertionError("never dispatched")


class V5:
    target = Target(version="5.13")

    def build(self, ctxt: dict[str, object], name: str) -> str:
        return f"v5 {name}"

    def old_only(self, ctxt: dict[str, object]) -> str:
        return "old"


class Admin:
    target = Target(version="1.1", namespace="admin")

    def reset(self, ctxt: dict[str, object]) -> str:
        return "reset"


def dispatch(method: str, version: str | None, namespace: str | None = None, **args: object):
    message = request({"user": "u"}, method, args, version=version, namespace=namespace)
    return Dispatcher([V6(), V5(), Admin()]).dispatch(parse_request(message))


def test_dispatch_picks_the_endpoint_by_version_and_namespace() -> None:
    assert dispatch("build", "6.1", name="a") == "v6 a u"
    assert dispatch("build", "5.0", name="a") == "v5 a"
    assert dispatch("old_only", "5.13") == "old"
    assert dispatch("reset", "1.0", namespace="admin") == "reset"


def test_dispatch_errors() -> None:
    with pytest.raises(NoSuchMethod):
        dispatch("old_only", "6.0")
    with pytest.raises(NoSuchMethod):
        dispatch("_private", "6.0")
    with pytest.raises(UnsupportedVersion) as refused:
        dispatch("build", "7.0", name="a")
    assert (refused.value.version, refused.value.method) == ("7.0", "build")
    with pytest.raises(UnsupportedVersion):
        dispatch("reset", "1.0")


def test_our_dispatcher_errors_travel_under_oslos_names() -> None:
    failure = json.loads(serialize_failure(NoSuchMethod("spawn")))
    assert failure["class"] == "NoSuchMethod"
    assert failure["module"] == "oslo_messaging.rpc.dispatcher"
    assert failure["args"] == ["Endpoint does not support RPC method spawn"]
    assert set(failure) == {"class", "module", "message", "tb", "args", "kwargs"}
    rebuilt = deserialize_failure(serialize_failure(UnsupportedVersion("7.0", "spawn")))
    assert isinstance(rebuilt, UnsupportedVersion)
    assert (rebuilt.version, rebuilt.method) == ("7.0", "spawn")
    assert deserialize_failure(serialize_failure(NoSuchMethod("spawn"))).method == "spawn"


def test_builtins_come_back_as_themselves_others_as_remote_errors() -> None:
    try:
        raise KeyError("flavor")
    except KeyError as error:
        data = serialize_failure(error)
    assert json.loads(data)["tb"][-1].startswith("KeyError")
    rebuilt = deserialize_failure(data)
    assert type(rebuilt) is KeyError and rebuilt.args == ("flavor",)

    class Quota(Exception):
        def __init__(self, message: str, **kwargs: object) -> None:
            super().__init__(message)
            self.kwargs = kwargs

    remote = deserialize_failure(serialize_failure(Quota("over", limit=3)))
    assert isinstance(remote, RemoteError)
    assert (remote.exc_type, remote.value) == ("Quota", "over")
    assert json.loads(serialize_failure(Quota("over", limit=3)))["kwargs"] == {"limit": 3}
    assert isinstance(deserialize_failure("not json"), RemoteError)


def test_registered_remote_classes_are_rebuilt() -> None:
    register_remote_exception("nova.exception", "InstanceNotFound",
                              lambda failure: LookupError(failure["message"]))
    data = json.dumps({"class": "InstanceNotFound", "module": "nova.exception",
                       "message": "gone", "tb": [], "args": [], "kwargs": {}})
    rebuilt = deserialize_failure(data)
    assert type(rebuilt) is LookupError and str(rebuilt) == "gone"


def test_repeated_unique_ids_are_dropped_within_the_window() -> None:
    seen = SeenIds(size=2)
    assert [seen.repeated(x) for x in ("a", "a", "b", "c", "a", None, None)] == [
        False, True, False, False, False, False, False]
