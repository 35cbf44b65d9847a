"""Responder rules: parsed with clear errors, and each action answers as configured."""

from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.shadow.responders import (
    Responder,
    ResponderRefused,
    TopicRules,
    load_rules,
    parse_rules,
)


def test_defaults_echo_conductor_object_calls() -> None:
    (conductor,) = load_rules(None)
    responder = Responder(conductor)
    objinst = {"nova_object.name": "Instance", "nova_object.data": {"uuid": "u", "vm_state":
               "active", "host": "cmp-1"}, "nova_object.changes": ["vm_state"]}
    answer = responder.object_action({}, objinst=objinst, objmethod="save", args=[], kwargs={})
    assert answer == [{"vm_state": "active"}, None]
    with pytest.raises(ResponderRefused, match=r"conductor\.build_instances"):
        responder.build_instances({})
    assert responder.answered == {"echo": 1, "fail": 1}
    assert responder.target.version == "3.0"


def test_no_rule_means_no_such_method() -> None:
    responder = Responder(TopicRules("placement", "1.0", {"get": "echo"}))
    assert responder.get({}) is None
    assert not hasattr(responder, "put")


def test_replay_uses_production_answers() -> None:
    answers = {("req-1", "lookup"): {"found": True}}
    responder = Responder(TopicRules("conductor", "3.0", {"lookup": "replay"}),
                          recorded=lambda rid, method, kwargs: answers[(rid, method)])
    assert responder.lookup({"request_id": "req-1"}, key="x") == {"found": True}


def test_bad_rules_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"field conductor.object_action: 'maybe' is not one"):
        parse_rules({"conductor": {"object_action": "maybe"}})
    path = tmp_path / "responders.yaml"
    path.write_text("conductor: [\n")
    with pytest.raises(ConfigError, match=r"responders.yaml:\d+: YAML syntax error"):
        load_rules(path)
