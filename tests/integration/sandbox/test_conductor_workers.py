"""The sandbox conductor in worker processes on MariaDB: the workers compete for the conductor
queue, lifecycles complete through them, one worker's death leaves the other serving, and stop
ends them all."""

import os
import signal
import time
from collections.abc import Callable

from harness.bus.management import ManagementClient
from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import SandboxCloud, SandboxOptions
from harness.scale.cpu import process_seconds


def _consumers(admin: ManagementClient, vhost: str) -> int:
    """How many consumers the shared `conductor` queue has."""
    return sum(1 for c in admin.consumers(vhost) if c["queue"]["name"] == "conductor")


def _until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.3)


def test_workers_compete_for_the_conductor_queue(amqp_url: str, rabbit_vhost: str,
                                                 rabbit_admin: ManagementClient,
                                                 mariadb_database: str) -> None:
    sandbox = SandboxCloud(amqp_url, "nova", mariadb_database,
                           options=SandboxOptions(conductor_workers=2, workers=4))
    sandbox.start()
    workers = sandbox.conductor_pids()
    shards = ShardSet(amqp_url, "nova", [f"w-{i}" for i in range(4)], sandbox.endpoints,
                      options=ShardOptions(report_interval=1, conductor_timeout=10))
    try:
        assert len(workers) == 2 and os.getpid() not in workers
        _until(lambda: _consumers(rabbit_admin, rabbit_vhost) == 2)
        shards.start()
        sandbox.wait_for_hosts(4, timeout=60)
        traffic = sandbox.traffic(("build", "reboot", "delete"), timeout=60)
        traffic.run(6, rate=0)
        assert traffic.book.failure_count() == 0, traffic.book.failures
        assert traffic.book.summary()["build"]["count"] == 6
        _until(lambda: sandbox.status()["conductor_handled"] > 0)

        os.kill(workers[0], signal.SIGKILL)  # the survivor takes the whole queue
        _until(lambda: _consumers(rabbit_admin, rabbit_vhost) == 1)
        traffic = sandbox.traffic(("build", "delete"), timeout=60)
        traffic.run(2, rate=0)
        assert traffic.book.failure_count() == 0, traffic.book.failures
    finally:
        shards.stop()
        sandbox.stop()
    assert [process_seconds(pid) for pid in workers] == [None, None]
    _until(lambda: _consumers(rabbit_admin, rabbit_vhost) == 0)
