"""`scale run`: the ramp, step by step: shards up, traffic driven and the control plane sampled
for the step's duration; everything torn down at the end, on Ctrl-C and (by gc) after a crash."""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness.cloud.clients import CloudClients
from harness.config.schema import Cloud
from harness.errors import InfrastructureError
from harness.periodic import Periodic
from harness.scale.cpu import CpuMeter
from harness.scale.planes import Plane, plane_for
from harness.scale.results import StepResult
from harness.scale.sampler import Broker, Sample, Sampler
from harness.scale.scenario import Scenario
from harness.scale.shard_groups import bring_up
from harness.sessions import Session, SessionStore
from harness.sessions.model import new_session_id
from harness.sessions.teardown import teardown

log = logging.getLogger(__name__)
Progress = Callable[["ScaleRun"], None]


@dataclass
class RunResult:
    """Everything a report needs."""

    scenario: Scenario
    cloud: str
    session: str
    steps: list[StepResult] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    interrupted: bool = False
    started: float = 0.0  # epoch seconds of the run's first sample (time 0 of its plots)


class ScaleRun:
    """One scale job against one cloud; `run()` returns its result (teardown included)."""

    def __init__(self, scenario: Scenario, cloud: Cloud, cloud_config: str | None,
                 store: SessionStore | None = None) -> None:
        self.scenario = scenario
        self.cloud = cloud
        self.cloud_config = cloud_config
        self.store = store or SessionStore()
        self.session = Session(new_session_id(), "scale", cloud.name, cloud_config,
                               info={"scenario": scenario.name})
        self.prefix = f"scale-{self.session.id}-"
        self.result = RunResult(scenario, cloud.name, self.session.id)
        self.step: StepResult | None = None
        self.phase = "starting"
        self.hosts_up = 0
        self._shard_sessions: list[Session] = []
        self._sampler: Sampler | None = None

    def last_sample(self) -> Sample | None:
        """The latest reading of the control plane, if any yet."""
        return self._sampler.samples[-1] if self._sampler and self._sampler.samples else None

    def run(self, stop: threading.Event, progress: Progress | None = None) -> RunResult:
        """Every ramp step in turn, then teardown; a set `stop` (Ctrl-C) ends it early."""
        self.store.save(self.session)
        plane = plane_for(self.cloud)(self.cloud, self.cloud_config, self.store, self.session,
                                      self.scenario, self.prefix)
        sampler: Sampler | None = None
        ticker = Periodic("scale-progress", 1.0, lambda: progress(self) if progress else None)
        try:
            ticker.start()
            plane.attach()
            sampler = Sampler(
                CpuMeter(plane.conductor_pids), plane.database_meter(), plane.database_probe(),
                Broker(CloudClients(self.cloud).management, plane.vhost),
                lambda: (self.step.index if self.step else -1, self.hosts_up))
            self.result.started = time.time()
            sampler.start()
            self._sampler = sampler
            self._ramp(plane, sampler, stop)
        except KeyboardInterrupt:
            self.result.interrupted = True
        finally:
            self.phase = "tearing down"
            if sampler is not None:
                sampler.stop()
                self.result.samples = sampler.samples
            plane.detach()
            self._teardown()
            ticker.stop()
        self.result.interrupted = self.result.interrupted or stop.is_set()
        return self.result

    def _ramp(self, plane: Plane, sampler: Sampler, stop: threading.Event) -> None:
        for index, count in enumerate(self.scenario.ramp):
            if stop.is_set():
                return
            self.phase = f"starting shards ({self.hosts_up} -> {count})"
            bring_up(self.scenario, self.cloud, self.cloud_config, f"{self.prefix}{index}",
                     count - self.hosts_up, self.store, self._shard_sessions,
                     plane.hollow_args())
            plane.hosts_ready(self._wait_for_hosts(plane, count, stop))
            self.hosts_up = count
            begin = time.monotonic() - sampler.begin
            self.step = StepResult(index, count, round(begin, 2), 0.0)
            self.phase = "driving traffic"
            self._drive(plane, self.step, stop)
            self.step.end = round(time.monotonic() - sampler.begin, 2)
            self.step.samples = [s for s in sampler.samples if s.step == index]
            self.result.steps.append(self.step)

    def _wait_for_hosts(self, plane: Plane, count: int, stop: threading.Event) -> list[str]:
        """Until `count` of this run's hosts report to the control plane as up; those hosts."""
        deadline = time.monotonic() + self.scenario.shards.ready_timeout
        up: list[str] = []
        while not stop.is_set():
            up = plane.hosts_up()
            if len(up) >= count:
                return up
            if time.monotonic() > deadline:
                raise InfrastructureError(
                    f"only {len(up)} of {count} hosts reported in to the conductor within "
                    f"{self.scenario.shards.ready_timeout:g}s (shards.ready_timeout)")
            time.sleep(0.5)
        return up

    def _drive(self, plane: Plane, step: StepResult, stop: threading.Event) -> None:
        """The scenario's runner for the step's duration (iterations in flight then finish)."""
        traffic = self.scenario.traffic
        generator = plane.traffic(traffic.steps, traffic.timeout)
        generator.book = step.book
        runner = traffic.runner
        if runner.type == "constant":
            generator.max_in_flight, rate = runner.concurrency, 0.0
        else:
            generator.max_in_flight, rate = runner.max_concurrency, float(runner.rps or 1)
        step_over = threading.Event()
        thread = threading.Thread(target=generator.run, args=(runner.times, rate, step_over),
                                  name="scale-traffic", daemon=True)
        thread.start()
        deadline = time.monotonic() + self.scenario.duration
        try:
            while time.monotonic() < deadline and not stop.is_set():
                stop.wait(min(0.5, max(deadline - time.monotonic(), 0)))
        finally:  # a Ctrl-C starts no more iterations; those in flight end with the cloud
            step_over.set()
        thread.join()

    def _teardown(self) -> None:
        """Every shard session at once (each waits seconds for the broker's statistics to
        name its queues), then the run's own (a control plane it started)."""
        with ThreadPoolExecutor(max(len(self._shard_sessions), 1),
                                thread_name_prefix="scale-teardown") as pool:
            list(pool.map(self._teardown_shards, self._shard_sessions))
        teardown(self.session, self.store)

    def _teardown_shards(self, session: Session) -> None:
        try:
            teardown(session, self.store)
        except Exception as error:  # what is left is the next `harness gc`'s
            log.warning("shard session %s left for `harness gc`: %s", session.id, error)
