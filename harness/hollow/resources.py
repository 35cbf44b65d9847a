"""Memory, vCPU and disk amounts: what a host has, what a guest takes, what is left."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Resources:
    """An amount of the three resources a compute host accounts for."""

    memory_mb: int = 0
    vcpus: int = 0
    disk_gb: int = 0

    def __add__(self, other: "Resources") -> "Resources":
        return Resources(self.memory_mb + other.memory_mb, self.vcpus + other.vcpus,
                         self.disk_gb + other.disk_gb)

    def __sub__(self, other: "Resources") -> "Resources":
        return Resources(self.memory_mb - other.memory_mb, self.vcpus - other.vcpus,
                         self.disk_gb - other.disk_gb)

    def fits_in(self, room: "Resources") -> bool:
        """Whether this amount fits in the given free room."""
        return (self.memory_mb <= room.memory_mb and self.vcpus <= room.vcpus
                and self.disk_gb <= room.disk_gb)

    def as_dict(self) -> dict[str, int]:
        """The amounts under their field names, for payloads and records."""
        return {"memory_mb": self.memory_mb, "vcpus": self.vcpus, "disk_gb": self.disk_gb}

    @classmethod
    def of_flavor(cls, flavor: dict[str, Any]) -> "Resources":
        """The amount a nova flavor asks for (root_gb + ephemeral_gb of disk)."""
        return cls(int(flavor.get("memory_mb", 0)), int(flavor.get("vcpus", 0)),
                   int(flavor.get("root_gb", 0)) + int(flavor.get("ephemeral_gb", 0)))


# 64 GiB and 32 cores at nova's default cpu_allocation_ratio of 4.0.
DEFAULT_HOST_CAPACITY = Resources(memory_mb=65536, vcpus=128, disk_gb=1000)
