"""The scale scenario file: shards, a ramp, traffic in Rally's runner vocabulary, SLAs."""

import re
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from harness.config.loader import load_model
from harness.config.schema import Strict
from harness.hollow.shard_set import MAX_SHARDS_PER_PROCESS
from harness.sandbox.traffic import DEFAULT_STEPS, check_steps

PERCENTILE_KEY = re.compile(r"^p(\d{1,2}(\.\d+)?)$")
KNOWN_KINDS = "hollow, nova or image:NAME"
NOVA_REPORT_INTERVAL = 10.0  # nova's own [DEFAULT] report_interval, which its shards keep


def _check_kind(value: str) -> str:
    if value not in ("hollow", "nova") and not (value.startswith("image:") and len(value) > 6):
        raise ValueError(f"unknown shard kind {value!r}; use {KNOWN_KINDS}")
    return value


def _kind(info: ValidationInfo) -> str | None:
    """The kind validated before the field at hand (None when it was refused)."""
    kind = info.data.get("kind")
    return kind if isinstance(kind, str) else None


def _check_lifecycle(value: list[str]) -> list[str]:
    return list(check_steps(value))


def _check_ramp(value: list[int]) -> list[int]:
    if any(later <= earlier for earlier, later in pairwise(value)):
        raise ValueError(f"a ramp's counts must grow, got {value}")
    return value


def _check_percentiles(value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    for operation, limits in value.items():
        check_steps(["build", operation, "delete"] if operation not in ("build", "delete")
                    else ["build", "delete"])
        for key in limits:
            if not PERCENTILE_KEY.match(key) or not 0 < float(key[1:]) < 100:
                raise ValueError(f"{operation}: {key!r} is not a percentile like p95")
    return value


class Shards(Strict):
    """What runs as compute hosts, and how many a process (or container) carries."""

    kind: Annotated[str, AfterValidator(_check_kind)] = "hollow"
    nova: str | None = Field(None, min_length=1)  # kind nova: a checkout or venv (default: dev)
    per_process: int = Field(50, ge=1, le=MAX_SHARDS_PER_PROCESS)
    report_interval: float = Field(10.0, gt=0)
    resource_interval: float = Field(60.0, gt=0)
    ready_timeout: float = Field(120.0, gt=0)
    start_rate: float | None = Field(None, gt=0)  # shards started a second (None: all at once)

    @model_validator(mode="before")
    @classmethod
    def _one_nova_host_a_process(cls, data: Any) -> Any:
        """Kind nova carries one host a process unless the file says otherwise (refused)."""
        if isinstance(data, dict) and data.get("kind") == "nova" and "per_process" not in data:
            return {**data, "per_process": 1}
        return data

    @field_validator("nova")
    @classmethod
    def _nova_for_kind_nova(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and _kind(info) not in ("nova", None):
            raise ValueError("names the nova build of kind nova shards; this kind is "
                             f"{_kind(info)}")
        return value

    @field_validator("per_process")
    @classmethod
    def _per_process_of_kind(cls, value: int, info: ValidationInfo) -> int:
        if value > 1 and _kind(info) == "nova":
            raise ValueError(f"real nova-compute serves one host a process; got {value} "
                             "(leave per_process out, or set 1, for kind nova)")
        return value

    @field_validator("report_interval")
    @classmethod
    def _nova_reports_its_own(cls, value: float, info: ValidationInfo) -> float:
        if value != NOVA_REPORT_INTERVAL and _kind(info) == "nova":
            raise ValueError(f"real nova-compute reports every {NOVA_REPORT_INTERVAL:g} s "
                             f"(nova's report_interval); got {value:g} (leave it out for kind "
                             "nova)")
        return value

    @property
    def image(self) -> str | None:
        """The Docker image of an image:NAME kind (None: hollow shards as processes)."""
        return self.kind.removeprefix("image:") if self.kind.startswith("image:") else None


class ControlPlane(Strict):
    """The control plane a job starts when none runs for the cloud (`sandbox up`'s options)."""

    conductor_workers: int | None = Field(None, ge=1, le=256)  # None: the CPU count


class Runner(Strict):
    """Rally's runners: `constant` (times, concurrency) and `rps` (times, rps, max_concurrency)."""

    type: Literal["constant", "rps"]
    times: int = Field(ge=1)
    concurrency: int = Field(1, ge=1, le=1024)
    rps: float | None = Field(None, gt=0)
    max_concurrency: int = Field(256, ge=1, le=1024)

    @model_validator(mode="after")
    def _fits_type(self) -> "Runner":
        if self.type == "rps" and self.rps is None:
            raise ValueError("an rps runner needs rps")
        if self.type == "constant" and self.rps is not None:
            raise ValueError("rps belongs to the rps runner; constant takes concurrency")
        return self


class Traffic(Strict):
    """Instance lifecycles over the operations `sandbox boot` knows, driven by a runner."""

    runner: Runner
    steps: Annotated[list[str], AfterValidator(_check_lifecycle)] = list(DEFAULT_STEPS)
    timeout: float = Field(60.0, gt=0)


class Limit(Strict):
    """An upper bound."""

    max: float = Field(ge=0)


class Sla(Strict):
    """Rally's SLA names, plus the control plane's own measures."""

    failure_rate: Limit | None = None  # percent of iterations
    max_seconds_per_iteration: float | None = Field(None, gt=0)
    max_avg_duration: float | None = Field(None, gt=0)
    max_avg_duration_per_atomic: dict[str, float] = {}
    percentiles: Annotated[dict[str, dict[str, float]],
                           AfterValidator(_check_percentiles)] = {}  # {op: {p95: seconds}}
    heartbeat_late: Limit | None = None  # percent of service reports
    conductor_cpu: Limit | None = None  # percent of one core, mean over the step
    database_cpu: Limit | None = None
    queue_depth: Limit | None = None  # messages waiting in the cloud's vhost, at most


class Scenario(Strict):
    """One scale job."""

    name: str = Field(min_length=1)
    description: str = ""
    shards: Shards = Field(default_factory=lambda: Shards.model_validate({}))
    control_plane: ControlPlane = Field(default_factory=lambda: ControlPlane.model_validate({}))
    ramp: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1),
                    AfterValidator(_check_ramp)]
    traffic: Traffic
    duration: float = Field(gt=0)  # seconds each ramp step is driven and sampled
    sla: Sla = Field(default_factory=lambda: Sla.model_validate({}))


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; ConfigError naming file, line and field."""
    return load_model(path, Scenario)
