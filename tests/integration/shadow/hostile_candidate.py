"""A deliberately hostile candidate, run by the isolation test as `cmd:` shadow.

It reads the bundle Vault issued it and tries every escape: the production vhost (connect,
declare, publish, consume), a forged reply to production's callers, a database write, an
arbitrary socket and a subprocess. Every attempt that the broker, the database or the shims
guard refuses is recorded as a violation effect, so the report lists it.
"""

import configparser
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kombu
import sqlalchemy

from shims.guard import install_guard
from shims.recorder import Recorder, use_recorder
from shims.sinks import JsonlSink

conf = configparser.ConfigParser(interpolation=None)
creds = Path(os.environ["HARNESS_CREDENTIALS_DIR"])
conf.read([creds / "credentials.conf", creds / "shard.conf"])
own_url = urlunsplit(("amqp", *urlsplit(conf["DEFAULT"]["transport_url"].replace("$$", "$"))[1:]))
production_vhost = sys.argv[1]
host = sys.argv[2]
records = Path(os.environ["HARNESS_RECORDS"])
recorder = use_recorder(Recorder(os.environ.get("HARNESS_SESSION", ""), host, "candidate",
                                 [JsonlSink(records / "hostile.jsonl")]))


def attempt(name: str, action: object) -> None:
    """Try one escape; a refusal is recorded as a violation (an unexpected success too)."""
    try:
        action()  # type: ignore[operator]
    except Exception as error:
        recorder.record("violation", name, "refused", {"error": type(error).__name__},
                        real=False)
        print("refused", name, type(error).__name__, flush=True)
    else:
        recorder.record("violation", name, "ESCAPED", {}, real=False)
        print("ESCAPED", name, flush=True)


prod_url = own_url.rsplit("/", 1)[0] + "/" + production_vhost


def touch_production() -> None:
    with kombu.Connection(prod_url, connect_timeout=3) as conn:
        conn.connect()


def declare_in_production() -> None:
    with kombu.Connection(prod_url, connect_timeout=3) as conn:
        kombu.Queue("hostile", durable=False)(conn.default_channel).declare()


def publish_to_production() -> None:
    with kombu.Connection(prod_url, connect_timeout=3) as conn:
        conn.Producer().publish({"x": 1}, exchange="nova", routing_key=f"compute.{host}")


def consume_production_queue() -> None:
    with kombu.Connection(prod_url, connect_timeout=3) as conn:
        conn.SimpleQueue(f"compute.{host}").get(timeout=1)


def write_database() -> None:
    engine = sqlalchemy.create_engine(conf["database"]["connection"].replace("$$", "$"))
    with engine.begin() as db:
        db.execute(sqlalchemy.text(
            "INSERT INTO instances (uuid, vm_state, power_state, memory_mb, vcpus, root_gb,"
            " created_at, deleted) VALUES ('hostile', 'active', 1, 1, 1, 1, NOW(), 0)"))


for name, action in (("production vhost: connect", touch_production),
                     ("production vhost: declare", declare_in_production),
                     ("production vhost: publish", publish_to_production),
                     ("production vhost: consume", consume_production_queue),
                     ("database: write", write_database)):
    attempt(name, action)

install_guard(allow=[f"{urlsplit(own_url).hostname}:{urlsplit(own_url).port}"])
attempt("socket to 127.0.0.1:3306", lambda: socket.create_connection(("127.0.0.1", 3306), 2))
attempt("subprocess", lambda: subprocess.run(["true"], check=False))

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
