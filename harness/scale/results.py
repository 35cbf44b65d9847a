"""What one ramp step measured: its iterations and operations, and the samples taken meanwhile."""

import statistics
from dataclasses import dataclass, field

from harness.sandbox.latency import LatencyBook, percentile
from harness.scale.sampler import Sample


@dataclass
class StepResult:
    """One step of the ramp: `hosts` compute hosts up, traffic driven for the step's duration."""

    index: int
    hosts: int
    begin: float  # seconds into the run
    end: float
    book: LatencyBook = field(default_factory=LatencyBook)
    samples: list[Sample] = field(default_factory=list)

    @property
    def iterations(self) -> int:
        """Lifecycles finished, worked or not."""
        return len(self.book.iterations)

    def failure_rate(self) -> float:
        """Percent of iterations that failed (0 when none ran)."""
        if not self.book.iterations:
            return 0.0
        failed = sum(1 for it in self.book.iterations if not it.ok)
        return 100.0 * failed / len(self.book.iterations)

    def iteration_seconds(self) -> list[float]:
        """How long each successful iteration took, sorted."""
        return sorted(it.seconds for it in self.book.iterations if it.ok)

    def operation_seconds(self, operation: str) -> list[float]:
        """How long each successful `operation` took, sorted."""
        return sorted(self.book.samples.get(operation, []))

    def operation_percentile(self, operation: str, pct: float) -> float | None:
        """The operation's percentile in seconds (None when it never succeeded)."""
        values = self.operation_seconds(operation)
        return percentile(values, pct) if values else None

    def measured(self, metric: str) -> list[float]:
        """A sampled metric's readings during this step (the ones that were measured)."""
        values = (getattr(s, metric) for s in self.samples)
        return [float(v) for v in values if v is not None]

    def mean(self, metric: str) -> float | None:
        """A sampled metric's mean over the step (None when never measured)."""
        values = self.measured(metric)
        return round(statistics.fmean(values), 2) if values else None

    def peak(self, metric: str) -> float | None:
        """A sampled metric's largest reading in the step."""
        values = self.measured(metric)
        return max(values) if values else None

    def late_heartbeat_share(self) -> float | None:
        """Percent of the service reports seen in this step that came late."""
        reports = sum(s.heartbeats for s in self.samples)
        if not reports:
            return None
        return round(100.0 * sum(s.late_heartbeats for s in self.samples) / reports, 2)
