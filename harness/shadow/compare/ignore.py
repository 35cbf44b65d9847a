"""User ignore rules: path globs per triggering method, from YAML, as Scientist's `ignore`."""

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from harness.errors import ConfigError
from harness.shadow.compare.mismatch import Mismatch

# Fields that differ between any two runs by construction: message ids, and clocks (nova's
# `*_at` fields, notifications' timestamps), which say when a side ran, never what it did.
DEFAULT_IGNORES = ("*_msg_id", "*_unique_id", "*_reply_q", "*timestamp", "*message_id", "*_at")


@dataclass(frozen=True)
class IgnoreRules:
    """`{method-glob: [path-glob, ...]}`; "*" applies to every method."""

    rules: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def ignores(self, mismatch: Mismatch) -> bool:
        """True when some rule for the trigger's method matches the mismatch's path."""
        return self.rule_for(mismatch) is not None

    def rule_for(self, mismatch: Mismatch) -> str | None:
        """The rule that hides the mismatch (`default: GLOB` or `METHOD: GLOB`), else None."""
        for glob in DEFAULT_IGNORES:
            if fnmatchcase(mismatch.path, glob):
                return f"default: {glob}"
        for method, paths in self.rules.items():
            if fnmatchcase(mismatch.method, method):
                for glob in paths:
                    if fnmatchcase(mismatch.path, glob):
                        return f"{method}: {glob}"
        return None

    @classmethod
    def load(cls, path: Path) -> "IgnoreRules":
        """Read rules from YAML, naming the file and key on any mistake."""
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}{line}: YAML syntax error") from None
        except OSError as error:
            raise ConfigError(f"{path}: {error.strerror}") from None
        rules = data.get("ignore", data) if isinstance(data, dict) else None
        if not isinstance(rules, dict):
            raise ConfigError(f"{path}: expected a mapping of method globs to path globs")
        for method, paths in rules.items():
            if not (isinstance(paths, list) and all(isinstance(p, str) for p in paths)):
                raise ConfigError(f"{path}: field ignore.{method}: expected a list of path globs")
        return cls({str(m): tuple(p) for m, p in rules.items()})
