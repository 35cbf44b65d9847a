"""`harness demo --nova`: the demo on the real nova cloud. A production nova-compute on a demo
host of its own, a shadow session whose candidate is the dev nova with a seeded regression,
lifecycles through nova-api onto that host, and the session's report. Whatever it started
goes when it ends, also when it fails or is interrupted."""

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from harness.config import load_cloud
from harness.nova.patched import Regression, patched_nova, regressions
from harness.sandbox.latency import LatencyBook
from harness.sandbox.traffic import TrafficGenerator
from harness.sessions import SessionStore
from harness.sessions.teardown import teardown
from harness.shadow.driver_process import start_driver, stop_driver
from harness.shadow.publish import publish
from harness.shadow.report.model import Report
from harness.shadow.session import ShadowRequest, records_dir
from harness.shards.request import ShardUp
from harness.shards.up import shard_up

READY_TIMEOUT = 180.0  # a nova-compute's start on a shared box
STOP_TIMEOUT = 60.0
SETTLE_SECONDS = 5.0  # the resource tracker's last save comes after the API shows a server gone


class Interrupted(Exception):
    """SIGINT or SIGTERM came while the demo ran; what it started is gone."""


@dataclass(frozen=True)
class NovaDemoResult:
    """What the demo found, and what it ran."""

    report: Report
    book: LatencyBook
    regression: Regression

    @property
    def named(self) -> bool:
        """The report names what the regression's patch file says it should."""
        expect = self.regression.expect
        found = {(m.category, m.effect, m.path) for m in self.report.comparison.reported}
        return expect is not None and expect.key in found

    @property
    def as_expected(self) -> bool:
        """The regression named, or nothing at all reported for one that changes nothing."""
        return self.named if self.regression.expect else not self.report.failed

    def outcome(self) -> str:
        """One line that says whether the comparator saw the seeded regression as it should."""
        expect = self.regression.expect
        wanted = " ".join(expect.key).strip() if expect else "nothing"
        verdict = "as the patch expects" if self.as_expected else "NOT as the patch expects"
        return f"regression '{self.regression.name}': {wanted} expected; {verdict}"


@dataclass(frozen=True)
class NovaDemo:
    """One run: the nova cloud, the regression, the traffic (`traffic(host)` drives lifecycles
    through the cloud's nova-api onto that host)."""

    cloud: str
    cloud_config: str | None
    regression: str
    lifecycles: int
    rate: float
    sample: float
    traffic: Callable[[str], TrafficGenerator]
    progress: Callable[[str], None]

    def run(self, stop: threading.Event) -> NovaDemoResult:
        """Production up, the session, the traffic, the report; everything torn down after."""
        regression = regressions()[self.regression]
        cloud = load_cloud(self.cloud, self.cloud_config)
        candidate = patched_nova(self.regression)
        host = f"demo-{secrets.token_hex(3)}"
        self.progress(f"production: a real nova-compute on host {host}")
        store = SessionStore()
        production = shard_up(ShardUp(self.cloud, host, self.cloud_config,
                                      ready_timeout=READY_TIMEOUT, nova="dev"))
        try:
            _check(stop)
            self.progress(f"candidate: nova with regression {self.regression}, shadowing {host}")
            session = start_driver(ShadowRequest(self.cloud, host, f"nova:{candidate}",
                                                 sample=self.sample,
                                                 cloud_config=self.cloud_config))
            try:
                _check(stop)
                book = self._traffic(host, stop)
            finally:
                self.progress(f"stopping session {session}")
                stop_driver(session, STOP_TIMEOUT)
        finally:
            self.progress(f"stopping the production nova-compute on {host}")
            teardown(store.get(production.id), store)
        title = f"candidate: nova with {regression.name} ({regression.says})"
        return NovaDemoResult(publish(records_dir(session), session, host,
                                      caps=cloud.rpc_version_caps, title=title),
                              book, regression)

    def _traffic(self, host: str, stop: threading.Event) -> LatencyBook:
        """The lifecycles through nova-api onto the host, and the time for the last effects."""
        traffic = self.traffic(host)
        self.progress(f"traffic: {self.lifecycles} lifecycles ({', '.join(traffic.steps)}) "
                      f"through nova-api onto {host}")
        traffic.run(self.lifecycles, self.rate, stop)
        _check(stop)
        time.sleep(SETTLE_SECONDS)
        return traffic.book


def _check(stop: threading.Event) -> None:
    """Interrupted once SIGINT or SIGTERM came."""
    if stop.is_set():
        raise Interrupted("interrupted")
