"""Envelope, context packing, requests, replies and versions, byte for byte as oslo makes them."""

import datetime
import json
import uuid

import pytest

from harness.bus.envelope import decode, decode_body, dumps, encode, pack_context, unpack_context
from harness.bus.exceptions import MalformedMessage
from harness.bus.messages import parse_request, reply, request
from harness.bus.versions import check_version, version_is_compatible


def test_envelope_round_trip() -> None:
    body = encode({"method": "m", "args": {"x": 1}})
    assert list(body) == ["oslo.version", "oslo.message"]
    assert body["oslo.version"] == "2.0"
    assert json.loads(body["oslo.message"]) == {"method": "m", "args": {"x": 1}}
    assert decode(json.loads(json.dumps(body))) == {"method": "m", "args": {"x": 1}}


@pytest.mark.parametrize(("payload", "kind"), [
    ([1], "not_a_message"),
    ("text", "not_a_message"),
    ({"oslo.version": "3.0", "oslo.message": "{}"}, "bad_envelope_version"),
    ({"oslo.version": "x", "oslo.message": "{}"}, "bad_envelope_version"),
    ({"oslo.version": "2.0", "oslo.message": "{bad"}, "not_json"),
    ({"oslo.version": "2.0", "oslo.message": "[1]"}, "not_a_message"),
    ({"oslo.version": "2.0", "oslo.message": 7}, "not_a_message"),
])
def test_malformed_envelopes(payload: object, kind: str) -> None:
    with pytest.raises(MalformedMessage) as error:
        decode(payload)
    assert error.value.kind == kind


def test_minor_envelope_versions_and_bare_legacy_messages_are_read() -> None:
    assert decode({"oslo.version": "2.0", "oslo.message": '{"a": 1}'}) == {"a": 1}
    assert decode({"method": "m"}) == {"method": "m"}
    with pytest.raises(MalformedMessage, match="not_json"):
        decode_body(b"\xff")


def test_dumps_makes_values_primitive_like_oslo() -> None:
    when = datetime.datetime(2024, 5, 1, 12, 0, 0, 5)
    ident = uuid.UUID(int=1)
    assert json.loads(dumps({"t": when, "u": ident, "s": (1,), "b": b"x"})) == {
        "t": "2024-05-01T12:00:00.000005", "u": str(ident), "s": [1], "b": "x"}


def test_context_keys_are_packed_and_unpacked() -> None:
    message = pack_context({"method": "m"}, {"request_id": "r", "roles": ["a"]})
    assert message == {"method": "m", "_context_request_id": "r", "_context_roles": ["a"]}
    assert unpack_context(message) == {"request_id": "r", "roles": ["a"]}
    assert message == {"method": "m"}


def test_call_and_cast_requests_have_oslos_keys() -> None:
    call = request({"user": "u"}, "ping", {"x": 1}, version="6.1", namespace="ns",
                   reply_q="reply_abc", call_monitor_timeout=None)
    assert list(call) == ["method", "args", "namespace", "version", "_msg_id", "_reply_q",
                          "_timeout", "_unique_id", "_context_user"]
    assert len(call["_msg_id"]) == len(call["_unique_id"]) == 32
    cast = request({}, "ping", {})
    assert list(cast) == ["method", "args", "_unique_id"]
    incoming = parse_request(call)
    assert (incoming.method, incoming.args, incoming.ctxt, incoming.version) == (
        "ping", {"x": 1}, {"user": "u"}, "6.1")
    assert incoming.cause == call["_msg_id"] and incoming.reply_q == "reply_abc"
    assert parse_request(cast).cause == cast["_unique_id"]
    assert parse_request(cast).version == "1.0"


@pytest.mark.parametrize(("inner", "kind"), [
    ({"args": {}}, "no_method"), ({"method": 3}, "no_method"),
    ({"method": "m", "args": [1]}, "bad_args"),
])
def test_malformed_requests(inner: dict[str, object], kind: str) -> None:
    with pytest.raises(MalformedMessage) as error:
        parse_request(inner)
    assert error.value.kind == kind


def test_reply_shape() -> None:
    body = reply("m1", result={"ok": True})
    assert set(body) == {"result", "failure", "ending", "_msg_id", "_unique_id"}
    assert (body["ending"], body["_msg_id"], body["failure"]) == (True, "m1", None)


@pytest.mark.parametrize(("implemented", "requested", "ok"), [
    ("6.2", "6.0", True), ("6.2", "6.2", True), ("6.2", "6.3", False), ("6.2", "5.9", False),
    ("6.2", "7.0", False), ("6.2.1", "6.2.1", True), ("6.2", "6.2.1", False),
    ("6.2.1", "6.1.9", True), (None, "9.9", True), ("6.2", None, False),
])
def test_version_compatibility_matches_oslo(implemented: str | None, requested: str | None,
                                            ok: bool) -> None:
    assert version_is_compatible(implemented, requested) is ok


def test_versions_must_have_major_and_minor() -> None:
    assert check_version("6.0") == "6.0"
    for bad in ("6", "six.one", "", "6.0.1.2", "6.-1"):
        with pytest.raises(ValueError):
            check_version(bad)
