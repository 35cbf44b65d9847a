"""After `harness dev up`, each of the five services works for real."""

import fcntl
import json
import subprocess
import sys
import uuid
from typing import Any

import hvac
import kombu
import psycopg2
import pymysql

from harness.config import Cloud
from harness.config.secrets import resolve_secret
from harness.dev.services.mariadb import MIN_CONNECTIONS
from harness.dev.state import DevState, dev_dir


def harness(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI the way a user does."""
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_status_json_reports_all_five_answering() -> None:
    done = harness("dev", "status", "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    services = {row["service"]: row for row in status["services"]}
    assert {"rabbitmq", "mariadb", "postgresql", "openbao", "docker"} <= set(services)
    assert all(row["answering"] and row["version"] for row in services.values()), services
    assert status["docker0_bridge"] is False
    assert "missing" not in status["base_image"]


def test_dev_up_again_starts_nothing_new() -> None:
    before = DevState.load().started
    done = harness("dev", "up", "--no-image", "--json")
    assert done.returncode == 0, done.stderr
    assert DevState.load().started == before
    assert all(row["answering"] for row in json.loads(done.stdout)["services"])


def test_rabbitmq_publish_and_consume(amqp_url: str) -> None:
    body = {"hello": uuid.uuid4().hex}
    with kombu.Connection(amqp_url) as conn:
        queue = kombu.Queue("probe", exchange=kombu.Exchange("probe", "direct"),
                            routing_key="probe")
        producer = conn.Producer()
        producer.publish(body, exchange=queue.exchange, routing_key="probe", declare=[queue])
        with conn.SimpleQueue(queue) as simple:
            message = simple.get(timeout=5)
            message.ack()
    assert message.payload == body


def test_local_cloud_bus_password_comes_from_vault(local_cloud: Cloud) -> None:
    assert local_cloud.bus.password is not None and local_cloud.bus.password.vault
    password = resolve_secret(local_cloud.bus.password, local_cloud)
    user = local_cloud.bus.url.split("//")[1].split("@")[0]
    with kombu.Connection(local_cloud.bus.url, userid=user, password=password) as conn:
        conn.connect()
        assert conn.connected


def test_mariadb_query(mariadb_database: str) -> None:
    name = mariadb_database.rsplit("/", 1)[1]
    conn = pymysql.connect(host="127.0.0.1", user="root", database=name)
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(8))")
        cur.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y')")
        cur.execute("SELECT COUNT(*), GROUP_CONCAT(v ORDER BY id) FROM t")
        assert cur.fetchone() == (2, "x,y")


def test_mariadb_has_room_for_a_nova_cloud_and_its_shadow_sides() -> None:
    conn = pymysql.connect(host="127.0.0.1", user="root")
    with conn, conn.cursor() as cur:
        cur.execute("SELECT @@max_connections")
        row = cur.fetchone()
    assert row is not None and row[0] >= MIN_CONNECTIONS


def test_postgresql_query(postgres_database: str) -> None:
    name = postgres_database.rsplit("/", 1)[1]
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=name)
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        cur.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y')")
        cur.execute("SELECT count(*), string_agg(v, ',' ORDER BY id) FROM t")
        assert cur.fetchone() == (2, "x,y")
    conn.close()


def test_openbao_kv_write_and_read(vault_root: hvac.Client, vault_kv_mount: str) -> None:
    value = uuid.uuid4().hex
    vault_root.secrets.kv.v2.create_or_update_secret(
        mount_point=vault_kv_mount, path="probe", secret={"v": value})
    read = vault_root.secrets.kv.v2.read_secret_version(mount_point=vault_kv_mount, path="probe")
    assert read["data"]["data"] == {"v": value}


def test_container_from_base_image_prints_python_version(
    docker: Any, base_image: str, container_labels: dict[str, str]
) -> None:
    output = docker.containers.run(
        base_image, ["python3", "--version"], network_mode="host", labels=container_labels,
        remove=True, stdout=True, stderr=True,
    )
    assert output.decode().startswith("Python 3.")


def test_a_second_dev_up_waits_for_the_first() -> None:
    with open(dev_dir() / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        second = subprocess.Popen([sys.executable, "-m", "harness", "dev", "up", "--no-image"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert second.stderr is not None
        first_line = second.stderr.readline()
        assert "waiting for it" in first_line, first_line
        assert second.poll() is None  # nothing is started while the lock is held
    _, rest = second.communicate(timeout=300)
    assert second.returncode == 0, rest
    assert "dev up: rabbitmq" in rest
