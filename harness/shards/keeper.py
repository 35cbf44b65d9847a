"""The keeper: a small detached process renewing a shard session's leases while its shards live."""

import os
import threading

from credentials.leases import Lease, LeaseRenewer
from harness.config import load_cloud
from harness.config.secrets import vault_client
from harness.creds import state as creds_state
from harness.launchers import get_launcher
from harness.procinfo import start_time
from harness.sessions import SessionStore
from harness.sessions.model import shard_handles

POLL_SECONDS = 1.0


def _adopt(session_id: str) -> creds_state.SessionState:
    """Become the owner of the session's credentials, so `creds gc` leaves them while we live."""
    state = creds_state.load_session(session_id)
    state.owner_pid, state.owner_start = os.getpid(), start_time(os.getpid())
    creds_state.save(state)
    return state


def keep(session_id: str, stop: threading.Event, store: SessionStore | None = None) -> None:
    """Renew every lease of the session until its shards are all gone or we are told to stop."""
    store = store or SessionStore()
    session = store.get(session_id)
    state = _adopt(session.id)
    lock = threading.Lock()

    def renewed(lease: Lease) -> None:
        with lock:
            for record in (r for shard in state.shards for r in shard.leases):
                if record.lease_id == lease.lease_id:
                    record.ttl, record.expires_at = lease.ttl, round(lease.expires_at, 3)
            creds_state.save(state)

    renewer = LeaseRenewer(vault_client(load_cloud(session.cloud, session.cloud_config)), renewed)
    for record in (r for shard in state.shards for r in shard.leases):
        renewer.add(Lease(record.lease_id, record.kind, record.ttl, record.renewable,
                          record.expires_at - record.ttl))
    renewer.start()
    handles = shard_handles(session)
    try:
        while not stop.wait(POLL_SECONDS):
            if not any(get_launcher(h.launcher).alive(h) for h in handles):
                return
    finally:
        renewer.stop()
