"""Responders: answer a shadow's calls to other services inside its own vhost, per method.

`echo` answers as if the call succeeded (an object call returns the object's changes applied),
`replay` returns production's recorded answer for the same call, `forward` passes a read-only
call to production's real service, `fail` raises. Rules come from YAML:

    conductor:            # topic
      version: "3.0"      # the API version the responder serves
      object_action: echo
      get_minimum_version: forward
      "*": fail           # every other method
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from harness.bus import RPCClient, Target
from harness.errors import ConfigError

Action = Literal["echo", "replay", "forward", "fail"]
ACTIONS = ("echo", "replay", "forward", "fail")
DEFAULT_RULES: dict[str, dict[str, str]] = {
    "conductor": {"version": "3.0", "object_action": "echo", "*": "fail"},
}
Recorded = Callable[[str, str, dict[str, Any]], Any]


class ResponderRefused(Exception):
    """A shadow called a method its responder is configured to fail."""


@dataclass(frozen=True)
class TopicRules:
    """Which action answers each method of one topic."""

    topic: str
    version: str
    actions: Mapping[str, Action]

    def action_for(self, method: str) -> Action | None:
        """The method's action, else the topic's wildcard, else None (no such method)."""
        return self.actions.get(method) or self.actions.get("*")


def parse_rules(data: Any, source: str = "responders") -> list[TopicRules]:
    """Validate responder rules, naming the file and field of a mistake."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of topics to method rules")
    rules = []
    for topic, methods in data.items():
        if not isinstance(methods, dict):
            raise ConfigError(f"{source}: field {topic}: expected a mapping of methods")
        methods = dict(methods)
        version = str(methods.pop("version", "1.0"))
        for method, action in methods.items():
            if action not in ACTIONS:
                raise ConfigError(f"{source}: field {topic}.{method}: {action!r} is not one of "
                                  f"{', '.join(ACTIONS)}")
        rules.append(TopicRules(str(topic), version, methods))
    return rules


def load_rules(path: Path | None) -> list[TopicRules]:
    """Rules from a YAML file, or the defaults (conductor object calls echoed)."""
    if path is None:
        return parse_rules(DEFAULT_RULES)
    try:
        return parse_rules(yaml.safe_load(path.read_text()), str(path))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ConfigError(f"{path}{f':{mark.line + 1}' if mark else ''}: YAML syntax error"
                          ) from None


def echo(method: str, kwargs: dict[str, Any]) -> Any:
    """Answer as if the call worked: nova's object_action returns (changes, result)."""
    if method == "object_action":
        objinst = kwargs.get("objinst") or {}
        data = objinst.get("nova_object.data", {}) if isinstance(objinst, dict) else {}
        changes = objinst.get("nova_object.changes", []) if isinstance(objinst, dict) else []
        return [{k: data[k] for k in changes if k in data}, None]
    return None


@dataclass
class Responder:
    """The endpoint serving one topic in a shadow vhost, dispatching by the rules."""

    rules: TopicRules
    forward_to: RPCClient | None = None
    recorded: Recorded | None = None
    answered: dict[str, int] = field(default_factory=dict)

    @property
    def target(self) -> Target:
        """The version this responder serves, so the dispatcher checks it as production's would."""
        return Target(version=self.rules.version)

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)
        action = self.rules.action_for(method)
        if action is None:
            raise AttributeError(method)

        def respond(ctxt: dict[str, Any], **kwargs: Any) -> Any:
            self.answered[action] = self.answered.get(action, 0) + 1
            if action == "fail":
                raise ResponderRefused(f"{self.rules.topic}.{method} is not answered for shadows")
            if action == "forward" and self.forward_to is not None:
                return self.forward_to.call(ctxt, method, **kwargs)
            if action == "replay" and self.recorded is not None:
                return self.recorded(str(ctxt.get("request_id", "")), method, kwargs)
            return echo(method, kwargs)

        return respond
