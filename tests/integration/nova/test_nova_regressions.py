"""Seeded regressions in real nova, shown on real nova: the dev venv's nova-compute runs as
production on one host, each patched copy of it (and a clean copy, and an only-slower one) as a
production compute of a host of its own, all at once. The same lifecycle (build, reboot,
delete) runs on every host, every host's conductor calls and scheduler casts are tapped from the
broker, and each host is compared with the unpatched one: each regression must be named as its
patch file says, the clean and the slower copies must show nothing."""

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.dev.services.rabbitmq import local_amqp_url
from harness.nova.compute_conf import node_uuid
from harness.nova.layout import FLAVOR, VHOST, endpoint
from harness.nova.patched import CLEAN, patched_nova, regressions
from harness.nova.rest import compute_client
from harness.shadow.compare import compare
from harness.shadow.compare.aggregates import AT_REST
from harness.shadow.compare.comparison import Comparison
from harness.shadow.compare.observation import Effect
from harness.shadow.nova_hosts import (
    HostsTap,
    Lifecycle,
    Message,
    drive,
    host_effects,
    triggers_of,
)
from tests.integration.shards.harness_cli import harness

pytestmark = pytest.mark.timeout(1200)  # ten nova-computes start on a shared 2-core box
STARTING_AT_ONCE = 3  # each start imports nova (seconds of CPU): ten at once time out here
START_TRIES = 3
LIFECYCLES = 50
SETTLE_SECONDS = 5  # the resource tracker's last save comes after the API shows a server gone


def _host() -> str:
    return f"rg-{uuid.uuid4().hex[:10]}"


@contextmanager
def _shards_up(config: Path, builds: dict[str, str]) -> Iterator[dict[str, str]]:
    """`shard up --nova [PATH]` for every host, a few at a time; yields host -> session."""
    def up(host: str) -> tuple[str, str]:
        nova = ["--nova"] + ([builds[host]] if builds[host] else [])
        for _ in range(START_TRIES):  # the broker's management API times out under load
            done = harness(config, "shard", "up", "--cloud", "nova-test", "--host", host,
                           *nova, "--no-agent", "--ready-timeout", "300", "--json", check=False)
            if done.returncode == 0:
                return host, json.loads(done.stdout)["session"]
        return host, done.stderr

    with ThreadPoolExecutor(STARTING_AT_ONCE) as pool:
        started = dict(pool.map(up, builds))
    sessions = {h: s for h, s in started.items() if " " not in s}
    try:
        assert sessions.keys() == builds.keys(), started
        yield sessions
    finally:
        with ThreadPoolExecutor(len(sessions) or 1) as pool:
            list(pool.map(lambda s: harness(config, "shard", "down", s, check=False),
                          sessions.values()))


def _named(comparison: Comparison) -> set[tuple[str, str, str]]:
    return {(r.category, r.effect, r.path) for r in comparison.reported}


def _observed(config: Path, builds: dict[str, str], per_host: int, at_once: int
              ) -> tuple[dict[str, list[Effect]], list[Lifecycle], set[str]]:
    """Every host up, `per_host` lifecycles on each (`at_once` running), their effects."""
    api = compute_client(endpoint("compute"))
    tap = HostsTap(local_amqp_url(VHOST), "nova").start()
    try:
        with _shards_up(config, builds):
            losses = tap.losses  # a start whose messages were lost only misses periodic work
            lifecycles = [Lifecycle(host, n) for n in range(per_host) for host in builds]
            with ThreadPoolExecutor(at_once) as pool:
                done = list(pool.map(lambda lc: drive(api, FLAVOR["id"], lc), lifecycles))
            time.sleep(SETTLE_SECONDS)
            assert tap.losses == losses, "the broker dropped the tap during the lifecycles"
    finally:
        tap.stop()
    assert [lc.failure for lc in done if lc.failure] == []
    return host_effects(tap.messages, done, {h: node_uuid(h) for h in builds}), done, _foreign(
        tap.messages, done)


def _foreign(messages: list[Message], done: list[Lifecycle]) -> set[str]:
    """Hosts that served a server of another test (the shared cloud's scheduler may place one
    on any host up): their totals at rest count it."""
    ours = {lc.instance for lc in done}
    return {inner["args"]["kwargs"].get("host") for _, inner in messages
            if inner.get("args", {}).get("objmethod") == "event_start"
            and inner["args"]["args"][0] not in ours}


def test_each_regression_is_named_and_clean_or_slower_nova_is_not(nova_config: Path) -> None:
    known = regressions()
    candidates = {name: _host() for name in [CLEAN, *known]}
    builds = {_host(): ""} | {host: str(patched_nova(name)) for name, host in candidates.items()}
    production = next(iter(builds))
    effects, _, foreign = _observed(nova_config, builds, 1, len(builds))
    triggers = triggers_of([Lifecycle(production, 0)])
    verdicts = {name: compare(effects[production], effects[host], triggers=triggers)
                for name, host in candidates.items()}
    found = {name: sorted(_named(c)) for name, c in verdicts.items()}
    print(json.dumps(found, indent=1), "hosts that served others' servers:", foreign)
    for name, comparison in verdicts.items():
        assert comparison.compared["build_and_run_instance"] == 1
        expect = known[name].expect if name in known else None
        if expect is None:
            unexplained = [r for r in comparison.reported if r.method != AT_REST
                           or not {production, candidates[name]} & foreign]
            assert unexplained == [] and not comparison.drift, (name, found[name])
        else:
            assert (expect.category, expect.effect, expect.path) in _named(comparison), (
                name, found[name])


@pytest.mark.slow
def test_clean_nova_shows_nothing_over_many_lifecycles(nova_config: Path) -> None:
    production, candidate = _host(), _host()
    builds = {production: "", candidate: str(patched_nova(CLEAN))}
    effects, done, foreign = _observed(nova_config, builds, LIFECYCLES, 8)
    comparison = compare(effects[production], effects[candidate],
                         triggers=triggers_of(lc for lc in done if lc.host == production))
    print(f"{LIFECYCLES} lifecycles per host: {sum(comparison.compared.values())} groups "
          f"compared, {len(comparison.reported)} reported, {comparison.ignored} ignored")
    assert comparison.compared["terminate_instance"] == LIFECYCLES
    assert [r for r in comparison.reported if r.method != AT_REST or not foreign] == []
    assert not comparison.drift
