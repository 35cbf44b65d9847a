"""The local nova cloud's services: the image and network stand-ins, placement, nova-conductor,
nova-scheduler and nova-api, each a process of the nova venv with a pid file and a log."""

import os
from pathlib import Path
from typing import Any

import pymysql
import requests

from harness.dev.services.base import LocalService, Probe
from harness.errors import InfrastructureError
from harness.nova.control_conf import NOVA_CONF, PASTE_INI, listen_address
from harness.nova.layout import (
    API_HEADERS,
    CONTROL_HOST,
    DATABASES,
    DB_USER,
    PORTS,
    ControlSecrets,
    endpoint,
    nova_dir,
    placement_access_log,
)
from harness.nova.venv import venv_dir
from harness.nova.wsgi import gunicorn_env, gunicorn_settings
from harness.procinfo import start_time
from harness.system.process import spawn, wait_until

LOG_TAIL = 15
HEARTBEAT_SECONDS = 30


def log_tail(path: Path, lines: int = LOG_TAIL) -> str:
    """The last lines of a log, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


class NovaProcess(LocalService):
    """A service of the local nova cloud, run from the nova venv, found by its pid file."""

    start_timeout = 120

    def argv(self, venv: Path) -> list[str]:
        """The command line."""
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        """Extra environment."""
        return {}

    def answers(self) -> tuple[bool, str]:
        """Whether the running process does its job, and a detail line."""
        raise NotImplementedError

    def stale(self) -> bool:
        """Whether it runs with settings other than those it would start with now."""
        return False

    @property
    def pidfile(self) -> Path:
        """Where its pid is kept."""
        return nova_dir() / f"{self.name}.pid"

    @property
    def log(self) -> Path:
        """Where its output goes."""
        return nova_dir() / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid of the running process, if it runs (the same process: its start time too;
        a zombie does not run)."""
        try:
            pid, started = self.pidfile.read_text().split()
        except (FileNotFoundError, ValueError):
            return None
        return int(pid) if start_time(int(pid)) == started else None

    def probe(self) -> Probe:
        """Answering: its process runs and it does its job."""
        pid = self.pid()
        if pid is None:
            return Probe(False, detail="not running")
        ok, detail = self.answers()
        return Probe(ok, f"pid {pid}", detail)

    def start(self) -> dict[str, Any]:
        """Spawn it with its output in its log (truncated: each start has its own)."""
        self.log.write_text("")
        pid = spawn(self.argv(venv_dir()), self.log, self.env())
        self.pidfile.write_text(f"{pid} {start_time(pid)}\n")
        return {"pid": pid}

    def ensure(self) -> dict[str, Any] | None:
        """Start it unless it answers; on failure, the log's last lines and exit 3."""
        if self.probe().answering:
            return None
        record = self.start()

        def up() -> bool:
            if self.pid() is None:
                raise InfrastructureError(f"{self.name} exited at start; last lines of "
                                          f"{self.log}:\n{log_tail(self.log)}")
            return self.probe().answering

        try:
            wait_until(up, f"{self.name} on {self.address}", self.start_timeout)
        except InfrastructureError as error:
            self.stop(record)
            if "exited at start" in str(error):
                raise
            raise InfrastructureError(f"{error}; last lines of {self.log}:\n"
                                      f"{log_tail(self.log)}") from None
        return record

    def stop(self, record: dict[str, Any]) -> None:
        """Stop it and forget its pid file."""
        super().stop(record)
        self.pidfile.unlink(missing_ok=True)


def _http_answers(url: str, headers: dict[str, str] | None = None) -> tuple[bool, str]:
    try:
        response = requests.get(url, headers=headers, timeout=3)
    except requests.RequestException as error:
        return False, type(error).__name__
    return response.status_code < 400, f"{url} {response.status_code}"


class StandIns(NovaProcess):
    """The sandbox's image and network services, answering as glance and neutron."""

    name = "nova-image-network"
    address = f"{listen_address('image')} {listen_address('network')}"
    start_timeout = 30

    def argv(self, venv: Path) -> list[str]:
        """The harness's own Python serves them (they are harness code)."""
        import sys

        return [sys.executable, "-m", "harness.nova.standins", str(PORTS["image"]),
                str(PORTS["network"])]

    def answers(self) -> tuple[bool, str]:
        """Both list their collections."""
        image = _http_answers(f"{endpoint('image')}/v2/images")
        network = _http_answers(f"{endpoint('network')}/v2.0/ports")
        return image[0] and network[0], f"{image[1]}; {network[1]}"


class WsgiService(NovaProcess):
    """A WSGI application under gunicorn (see harness.nova.wsgi)."""

    application = ""

    @property
    def settings(self) -> Path:
        """gunicorn's settings file, written at each start."""
        return nova_dir() / f"{self.name}.gunicorn.py"

    @property
    def access_log(self) -> Path | None:
        """Where it logs each request, if it does."""
        return None

    def argv(self, venv: Path) -> list[str]:
        """gunicorn alone."""
        return [str(venv / "bin" / "gunicorn")]

    def env(self) -> dict[str, str]:
        """Where gunicorn finds its settings, written now."""
        return gunicorn_env(self.settings, self.application, self.address, self.access_log)

    def stale(self) -> bool:
        """Its settings file says other than what a start would write now."""
        try:
            running = self.settings.read_text()
        except FileNotFoundError:
            return True
        return running != gunicorn_settings(self.application, self.address, self.access_log)


class Placement(WsgiService):
    """Placement under gunicorn."""

    name = "placement"
    address = listen_address("placement")

    application = "placement.wsgi.api:application"

    @property
    def access_log(self) -> Path:
        """Production's placement requests, which a shadow session reads for its host's."""
        return placement_access_log()

    def env(self) -> dict[str, str]:
        """Placement finds placement.conf here."""
        return {**super().env(), "OS_PLACEMENT_CONFIG_DIR": str(nova_dir())}

    def answers(self) -> tuple[bool, str]:
        """Its root lists its versions."""
        return _http_answers(endpoint("placement"))


class NovaApi(WsgiService):
    """nova-api under gunicorn, its paste pipeline without keystone."""

    name = "nova-api"
    address = listen_address("compute")

    application = "nova.wsgi.osapi_compute:application"

    def env(self) -> dict[str, str]:
        """nova's WSGI entry point reads nova.conf from here."""
        return {**super().env(), "OS_NOVA_CONFIG_DIR": str(nova_dir()),
                "OS_NOVA_CONFIG_FILES": f"{PASTE_INI};{NOVA_CONF}"}

    def answers(self) -> tuple[bool, str]:
        """It lists flavors for a caller with the trusted headers."""
        return _http_answers(f"{endpoint('compute')}/flavors", API_HEADERS)


class NovaRpcService(NovaProcess):
    """A nova RPC service: up while it heartbeats into its service record."""

    binary = ""

    def argv(self, venv: Path) -> list[str]:
        """The console script with the control plane's nova.conf."""
        return [str(venv / "bin" / self.binary), "--config-file", str(nova_dir() / NOVA_CONF)]

    def answers(self) -> tuple[bool, str]:
        """Its service record was updated in the last HEARTBEAT_SECONDS."""
        try:
            password = ControlSecrets.load_or_create().database
            conn = pymysql.connect(host="127.0.0.1", user=DB_USER, password=password,
                                   database=DATABASES["cell1"], connect_timeout=3)
            with conn, conn.cursor() as cur:
                cur.execute("SELECT TIMESTAMPDIFF(SECOND, COALESCE(updated_at, created_at), "
                            "UTC_TIMESTAMP()) FROM services WHERE host = %s AND `binary` = %s "
                            "AND deleted = 0", (CONTROL_HOST, self.binary))
                row = cur.fetchone()
        except pymysql.MySQLError as error:
            return False, str(error.args[-1])
        if row is None:
            return False, "no service record yet"
        return int(row[0]) < HEARTBEAT_SECONDS, f"last heartbeat {row[0]}s ago"


class Conductor(NovaRpcService):
    """nova-conductor, one worker."""

    name = binary = "nova-conductor"
    address = "topic conductor"


class Scheduler(NovaRpcService):
    """nova-scheduler, one worker."""

    name = binary = "nova-scheduler"
    address = "topic scheduler"


def nova_services() -> list[NovaProcess]:
    """The local nova cloud's services, in start order."""
    return [StandIns(), Placement(), Conductor(), Scheduler(), NovaApi()]


def nova_installed() -> bool:
    """Whether `dev up --nova` ever ran here (its config exists)."""
    return (nova_dir() / NOVA_CONF).is_file() and os.path.isdir(venv_dir())
