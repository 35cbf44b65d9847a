"""What the user asked `shard up` for: plain data, so the CLI can hand it to an agent."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ShardUp:
    """What the user asked `shard up` for."""

    cloud: str
    host: str
    cloud_config: str | None = None
    mode: str = "production"
    count: int = 1
    launcher: str = "process"
    image: str | None = None
    command: str | None = None
    force: bool = False
    memory_limit: str | None = None
    cpus: float | None = None
    ready_timeout: float = 60.0
    per_process: int = 1  # >1: each process serves hosts HOST-0 ... HOST-(per_process-1)
    hollow_args: tuple[str, ...] = ()  # more options for `harness hollow run`
    nova: str | None = None  # real nova-compute: a checkout or venv, or "dev" for the dev one
