"""Acceptance: `harness demo --nova --expect-change` on the local nova cloud names the seeded
regression, exits 0, and leaves nothing running: no shard, session, clone, database user,
shadow vhost or queue of its host."""

import json
import subprocess
import sys
from pathlib import Path

from harness.bus.management import ManagementClient
from harness.launchers import get_launcher
from harness.nova.layout import VHOST
from harness.nova.patched import regressions
from harness.sessions import SessionStore
from tests.integration.nova.production import databases_of, side_processes, users_of

REGRESSION = "spawn-shutdown"
DEMO_TIMEOUT = 840  # a production and a candidate nova-compute start on a shared box


def test_demo_on_nova_names_the_seeded_regression_and_leaves_nothing(
        nova_config: Path, rabbit_admin: ManagementClient, tmp_path: Path) -> None:
    before = {s.id for s in SessionStore().all()}
    page = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "harness", "--cloud-config", str(nova_config),
                           "demo", "--nova", "--cloud", "nova-test", "--expect-change",
                           "--lifecycles", "2", "--json", "-o", str(page)],
                          capture_output=True, text=True, timeout=DEMO_TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    expect = regressions()[REGRESSION].expect
    assert expect is not None
    named = {(m["category"], m["effect"], m["path"]) for m in report["mismatches"]}
    assert expect.key in named, named
    assert f"regression '{REGRESSION}'" in done.stderr and "as the patch expects" in done.stderr
    assert REGRESSION in page.read_text()
    assert report["methods"]["build_and_run_instance"]["compared"] == 2

    session, host = report["session"], report["production_host"]
    assert {s.id for s in SessionStore().all()} <= before
    assert not [h for h in get_launcher("process").discover()
                if h.session == session or h.shard == host]
    assert databases_of(session) == [] and users_of(session) == []
    assert side_processes(session) == []
    assert not [v for v in rabbit_admin.vhosts() if v.startswith(f"shadow.{session}.")]
    assert not [q["name"] for q in rabbit_admin.queues(VHOST)
                if session in q["name"] or host in q["name"]]
