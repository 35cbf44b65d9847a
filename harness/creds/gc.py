"""Revoke what sessions whose owner died (or that ended half torn down) left valid in Vault."""

import logging
from dataclasses import dataclass

from credentials.errors import CredentialsError
from harness.config import load_cloud
from harness.config.secrets import vault_client
from harness.creds import state as store
from harness.creds.session import teardown
from harness.errors import HarnessError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Collected:
    """One orphaned session and what became of it."""

    session: str
    cloud: str
    owner_pid: int
    leases: int
    error: CredentialsError | HarnessError | None = None


def revoke_session(state: store.SessionState, cloud_config: str | None) -> None:
    """Mark a session ended (so a crash mid-way is retried) and tear it down."""
    state.status = "ended"
    store.save(state)
    cloud = load_cloud(state.cloud, cloud_config)
    teardown(state, cloud, vault_client(cloud))


def collect(cloud_config: str | None, dry_run: bool = False) -> list[Collected]:
    """Tear down every orphaned session; one failing does not stop the others."""
    results = []
    for state in store.all_sessions():
        if not store.is_orphaned(state):
            continue
        leases = sum(len(shard.leases) for shard in state.shards)
        error: CredentialsError | HarnessError | None = None
        if not dry_run:
            try:
                revoke_session(state, cloud_config)
            except (CredentialsError, HarnessError) as failure:
                log.warning("session %s: %s", state.session, failure)
                error = failure
        results.append(Collected(state.session, state.cloud, state.owner_pid, leases, error))
    return results
