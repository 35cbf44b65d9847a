"""Interface drift: messages the cloud's peers would refuse, and methods production never used.

A message is judged against its topic's cap by oslo.messaging's own rule
(`version_is_compatible`): another major is refused whichever way it differs, a higher minor
is refused, and a version that does not parse is refused too.
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from harness.bus.versions import check_version, version_is_compatible
from harness.shadow.compare.observation import Effect

Category = Literal["above_cap", "other_major", "bad_version", "unseen_method"]


@dataclass(frozen=True)
class Drift:
    """One interface change production's peers may not accept."""

    category: Category
    kind: str
    target: str
    method: str
    version: str = ""
    cap: str = ""
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return asdict(self)


def refusal(version: str, cap: str) -> Category | None:
    """Why a peer capped at `cap` refuses a message at `version`, or None when it accepts it."""
    try:
        check_version(version)
    except ValueError:
        return "bad_version"
    if version_is_compatible(cap, version):
        return None
    return "other_major" if version.split(".")[0] != cap.split(".")[0] else "above_cap"


def topic_of(target: str) -> str:
    """The RPC topic of a target: `compute` for `compute.cmp-17`."""
    return target.split(".", 1)[0]


def find_drift(
    candidate: Iterable[Effect], production: Iterable[Effect], caps: Mapping[str, str]
) -> list[Drift]:
    """Every candidate message its topic's cap refuses, and every method production never used."""
    used = {(e.get("kind"), topic_of(str(e.get("target", ""))), e.get("method"))
            for e in production}
    counted: dict[Drift, int] = {}
    for effect in candidate:
        kind, target = str(effect.get("kind", "")), str(effect.get("target", ""))
        method, version = str(effect.get("method", "")), str(effect.get("version") or "")
        cap = caps.get(topic_of(target), "")
        found = []
        refused = refusal(version, cap) if version and cap else None
        if refused:
            found.append(Drift(refused, kind, topic_of(target), method, version, cap))
        if (kind, topic_of(target), method) not in used:
            found.append(Drift("unseen_method", kind, topic_of(target), method))
        for drift in found:
            counted[drift] = counted.get(drift, 0) + 1
    return [Drift(**{**asdict(d), "count": n}) for d, n in counted.items()]
