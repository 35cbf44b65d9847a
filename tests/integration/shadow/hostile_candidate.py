"""A deliberately hostile candidate, run by the isolation tests as a `cmd:` shadow and inside an
image: it tries everything a patch under review could.

It reads the harness's state, Vault token and other shards' bundles; logs into the broker with
well-known and with its own credentials in production's vhost (connect, declare, publish,
consume) and into its management API; logs into the databases with well-known accounts and
writes with its own read-only one; calls Vault with every token it found; opens TCP
connections to the ports it is given (production's placement and nova-api, a port the test
listens on); signals and traces the harness and every other process; writes outside its scratch
space; and, under the shims' guard, opens a socket and a subprocess. Each attempt is printed and
recorded as a `violation` effect (target = what it tried, method = `refused` or `ESCAPED`). Then
it forges a reply to every call relayed to it, and keeps consuming until stopped.

Its one argument is a JSON object: production_vhost, host, state_dir, token_files, vault,
project (a directory of the harness's tree), harness_pid (a harness process to signal and trace;
any other is found by trying every pid), ports (name -> a loopback port to connect to).
"""

import configparser
import contextlib
import ctypes
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kombu
import requests
import sqlalchemy

from shims.guard import install_guard
from shims.recorder import Recorder, use_recorder
from shims.sinks import JsonlSink

WELL_KNOWN_BROKER = ("guest", "guest")
PTRACE_ATTACH, PTRACE_DETACH = 16, 17

given = json.loads(sys.argv[1])
conf = configparser.ConfigParser(interpolation=None)
creds = Path(os.environ["HARNESS_CREDENTIALS_DIR"])
conf.read([creds / "credentials.conf", creds / "shard.conf"])
own_url = urlunsplit(("amqp", *urlsplit(conf["DEFAULT"]["transport_url"].replace("$$", "$"))[1:]))
own = urlsplit(own_url)
host, production_vhost = given["host"], given["production_vhost"]
session = os.environ.get("HARNESS_SESSION", "")
records = Path(os.environ["HARNESS_RECORDS"])
sink = JsonlSink(records / "hostile.jsonl")
recorder = use_recorder(Recorder(session, host, "candidate", [sink]))
found_tokens: list[str] = [t for t in (os.environ.get("VAULT_TOKEN"),) if t]


def attempt(name: str, action: Callable[[], object]) -> None:
    """Try one escape; a refusal is recorded as a violation (an unexpected success too)."""
    try:
        action()
    except Exception as error:
        recorder.record("violation", name, "refused", {"error": type(error).__name__},
                        real=False)
        print("refused", name, type(error).__name__, error, flush=True)
    else:
        recorder.record("violation", name, "ESCAPED", {}, real=False)
        print("ESCAPED", name, flush=True)


def broker_url(user: str, password: str, vhost: str) -> str:
    return f"amqp://{user}:{password}@{own.hostname}:{own.port}/{vhost}"


prod_url = broker_url(own.username or "", own.password or "", production_vhost)


def read_file(path: str) -> Callable[[], object]:
    def read() -> str:
        text = Path(path).read_text()
        found_tokens.append(text.strip())
        return text
    return read


def list_dir(path: str) -> Callable[[], object]:
    return lambda: os.listdir(path)


def connect(url: str) -> Callable[[], object]:
    def login() -> None:
        with kombu.Connection(url, connect_timeout=3) as conn:
            conn.connect()
    return login


def declare_in_production() -> None:
    with kombu.Connection(prod_url, connect_timeout=3) as conn:
        kombu.Queue("hostile", durable=False)(conn.default_channel).declare()


def publish_to_production() -> None:
    with kombu.Connection(prod_url, connect_timeout=3) as conn:
        conn.Producer().publish({"x": 1}, exchange="nova", routing_key=f"compute.{host}")


def consume_production_queue() -> None:
    with kombu.Connection(prod_url, connect_timeout=3) as conn:
        conn.SimpleQueue(f"compute.{host}").get(timeout=1)


def management(user: str, password: str) -> Callable[[], object]:
    def call() -> None:
        answer = requests.get(f"http://{own.hostname}:15672/api/users", auth=(user, password),
                              timeout=5)
        answer.raise_for_status()
    return call


def write_database() -> None:
    engine = sqlalchemy.create_engine(conf["database"]["connection"].replace("$$", "$"))
    with engine.begin() as db:
        db.execute(sqlalchemy.text(
            "INSERT INTO instances (uuid, vm_state, power_state, memory_mb, vcpus, root_gb,"
            " created_at, deleted) VALUES ('hostile', 'active', 1, 1, 1, 1, NOW(), 0)"))


def database(url: str) -> Callable[[], object]:
    def login() -> None:
        with sqlalchemy.create_engine(url).connect() as db:
            db.execute(sqlalchemy.text("SELECT 1"))
    return login


def vault_with_found_tokens() -> None:
    """Every token found (none, if the reads were refused) and none at all: a 403 each."""
    for token in [*found_tokens, ""]:
        answer = requests.get(f"{given['vault']}/v1/sys/mounts", timeout=5,
                              headers={"X-Vault-Token": token} if token else {})
        if answer.ok:
            return
    raise PermissionError("Vault refused every token found")


def tcp(port: int) -> Callable[[], object]:
    return lambda: socket.create_connection(("127.0.0.1", port), 3).close()


def signal_every_other_process() -> None:
    """Signal 0 (permission checked as for a real signal) to every pid there is but our own."""
    last = int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    reached = []
    for pid in range(1, last + 1):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, 0)
            try:
                if os.stat(f"/proc/{pid}").st_uid == os.getuid():
                    continue  # one of its own processes or threads
            except OSError:
                pass
            reached.append(pid)
    if reached:
        return
    raise PermissionError(f"no process of another user may be signalled (pids 1-{last})")


def ptrace(pid: int) -> Callable[[], object]:
    def attach() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.ptrace(PTRACE_ATTACH, pid, None, None) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        libc.ptrace(PTRACE_DETACH, pid, None, None)
    return attach


def write_file(path: str) -> Callable[[], object]:
    return lambda: Path(path).write_text("hostile was here\n")


state = given["state_dir"]
ATTEMPTS: list[tuple[str, Callable[[], object]]] = [
    *((f"read: Vault token {path}", read_file(path)) for path in given["token_files"]),
    ("read: the harness's state directory", list_dir(state)),
    ("read: other sessions' bundles", list_dir(f"{state}/creds/bundles")),
    ("read: the control shard's bundle",
     read_file(f"{state}/creds/bundles/{session}/control/credentials.conf")),
    ("read: credentials sessions' state", list_dir(f"{state}/creds/sessions")),
    ("broker: well-known guest in production's vhost",
     connect(broker_url(*WELL_KNOWN_BROKER, production_vhost))),
    ("broker: own credentials in production's vhost", connect(prod_url)),
    ("broker: declare in production's vhost", declare_in_production),
    ("broker: publish to production's vhost", publish_to_production),
    ("broker: consume production's queue", consume_production_queue),
    ("management API: own credentials", management(own.username or "", own.password or "")),
    ("management API: well-known guest", management(*WELL_KNOWN_BROKER)),
    ("database: write with own read-only account", write_database),
    ("database: MariaDB root without a password",
     database("mysql+pymysql://root@127.0.0.1:3306/mysql")),
    ("database: PostgreSQL postgres without a password",
     database("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")),
    ("vault: every token found", vault_with_found_tokens),
    *((f"network: {name}", tcp(port)) for name, port in given["ports"].items()),
    ("signal: the harness", lambda: os.kill(given["harness_pid"], 0)),
    ("signal: any other process", signal_every_other_process),
    ("ptrace: the harness", ptrace(given["harness_pid"])),
    ("ptrace: pid 1", ptrace(1)),
    ("write: the harness's source tree", write_file(f"{given['project']}/hostile-was-here")),
    ("write: /etc", write_file("/etc/hostile-was-here")),
    ("write: /var/tmp", write_file("/var/tmp/hostile-was-here")),
    ("write: its own credentials directory", write_file(f"{creds}/tamper")),
]
for name, action in ATTEMPTS:
    attempt(name, action)

install_guard(allow=[f"{own.hostname}:{own.port}"])
attempt("guard: socket to 127.0.0.1:3306", lambda: socket.create_connection(("127.0.0.1", 3306), 2))
attempt("guard: subprocess", lambda: subprocess.run(["true"], check=False))

# Answer every call relayed to it with a forged reply, and keep consuming until stopped.
with kombu.Connection(own_url) as conn:
    queue = kombu.Queue(f"compute.{host}", kombu.Exchange("nova", "topic", durable=False),
                        routing_key=f"compute.{host}", durable=False)

    def forge(body: object, message: kombu.Message) -> None:
        inner = json.loads(message.payload["oslo.message"])
        if inner.get("_reply_q"):
            reply = {"result": "FORGED", "failure": None, "ending": True,
                     "_msg_id": inner["_msg_id"]}
            conn.Producer().publish({"oslo.version": "2.0", "oslo.message": json.dumps(reply)},
                                    exchange="", routing_key=inner["_reply_q"])
            recorder.record("violation", inner["_reply_q"], "forged reply", {}, real=False)
        message.ack()

    with conn.Consumer([queue], callbacks=[forge]):
        print("hostile: serving", flush=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                conn.drain_events(timeout=0.5)
            except TimeoutError:
                continue
