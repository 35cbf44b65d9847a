"""Ramp steps made of known numbers, for judging and reporting without running anything."""

from harness.scale.results import StepResult
from harness.scale.run import RunResult
from harness.scale.sampler import Sample
from harness.scale.scenario import Scenario

SCENARIO = {
    "name": "unit", "ramp": [100, 1000], "duration": 10,
    "traffic": {"runner": {"type": "constant", "times": 4, "concurrency": 2}},
    "sla": {"failure_rate": {"max": 0}, "max_seconds_per_iteration": 5,
            "max_avg_duration": 3, "max_avg_duration_per_atomic": {"build": 1},
            "percentiles": {"build": {"p95": 2}}, "heartbeat_late": {"max": 1},
            "conductor_cpu": {"max": 50}, "database_cpu": {"max": 50},
            "queue_depth": {"max": 100}},
}


def step(index: int, hosts: int, build: list[float], iterations: list[tuple[float, bool]],
         conductor: float, database: float | None, statements: float, queue: int,
         late: int = 0) -> StepResult:
    """A step whose operations, iterations and samples are exactly these."""
    result = StepResult(index, hosts, begin=10.0 * index, end=10.0 * index + 10)
    for seconds in build:
        result.book.add("build", seconds)
    for seconds, ok in iterations:
        result.book.iteration(seconds, ok)
    result.samples = [Sample(t=10.0 * index + t, step=index, hosts=hosts,
                             conductor_cpu=conductor, database_cpu=database,
                             db_statements_per_s=statements, queue_messages=queue,
                             queue_max=queue, conductor_queue=0, connections=hosts // 100 + 2,
                             heartbeats=50, late_heartbeats=late)
                      for t in (1.0, 2.0)]
    return result


def run_result(steps: list[StepResult]) -> RunResult:
    """A finished run of the unit scenario with these steps."""
    result = RunResult(Scenario.model_validate(SCENARIO), "cloud", "s1", steps=steps,
                       started=0.0)
    result.samples = [s for st in steps for s in st.samples]
    return result


def healthy_then_strained() -> RunResult:
    """100 hosts within every SLA; 1,000 hosts missing several, the database grown N^1.5."""
    return run_result([
        step(0, 100, [0.5, 0.6, 0.7], [(1.0, True), (2.0, True)], 5.0, 2.0, 100.0, 3),
        step(1, 1000, [0.8, 1.5, 3.0], [(6.0, True), (2.0, False)], 30.0, 63.2, 3162.0, 300,
             late=5),
    ])
