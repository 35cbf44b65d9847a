"""The harness's side of a shard's network gate: the command lines that start it (see
harness.launchers.netgate, which runs as root, outside the shard's confinement)."""

import sys
from pathlib import Path

from harness.launchers.base import SIDE_ENV, LaunchSpec, network_record
from harness.system.process import spawn

NETGATE = Path(__file__).with_name("netgate.py")
# A container gated after its start waits for this file before it runs its own command.
READY_DIR = "/run/harness/gate"
WAIT_FOR_GATE = f'while [ ! -e {READY_DIR}/ready ]; do sleep 0.02; done; exec "$@"'


def _spelled(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _netgate(spec: LaunchSpec, allowed: tuple[tuple[str, int], ...]) -> list[str]:
    """The netgate with its allowed endpoints and where it records refusals (next to the log)."""
    return [sys.executable, "-I", "-S", str(NETGATE),
            *(item for host, port in allowed for item in ("--allow", _spelled(host, port))),
            "--record", str(network_record(spec.log_dir, spec.shard)), "--session", spec.session,
            "--shard", spec.shard, "--side", spec.env.get(SIDE_ENV, "candidate")]


def gated(spec: LaunchSpec, allowed: tuple[tuple[str, int], ...]) -> list[str]:
    """The netgate's command line, to be followed by the shard's own: a network namespace of
    its own where only `allowed` answers."""
    return [*_netgate(spec, allowed), "--"]


def ready_dir(spec: LaunchSpec) -> Path:
    """The directory a gated container sees at READY_DIR, read-only (the harness's, by its log),
    with no `ready` in it yet."""
    spec.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = spec.log_dir / f"{spec.shard}.gate"
    path.mkdir(mode=0o755, exist_ok=True)
    (path / "ready").unlink(missing_ok=True)
    return path


def gate_running(spec: LaunchSpec, allowed: tuple[tuple[str, int], ...], pid: int) -> int:
    """Gate the network namespace of a running process (a container's, started with no network
    and waiting for ready_dir's `ready`); the gate's pid. It exits with that process."""
    ready = ready_dir(spec) / "ready"
    return spawn([*_netgate(spec, allowed), "--join", str(pid), "--ready", str(ready), "--"],
                 spec.log_dir / f"{spec.shard}.gate.log")
