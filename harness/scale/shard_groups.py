"""Bring a ramp step's shards up the way `shard up` does: Vault credentials per process, the
scenario's launcher, HOST-0 ... HOST-(K-1) served by each process; all at once, or at the
scenario's start rate."""

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from harness.config.schema import Cloud
from harness.hollow.compute import DEFAULT_RPC_VERSION
from harness.nova.shard import DEV_NOVA
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


def paced_groups(prefix: str, count: int, per_process: int) -> list[Group]:
    """The same shards as groups_for, a process a group, so each can start at its own time."""
    return [Group(f"{group.prefix}{index}", 1, group.per_process)
            for group in groups_for(prefix, count, per_process)
            for index in range(group.processes)]


def bring_up(scenario: Scenario, cloud: Cloud, cloud_config: str | None, prefix: str,
             count: int, store: SessionStore, sessions: list[Session],
             more_args: tuple[str, ...] = ()) -> None:
    """Start `count` more shards, adding each group's shard session to `sessions` (the
    caller tears them down, also after a group failed); at `shards.start_rate` shards a
    second when the scenario sets one (a process starts once its shards' turn has come).
    Hollow shards serve the cloud's compute RPC cap and take `more_args` too; kind nova runs
    real nova-compute, a host a process."""
    shards = scenario.shards
    hollow_args = ("--report-interval", f"{shards.report_interval:g}",
                   "--resource-interval", f"{shards.resource_interval:g}",
                   "--rpc-version", cloud.rpc_version_caps.get("compute", DEFAULT_RPC_VERSION),
                   *more_args)
    nova = (shards.nova or DEV_NOVA) if shards.kind == "nova" else None

    def start(group: Group) -> Session:
        return shard_up(ShardUp(cloud.name, group.prefix, cloud_config, count=group.processes,
                                launcher="docker" if shards.image else "process",
                                image=shards.image, force=True,
                                ready_timeout=shards.ready_timeout,
                                per_process=group.per_process, hollow_args=hollow_args,
                                nova=nova), store)

    if shards.start_rate is None:
        for group in groups_for(prefix, count, shards.per_process):
            sessions.append(start(group))
        return
    groups = paced_groups(prefix, count, shards.per_process)
    begin, started, futures = time.monotonic(), 0, []
    with ThreadPoolExecutor(len(groups), thread_name_prefix="scale-start") as pool:
        for group in groups:
            time.sleep(max(begin + started / shards.start_rate - time.monotonic(), 0))
            futures.append(pool.submit(start, group))
            started += group.per_process
    _collect(futures, sessions)


def _collect(futures: list[Future[Session]], sessions: list[Session]) -> None:
    """Every started group's session into `sessions`; then the first failure, if any."""
    failures = [error for future in futures if (error := future.exception()) is not None]
    sessions += [future.result() for future in futures if future.exception() is None]
    if failures:
        raise failures[0]
