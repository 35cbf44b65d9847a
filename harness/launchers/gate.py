"""The harness's side of a shard's network gate: the command line that starts it (see
harness.launchers.netgate, which runs before the confinement, as root)."""

import sys
from pathlib import Path

from harness.launchers.base import SIDE_ENV, LaunchSpec, network_record

NETGATE = Path(__file__).with_name("netgate.py")


def _spelled(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gated(spec: LaunchSpec, allowed: tuple[tuple[str, int], ...]) -> list[str]:
    """The netgate's command line, to be followed by the shard's own: a network namespace of
    its own where only `allowed` answers, refusals recorded next to its log."""
    return [sys.executable, "-I", "-S", str(NETGATE),
            *(item for host, port in allowed for item in ("--allow", _spelled(host, port))),
            "--record", str(network_record(spec.log_dir, spec.shard)), "--session", spec.session,
            "--shard", spec.shard, "--side", spec.env.get(SIDE_ENV, "candidate"), "--"]
