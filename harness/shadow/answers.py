"""Which of the shadows' reads got production's recorded answer, and which a stand-in."""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.hollow.replay import is_read
from harness.shadow.compare.observation import effect_kind
from harness.shadow.records import REPLAYED


def read_replayed(root: Path) -> list[dict[str, str]]:
    """The replayed reads an experiment saved (none for a session whose shadows ran apart)."""
    path = root / REPLAYED
    return list(json.loads(path.read_text())) if path.is_file() else []


def read_answers(root: Path, shadows: Mapping[str, Iterable[Mapping[str, Any]]]
                 ) -> list[dict[str, Any]]:
    """Per shadow side and read (ids folded): how many were replayed and how many stubbed."""
    replayed = Counter((r["side"], r["caused_by"], r["target"], r["method"])
                       for r in read_replayed(root))
    rows: dict[tuple[str, str], Counter[str]] = {}
    for side, effects in shadows.items():
        for effect in effects:
            if not is_read(str(effect.get("kind")), effect.get("method")):
                continue
            key = (side, str(effect.get("caused_by")), str(effect.get("target")),
                   str(effect.get("method")))
            outcome = "replayed" if replayed[key] > 0 else "stubbed"
            replayed[key] -= 1
            rows.setdefault((side, effect_kind(effect)), Counter())[outcome] += 1
    return [{"side": side, "read": read, "replayed": n["replayed"], "stubbed": n["stubbed"]}
            for (side, read), n in sorted(rows.items())]
