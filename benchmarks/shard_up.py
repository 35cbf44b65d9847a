"""How long `harness shard up` takes until its shard is ready, against bare starts of that shard.

Builds a throwaway cloud (fresh vhost, MariaDB database and Vault mounts, a sandbox conductor in
this process), then times, N times each:

- `harness shard up` with the process launcher and with the docker launcher (hollow image), from
  the command's start to its exit, which it reaches once the shard is ready: cold (`--no-agent`,
  every import paid) and through a warm `harness agent` started for the run;
- the same hollow shard started bare, as `python -m harness hollow run` and as
  `docker run --network host IMAGE`, on a config file with the broker administrator's URL, timed
  until the same readiness checks hold (a consumer on compute.HOST, the host reported in).

Prints medians and the ratios of shard up to its bare twin. Targets: docker shard up <= 1.5x the
bare `docker run`; process shard up < 1 s.

    .venv/bin/python benchmarks/shard_up.py [--repeat 5] [--image TAG]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pymysql
import yaml

from credentials.bootstrap import bootstrap
from credentials.client import token_client
from credentials.layout import VaultLayout
from credentials.mounts import disable_auth_method, disable_secrets_engine
from credentials.policies import delete_policies
from harness.config import Cloud, load_cloud
from harness.creds.targets import SUFFIX_VARIABLE, bootstrap_plan
from harness.dev.services.openbao import ADDRESS as VAULT_ADDRESS
from harness.dev.services.openbao import root_token_file
from harness.dev.services.rabbitmq import local_amqp_url, local_bus, local_management, local_user
from harness.images import build_hollow_image
from harness.launchers.base import CREDENTIALS_MOUNT
from harness.sandbox.cloud import SandboxCloud
from harness.shards.readiness import consumers, reported_in
from harness.shards.shard_config import write_shard_conf
from harness.tables import format_table

POLL_SECONDS = 0.02
READY_TIMEOUT = 60.0
BENCH_IMAGE = "shadow-harness/hollow:bench"
CONFIG_VARIABLE = "BENCH_CLOUD_CONFIG"  # where throwaway_cloud wrote its clouds.yaml


@contextmanager
def throwaway_cloud(scratch: Path) -> Iterator[Cloud]:
    """A cloud on its own vhost, database and Vault mounts, all removed on exit."""
    suffix = uuid.uuid4().hex[:8]
    name, vhost, database = f"bench-{suffix}", f"bench.shardup.{suffix}", f"bench_{suffix}"
    admin = local_management()
    token_file = root_token_file()  # before HARNESS_STATE_DIR moves it
    vault = token_client(VAULT_ADDRESS, token_file.read_text().strip())
    layout = VaultLayout().suffixed(suffix)
    os.environ[SUFFIX_VARIABLE] = suffix  # every harness command below uses these mounts
    os.environ["HARNESS_STATE_DIR"] = str(scratch / "state")
    with ExitStack() as undo:
        admin.create_vhost(vhost)
        undo.callback(admin.delete_vhost, vhost)
        admin.set_permissions(vhost, local_user())
        db = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        undo.callback(db.close)
        with db.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{database}`")
        undo.callback(lambda: db.cursor().execute(f"DROP DATABASE IF EXISTS `{database}`"))
        config = {"clouds": {name: {
            "bus": local_bus(vhost),
            "vault": {"address": VAULT_ADDRESS,
                      "auth": {"method": "token", "token_file": str(token_file)},
                      "lease_ttl": 60, "max_lease_ttl": 300},
            "database": {"url": f"mysql+pymysql://root@127.0.0.1:3306/{database}"},
        }}}
        path = scratch / "clouds.yaml"
        path.write_text(yaml.safe_dump(config))
        os.environ[CONFIG_VARIABLE] = str(path)
        cloud = load_cloud(name, path)
        undo.callback(delete_policies, vault, layout)
        undo.callback(disable_auth_method, vault, layout.approle)
        for mount in (layout.pki, layout.database, layout.rabbitmq):
            undo.callback(disable_secrets_engine, vault, mount)
        bootstrap(vault, bootstrap_plan(cloud, layout))
        yield cloud


def harness(cloud: Cloud, *args: str) -> str:
    """Run a harness command on the benchmark's cloud; its stdout."""
    done = subprocess.run([sys.executable, "-m", "harness", "--cloud-config",
                           os.environ[CONFIG_VARIABLE], *args], capture_output=True, text=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        raise SystemExit(f"harness {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def timed_shard_up(cloud: Cloud, host: str, image: str | None, agent: bool = False) -> float:
    """Seconds `harness shard up` takes to return a ready shard; the shard is then taken down."""
    extra = (["--image", image] if image else []) + ([] if agent else ["--no-agent"])
    started = time.perf_counter()
    out = harness(cloud, "shard", "up", "--cloud", cloud.name, "--host", host, "--json", *extra)
    elapsed = time.perf_counter() - started
    harness(cloud, "shard", "down", json.loads(out)["session"])
    return elapsed


def admin_url(vhost: str) -> str:
    """The broker administrator's AMQP URL for the benchmark's vhost."""
    return local_amqp_url(vhost)


def wait_until_ready(cloud: Cloud, vhost: str, host: str, started: float) -> float:
    """Seconds from `started` until the shard's queue has a consumer and it reported in."""
    url = admin_url(vhost)
    checks: list[Callable[[], bool]] = [lambda: consumers(url, f"compute.{host}") > 0,
                                        lambda: reported_in(cloud, host)]
    while checks:
        checks = [check for check in checks if not check()]
        if time.perf_counter() - started > READY_TIMEOUT:
            raise SystemExit(f"bare shard {host} not ready after {READY_TIMEOUT:.0f}s")
        if checks:
            time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def bare_config(cloud: Cloud, vhost: str, scratch: Path, endpoints: dict[str, str]) -> Path:
    """credentials.conf (the administrator's URL) and shard.conf for bare starts."""
    directory = scratch / "bare"
    directory.mkdir(exist_ok=True)
    url = admin_url(vhost).replace("amqp://", "rabbit://")
    (directory / "credentials.conf").write_text(f"[DEFAULT]\ntransport_url = {url}\n")
    write_shard_conf(directory, cloud, endpoints)
    directory.chmod(0o755)
    for conf in directory.iterdir():
        conf.chmod(0o644)  # the container's user reads them through the bind mount
    return directory


def config_args(directory: str, host: str) -> list[str]:
    """The hollow compute's arguments for a config directory."""
    return ["--config-file", f"{directory}/credentials.conf",
            "--config-file", f"{directory}/shard.conf", "--host", host]


def timed_bare_process(cloud: Cloud, vhost: str, conf: Path, host: str) -> float:
    """Seconds from starting `harness hollow run` until its shard is ready."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "harness", "hollow", "run",
                              *config_args(str(conf), host)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return wait_until_ready(cloud, vhost, host, started)
    finally:
        child.terminate()
        child.wait(30)


def timed_bare_docker(cloud: Cloud, vhost: str, conf: Path, host: str, image: str) -> float:
    """Seconds from `docker run` of the hollow image until its shard is ready."""
    name = f"bench-bare-{host}"
    started = time.perf_counter()
    subprocess.run(["docker", "run", "-d", "--rm", "--name", name, "--network", "host",
                    "-v", f"{conf}:{CREDENTIALS_MOUNT}:ro", image,
                    *config_args(CREDENTIALS_MOUNT, host)],
                   check=True, capture_output=True, timeout=60)
    try:
        return wait_until_ready(cloud, vhost, host, started)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def main() -> None:
    """Time every way of starting a shard N times and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--image", default=BENCH_IMAGE,
                        help="hollow image tag, (re)built from this tree first")
    args = parser.parse_args()
    print(f"building {args.image} from this tree ...", flush=True)
    build_hollow_image(args.image)
    image = args.image
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-shard-up-") as tmp, \
            throwaway_cloud(Path(tmp)) as cloud:
        sandbox = SandboxCloud.from_cloud(cloud)
        sandbox.start()
        try:
            vhost = cloud.bus.url.rsplit("/", 1)[1]
            conf = bare_config(cloud, vhost, Path(tmp), sandbox.endpoints)
            runs: dict[str, Callable[[str], float]] = {
                "bare process": lambda h: timed_bare_process(cloud, vhost, conf, h),
                "shard up (process)": lambda h: timed_shard_up(cloud, h, None),
                "shard up (process, agent)": lambda h: timed_shard_up(cloud, h, None, True),
                "bare docker run": lambda h: timed_bare_docker(cloud, vhost, conf, h, image),
                "shard up (docker)": lambda h: timed_shard_up(cloud, h, image),
                "shard up (docker, agent)": lambda h: timed_shard_up(cloud, h, image, True),
            }
            harness(cloud, "agent", "start")  # its own state directory: this run's only
            for rep in range(args.repeat):
                for index, (what, run) in enumerate(runs.items()):  # interleaved: fair drift
                    times.setdefault(what, []).append(run(f"b{rep}-{index}"))
                print(f"repetition {rep + 1}/{args.repeat} done", flush=True)
        finally:
            harness(cloud, "agent", "stop")
            sandbox.stop()
    median = {what: statistics.median(values) for what, values in times.items()}
    ratios = {"shard up (process)": median["bare process"],
              "shard up (process, agent)": median["bare process"],
              "shard up (docker)": median["bare docker run"],
              "shard up (docker, agent)": median["bare docker run"]}
    print(format_table(
        ["start", "median s", "min s", "max s", "vs bare", "target"],
        [[what, f"{median[what]:.3f}", f"{min(values):.3f}", f"{max(values):.3f}",
          f"{median[what] / ratios[what]:.2f}x" if what in ratios else "",
          ("< 1 s" if what.startswith("shard up (process") else
           "<= 1.5x bare" if what.startswith("shard up (docker") else "")]
         for what, values in times.items()]))


if __name__ == "__main__":
    main()
