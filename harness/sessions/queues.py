"""The queues a shard made for itself, found by the user Vault issued it, for teardown."""

import time
from typing import Any

from harness.bus.management import ManagementClient

SHARED_QUEUES = frozenset({"compute"})  # the topic queue every compute host shares
STATS_LAG = 7.0  # the broker lists consumers from statistics, emitted every 5 s by default


def _user_of(consumer: dict[str, Any]) -> str | None:
    """The consumer's user; the broker sends `[]` as channel_details for a channel closing now."""
    details = consumer.get("channel_details")
    return details.get("user") if isinstance(details, dict) else None


def _consumed_by(admin: ManagementClient, vhost: str, user: str) -> set[str]:
    """The queues the broker lists a consumer of this user on, as of its last statistics."""
    return {c["queue"]["name"] for c in admin.consumers(vhost) if _user_of(c) == user}


def owned_queues(admin: ManagementClient, vhost: str, user: str, existing_before: set[str],
                 work_queue: str | None = None, lag: float = STATS_LAG) -> list[str]:
    """Queues only this shard's user consumes, which did not exist before it started.

    A shard younger than the broker's statistics interval is not listed yet: wait (up to `lag`)
    until its work queue shows, since its other consumers arrive on the same statistics.
    """
    deadline = time.monotonic() + lag
    mine = _consumed_by(admin, vhost, user)
    while work_queue and work_queue not in mine and time.monotonic() < deadline:
        time.sleep(0.5)
        mine = _consumed_by(admin, vhost, user)
    return sorted(mine - SHARED_QUEUES - existing_before)
