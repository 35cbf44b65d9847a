"""Fidelity on real RabbitMQ: a clean candidate, and one that differs only in timing, over
5,000 mirrored messages shows nothing beyond noise."""

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.bus.management import ManagementClient
from harness.shadow.candidates import CHANGES
from harness.shadow.embedded import EmbeddedExperiment, Vhosts
from harness.shadow.publish import publish
from tests.integration.shadow.conftest import url_for

CAPS = {"compute": "6.4", "conductor": "3.0"}
LIFECYCLES = 1275  # build, console, reboot and delete each: 5,100 mirrored messages


@pytest.mark.parametrize("change", ["none", "jittery"])
def test_clean_or_slower_candidate_over_5000_messages_has_no_difference(
    change: str, make_vhost: Callable[[str], str], rabbit_admin: ManagementClient,
    tmp_path: Path,
) -> None:
    production, control, candidate = (url_for(make_vhost(side))
                                      for side in ("prod", "control", "candidate"))
    vhosts = Vhosts(production, control, candidate,
                    firehose=lambda url: rabbit_admin.set_tracing(url.rsplit("/", 1)[1], True))
    experiment = EmbeddedExperiment(vhosts, tmp_path, CHANGES[change].shard)
    book = experiment.run(LIFECYCLES, rate=40)
    assert book.failure_count() == 0
    report = publish(tmp_path, experiment.session, experiment.host, caps=CAPS)
    assert report.counters["relayed"] >= 5000
    assert report.counters["mirrored"] == report.counters["relayed"]
    assert sum(report.comparison.compared.values()) >= 5000
    assert report.observable["rpc_reply"]
    assert report.comparison.compared["get_console_output"] == LIFECYCLES
    assert report.comparison.reported == [] and report.comparison.drift == []
    assert not report.failed
    reads = [r for r in report.reads if r["side"] == "candidate"]
    assert reads and all(r["stubbed"] == 0 for r in reads)  # every read got production's answer
