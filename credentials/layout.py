"""Where the harness's engines, policies and roles live in Vault: one place to name them all."""

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class VaultLayout:
    """Mount paths and object names; defaults for real clouds, a suffix keeps tests apart."""

    rabbitmq: str = "rabbitmq"
    database: str = "database"
    pki: str = "pki"
    approle: str = "approle"
    kv: str = "secret"
    harness_policy: str = "shadow-harness"
    shard_policy: str = "shadow-harness-shard"
    harness_role: str = "shadow-harness"

    def suffixed(self, suffix: str) -> "VaultLayout":
        """The same layout with every name but the KV mount ending in -SUFFIX."""
        if not suffix:
            return self
        changes = {
            f.name: f"{getattr(self, f.name)}-{suffix}" for f in fields(self) if f.name != "kv"
        }
        return replace(self, **changes)

    def to_dict(self) -> dict[str, str]:
        """Plain data for state files (names only, nothing secret)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VaultLayout":
        """Read back what to_dict wrote, ignoring keys a later version may add."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in data.items() if k in known})
