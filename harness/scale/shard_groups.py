"""Bring a ramp step's shards up the way `shard up` does: Vault credentials per process, the
scenario's launcher, HOST-0 ... HOST-(K-1) served by each process."""

from dataclasses import dataclass

from harness.scale.scenario import Scenario
from harness.sessions import Session, SessionStore
from harness.shards.request import ShardUp
from harness.shards.up import shard_up


@dataclass(frozen=True)
class Group:
    """`processes` processes of `per_process` shards each, named from `prefix`."""

    prefix: str
    processes: int
    per_process: int


def groups_for(prefix: str, count: int, per_process: int) -> list[Group]:
    """Exactly `count` shards: full processes, then one with the rest."""
    full, rest = divmod(count, per_process)
    groups = [Group(f"{prefix}f", full, per_process)] if full else []
    if rest:
        groups.append(Group(f"{prefix}r", 1, rest))
    return groups


def bring_up(scenario: Scenario, cloud_name: str, cloud_config: str | None, prefix: str,
             count: int, store: SessionStore) -> list[Session]:
    """Start `count` more shards; their shard sessions (torn down by the caller)."""
    shards = scenario.shards
    hollow_args = ("--report-interval", f"{shards.report_interval:g}",
                   "--resource-interval", f"{shards.resource_interval:g}")
    sessions = []
    for group in groups_for(prefix, count, shards.per_process):
        request = ShardUp(cloud_name, group.prefix, cloud_config, count=group.processes,
                          launcher="docker" if shards.image else "process", image=shards.image,
                          force=True, ready_timeout=shards.ready_timeout,
                          per_process=group.per_process, hollow_args=hollow_args)
        sessions.append(shard_up(request, store))
    return sessions
