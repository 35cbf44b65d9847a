"""An experiment in one process: sandbox, production, control and candidate, mirror and relay.

It runs on any bus URL scheme: the in-process broker for `harness demo` (no service at all),
or RabbitMQ vhosts for tests and `harness demo --cloud`. Production runs in record mode, both
shadows in shadow mode in vhosts of their own, fed only by the relay.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.atomic import write_json
from harness.hollow.compute import HollowCompute
from harness.hollow.effects import EffectRecorder
from harness.hollow.replay import ReadAnswers
from harness.hollow.resources import Resources
from harness.hollow.services import ShardServices
from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import SandboxCloud
from harness.sandbox.latency import LatencyBook
from harness.sessions.model import new_session_id
from harness.shadow.firehose import ReplyTap
from harness.shadow.mirror import MirrorSpec
from harness.shadow.records import REPLAYED, TriggerLog, side_dir, write_counters
from harness.shadow.relay import Relay
from shims.effects import Side
from shims.mode import Mode

EXCHANGE = "nova"
SETTLE_TIMEOUT = 60.0
# One host takes all of the experiment's traffic: room for every instance in flight at once.
EXPERIMENT_CAPACITY = Resources(memory_mb=4_194_304, vcpus=8192, disk_gb=1_048_576)
NOT_OUTCOMES = frozenset({"reply_failed"})  # counted besides the message's own outcome
LIFECYCLE = ("build", "console", "reboot", "delete")  # casts, and a call whose reply compares


def processed(counters: dict[str, int]) -> int:
    """Messages a server is done with, whatever the outcome (a failing candidate counts too)."""
    return sum(n for kind, n in counters.items() if kind not in NOT_OUTCOMES)


@dataclass
class Vhosts:
    """The bus URL of each side's vhost."""

    production: str
    control: str | None
    candidate: str
    firehose: Callable[[str], None] | None = None  # switches a vhost's firehose on, by URL

    def sides(self) -> dict[Side, str]:
        """Each side's URL, production first."""
        urls: dict[Side, str | None] = {"production": self.production, "control": self.control,
                                        "candidate": self.candidate}
        return {side: url for side, url in urls.items() if url}


@dataclass
class EmbeddedExperiment:
    """Production and its shadows on one host name, driven by the sandbox's traffic."""

    vhosts: Vhosts
    root: Path
    candidate: type[HollowCompute] = HollowCompute
    host: str = "cmp-17"
    sample: float = 1.0
    steps: tuple[str, ...] = LIFECYCLE
    session: str = field(default_factory=new_session_id)
    progress: Callable[[str], None] = lambda _line: None
    replay: bool = True  # shadows get production's answers to their reads (else stand-ins)
    reads: ReadAnswers = field(default_factory=ReadAnswers)

    def _shards(self, url: str, side: Side, mode: Mode,
                shard: type[HollowCompute], endpoints: dict[str, str]) -> ShardSet:
        """One side's shard on the production host's name, recording into its own directory."""

        options = ShardOptions(report_interval=30, resource_interval=300,
                               capacity=EXPERIMENT_CAPACITY)

        def make(host: str, services: ShardServices) -> HollowCompute:
            return shard(host, services, options.rpc_version, options.capacity)

        recorder = EffectRecorder(side_dir(self.root, side), self.session, side, mode,
                                  self.reads if self.replay else None)
        return ShardSet(url, EXCHANGE, [self.host], endpoints, recorder, options,
                        shard_factory=make)

    def run(self, lifecycles: int, rate: float) -> LatencyBook:
        """Run the traffic through production while both shadows watch; returns its latencies."""
        self.root.mkdir(parents=True, exist_ok=True)
        sandbox = SandboxCloud(self.vhosts.production, EXCHANGE,
                               f"sqlite:///{self.root / 'sandbox.db'}")
        sandbox.start()
        sides: list[ShardSet] = []
        triggers = TriggerLog(self.root)
        shadow_urls = [u for u in (self.vhosts.control, self.vhosts.candidate) if u]
        relay = Relay(self.vhosts.production, MirrorSpec(self.session, self.host, EXCHANGE),
                      shadow_urls, self.sample, on_trigger=triggers.append)
        taps = self._reply_taps(triggers)
        try:
            relay.declare()
            for tap in taps:
                tap.declare()
                tap.start()
            sides.append(self._shards(self.vhosts.production, "production", Mode.RECORD,
                                      HollowCompute, sandbox.endpoints))
            if self.vhosts.control:
                sides.append(self._shards(self.vhosts.control, "control", Mode.SHADOW,
                                          HollowCompute, sandbox.endpoints))
            sides.append(self._shards(self.vhosts.candidate, "candidate", Mode.SHADOW,
                                      self.candidate, sandbox.endpoints))
            for shards in sides:
                shards.start()
            relay.start()
            sandbox.wait_for_hosts(1)
            self.progress(f"driving {lifecycles} instance lifecycles through {self.host}")
            traffic = sandbox.traffic(steps=self.steps, timeout=30)
            traffic.run(lifecycles, rate)
            self._settle(relay, sides[1:], taps)
            return traffic.book
        finally:
            relay.stop()
            for tap in taps:
                tap.stop()
            write_counters(self.root, sum((tap.counters for tap in taps), Counter(relay.counters)))
            triggers.close()
            for shards in sides:
                shards.stop()
            write_json(self.root / REPLAYED, self.reads.replayed)
            sandbox.stop()

    def _reply_taps(self, triggers: TriggerLog) -> list[ReplyTap]:
        """With a firehose to switch on, every side's replies are tapped the same way."""
        if self.vhosts.firehose is None:
            return []
        taps = []
        for side, url in self.vhosts.sides().items():
            self.vhosts.firehose(url)
            taps.append(ReplyTap(url, self.session, side, side_dir(self.root, side) /
                                 "replies.jsonl", triggers.method_of))
        return taps

    def _settle(self, relay: Relay, shadows: list[ShardSet], taps: list[ReplyTap]) -> None:
        """Wait until the mirror is drained, each shadow has handled all that was relayed,
        and the reply taps have gone quiet."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        last: tuple[int, ...] = ()
        while time.monotonic() < deadline:
            relayed = relay.counters["relayed"]
            handled = [processed(s.counters()) for s in shadows]
            seen = (relayed, *(sum(tap.counters.values()) for tap in taps))
            if seen == last and all(h >= relayed for h in handled):
                return
            last = seen
            time.sleep(0.3)
