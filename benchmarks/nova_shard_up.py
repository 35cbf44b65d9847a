"""How long `harness shard up --nova` takes until its real nova-compute is ready, against a
bare start of the same nova-compute with a hand-written config, measured in the same run.

Needs the local nova cloud (`harness dev up --nova`). Alternates, N times each:

- `harness shard up --cloud nova-local --host H --nova --no-agent`, from the command's start
  to its exit, which it reaches once the host is ready (a consumer on compute.H, H up in nova's
  service list, its resource provider in placement, H mapped to a cell): Vault-issued
  credentials, rendered config;
- the dev venv's `nova-compute` started bare on a hand-written nova.conf (the broker
  administrator's URL, the same endpoints and fake driver), timed until the same checks hold.

Prints medians, the ratio of shard up to the bare start (target: at most 1.2x), and the RSS of
each real compute host once ready.

    .venv/bin/python benchmarks/nova_shard_up.py [--repeat 3]
"""

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from harness.config import Cloud, load_cloud
from harness.dev.services.rabbitmq import local_amqp_url, local_management
from harness.nova.compute_conf import COMPUTE_DRIVER, FAKE_HOST_OVERCOMMIT, node_uuid
from harness.nova.control_conf import service_sections
from harness.nova.layout import CLOUD_NAME, VHOST
from harness.nova.shard import ready_checks, remove_compute_records
from harness.nova.venv import require_venv
from harness.shards.readiness import consumers
from harness.system.process import terminate
from harness.tables import format_table

POLL_SECONDS = 0.05
READY_TIMEOUT = 120.0


def rss_mb(pid: int) -> float:
    """A process's resident set, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_ready(cloud: Cloud, host: str, alive: Callable[[], bool]) -> None:
    """The checks shard up waits for, asked as the broker administrator."""
    admin_url = local_amqp_url(VHOST)
    checks = [lambda: consumers(admin_url, f"compute.{host}") > 0,
              *ready_checks(cloud, host).values()]
    deadline = time.monotonic() + READY_TIMEOUT
    while not all(check() for check in checks):
        if not alive() or time.monotonic() > deadline:
            raise SystemExit(f"bare nova-compute for {host} never became ready")
        time.sleep(POLL_SECONDS)


def bare_conf(cloud: Cloud, host: str, directory: Path) -> Path:
    """The nova.conf an operator would write by hand for one fake compute host."""
    state = directory / "state"
    state.mkdir()
    (state / "compute_id").write_text(node_uuid(host))
    lines = ["[DEFAULT]", f"host = {host}", f"state_path = {state}",
             f"compute_driver = {COMPUTE_DRIVER}",
             f"transport_url = {local_amqp_url(VHOST).replace('amqp://', 'rabbit://', 1)}",
             *(f"{k} = {v}" for k, v in FAKE_HOST_OVERCOMMIT.items()),
             "[oslo_concurrency]", f"lock_path = {state}"]
    for section, options in service_sections(dict(cloud.endpoints)).items():
        lines += [f"[{section}]", *(f"{k} = {v}" for k, v in options.items())]
    path = directory / "nova.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def bare_start(cloud: Cloud, host: str) -> tuple[float, float]:
    """Seconds from exec to ready, and RSS once ready; then stop it and remove its records."""
    with tempfile.TemporaryDirectory() as scratch:
        conf = bare_conf(cloud, host, Path(scratch))
        log = (Path(scratch) / "compute.log").open("wb")
        start = time.monotonic()
        child = subprocess.Popen([str(require_venv() / "bin" / "nova-compute"), "--config-file",
                                  str(conf)], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(cloud, host, lambda: child.poll() is None)
            took, rss = time.monotonic() - start, rss_mb(child.pid)
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    remove_compute_records(cloud, host)
    admin = local_management()
    for queue in (f"compute.{host}", f"compute-alt.{host}"):
        admin.delete_queue(VHOST, queue)
    return took, rss


def harness_up(host: str) -> tuple[float, float]:
    """Seconds `harness shard up --nova` took, and its compute's RSS; then shard down."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "harness", "shard", "up", "--cloud", CLOUD_NAME,
                           "--host", host, "--nova", "--no-agent", "--ready-timeout",
                           str(READY_TIMEOUT), "--json"], capture_output=True, text=True,
                          check=False)
    took = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"shard up failed: {done.stderr.strip()[-500:]}")
    started = json.loads(done.stdout)
    pid = int(started["shards"][0]["ref"].split(":")[0])
    rss = rss_mb(pid)
    subprocess.run([sys.executable, "-m", "harness", "shard", "down", started["session"]],
                   capture_output=True, check=False)
    if Path(f"/proc/{pid}").exists():
        terminate(pid)
    return took, rss


def main() -> None:
    """Alternate both ways of starting a host, then print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cloud = load_cloud(CLOUD_NAME)
    times: dict[str, list[float]] = {"shard up --nova": [], "bare nova-compute": []}
    rss: dict[str, list[float]] = {name: [] for name in times}
    for index in range(args.repeat):
        tag = uuid.uuid4().hex[:6]
        starts: dict[str, Callable[[], tuple[float, float]]] = {
            "bare nova-compute": partial(bare_start, cloud, f"bench-b{tag}"),
            "shard up --nova": partial(harness_up, f"bench-h{tag}")}
        for name, run in starts.items():
            took, resident = run()
            times[name].append(took)
            rss[name].append(resident)
            print(f"round {index + 1}: {name} {took:.2f} s, RSS {resident:.0f} MiB",
                  file=sys.stderr)
    rows = [[name, f"{statistics.median(values):.2f}", f"{min(values):.2f}",
             f"{max(values):.2f}", f"{statistics.median(rss[name]):.0f}"]
            for name, values in times.items()]
    print(format_table(["start", "median s", "min s", "max s", "RSS MiB per host"], rows))
    ratio = statistics.median(times["shard up --nova"]) / statistics.median(
        times["bare nova-compute"])
    print(f"shard up --nova / bare nova-compute: {ratio:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
