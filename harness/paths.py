"""Where the harness keeps its own files: state, logs, credentials bundles."""

import os
from pathlib import Path


def state_dir() -> Path:
    """The harness's private state directory (0700), HARNESS_STATE_DIR or XDG state home."""
    explicit = os.environ.get("HARNESS_STATE_DIR")
    if explicit:
        path = Path(explicit)
    else:
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        path = Path(base) / "shadow-harness"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def private_dir(*parts: str) -> Path:
    """A subdirectory of the state directory that only its owner can read."""
    path = state_dir().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def dev_dir() -> Path:
    """Files of the local dev cloud (state, logs, the OpenBao root token, the nova cloud's):
    named here so the dev installer and nova's shard-facing modules agree on one place."""
    return private_dir("dev")
