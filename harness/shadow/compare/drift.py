"""Interface drift: messages above the cloud's version cap, and methods production never used."""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from harness.bus.versions import parse_version
from harness.shadow.compare.observation import Effect


@dataclass(frozen=True)
class Drift:
    """One interface change production's peers may not accept."""

    category: Literal["above_cap", "unseen_method"]
    kind: str
    target: str
    method: str
    version: str = ""
    cap: str = ""
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return asdict(self)


def _above(version: str, cap: str) -> bool:
    """True when `version` is above `cap`; a version that does not parse is never above."""
    try:
        return parse_version(version) > parse_version(cap)
    except ValueError:
        return False


def topic_of(target: str) -> str:
    """The RPC topic of a target: `compute` for `compute.cmp-17`."""
    return target.split(".", 1)[0]


def find_drift(
    candidate: Iterable[Effect], production: Iterable[Effect], caps: Mapping[str, str]
) -> list[Drift]:
    """Every candidate message above its topic's cap, and every method production never used."""
    used = {(e.get("kind"), topic_of(str(e.get("target", ""))), e.get("method"))
            for e in production}
    counted: dict[Drift, int] = {}
    for effect in candidate:
        kind, target = str(effect.get("kind", "")), str(effect.get("target", ""))
        method, version = str(effect.get("method", "")), str(effect.get("version") or "")
        cap = caps.get(topic_of(target), "")
        found = []
        if version and cap and _above(version, cap):
            found.append(Drift("above_cap", kind, topic_of(target), method, version, cap))
        if (kind, topic_of(target), method) not in used:
            found.append(Drift("unseen_method", kind, topic_of(target), method))
        for drift in found:
            counted[drift] = counted.get(drift, 0) + 1
    return [Drift(**{**asdict(d), "count": n}) for d, n in counted.items()]
