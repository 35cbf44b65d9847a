"""A shadow side's own nova control plane: per-session clones of production's cell and placement
databases, a real nova-conductor on the side's vhost and a real placement on a port of its own,
both from the dev nova venv and working on the clones only.

Each piece is named by `track` (the session's ledger) before it exists; `drop_database`,
`drop_user` and `stop_process` undo one piece each, whatever state it was left in.
"""

import contextlib
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import requests

from credentials.delivery import Bundle, render_ini
from ddl_check.engines.base import Server
from ddl_check.engines.mariadb import MariaDB
from harness.atomic import write_text
from harness.errors import InfrastructureError
from harness.nova.control_conf import (
    NOVA_CONF,
    PLACEMENT_CONF,
    control_sections,
    placement_sections,
)
from harness.nova.layout import DATABASES, PLACEMENT_ACCESS_LOG
from harness.nova.side_ids import separate_ids
from harness.nova.venv import venv_dir
from harness.nova.wsgi import gunicorn_env
from harness.procinfo import start_time
from harness.system.process import spawn

# Production's databases a side gets a clone of: the cell's (conductor) and placement's. The api
# database stays out: its cell mappings name production's cell database and broker, and a
# compute's calls never need it.
CLONED = ("cell1", "placement")
DB_HOSTS = ("127.0.0.1", "localhost")
PLACEMENT_APP = "placement.wsgi.api:application"
STOP_GRACE = 15.0
Track = Callable[..., None]  # track(kind, **data): the session's ledger


def root_server() -> Server:
    """The dev MariaDB as its administrator (clones need FLUSH TABLES and CREATE USER)."""
    return Server("127.0.0.1", 3306, "root", "")


def _root() -> Any:
    return pymysql.connect(host="127.0.0.1", user="root", autocommit=True)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class NovaSide:
    """One shadow side's control plane: its names, its directory, its services' ports."""

    session: str
    role: str
    directory: Path  # pid files and logs, kept with the session's records
    placement_port: int
    image_port: int  # the side's own glance and neutron stand-ins: a deleted guest's port
    network_port: int  # clean-up is a write that must not reach production's

    @property
    def conf_dir(self) -> Path:
        """The side's configs (they hold its database password): removed at teardown."""
        return self.directory / "conf"

    @property
    def prefix(self) -> str:
        """What every database and the user of this side are named by."""
        return f"shadow_{self.session}_{self.role}"

    def database(self, which: str) -> str:
        """The clone of production's `which` database (a key of layout.DATABASES)."""
        return f"{self.prefix}_{which}"

    @property
    def placement_url(self) -> str:
        """The side's placement, as its compute and conductor reach it."""
        return f"http://127.0.0.1:{self.placement_port}"

    @property
    def endpoints(self) -> dict[str, str]:
        """The placement, image and network services of this side, as its compute reaches
        them."""
        return {"placement": self.placement_url, "image": f"http://127.0.0.1:{self.image_port}",
                "network": f"http://127.0.0.1:{self.network_port}"}

    @property
    def access_log(self) -> Path:
        """One line per placement request the side's shards made."""
        return self.directory / PLACEMENT_ACCESS_LOG


def clone_databases(side: NovaSide, track: Track) -> str:
    """Clone production's cell and placement databases for the side, its own rows' ids apart
    from production's, and create its own user for them; return that user's password (it goes
    into the side's 0600 configs only)."""
    engine = MariaDB(root_server())
    for which in CLONED:
        track("database", name=side.database(which))
        engine.clone(DATABASES[which], side.database(which))
    password = secrets.token_urlsafe(18)
    track("db_user", name=side.prefix)
    conn = _root()
    with conn, conn.cursor() as cur:
        for which in CLONED:
            separate_ids(cur, DATABASES[which], side.database(which))
        for host in DB_HOSTS:
            cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s",
                        (side.prefix, host, password))
            for which in CLONED:
                cur.execute(f"GRANT ALL PRIVILEGES ON `{side.database(which)}`.* TO %s@%s",
                            (side.prefix, host))
    return password


def _url(side: NovaSide, password: str, which: str) -> str:
    return (f"mysql+pymysql://{side.prefix}:{password}@127.0.0.1:3306/{side.database(which)}"
            "?charset=utf8")


def write_side_conf(side: NovaSide, password: str) -> None:
    """nova.conf of the side's conductor (its broker login comes from the shard's bundle) and
    placement.conf of its placement, both on the clones, reaching the side's own services."""
    for sub in ("state", "lock", "conf"):
        (side.directory / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    nova = control_sections(None, {"cell1": _url(side, password, "cell1")},
                            side.endpoints, side.directory,
                            f"shadow-{side.role}-conductor")
    write_text(side.conf_dir / NOVA_CONF, render_ini(Bundle(nova), side.conf_dir), mode=0o600)
    placement = placement_sections(_url(side, password, "placement"))
    write_text(side.conf_dir / PLACEMENT_CONF, render_ini(Bundle(placement), side.conf_dir),
               mode=0o600)


def _launch(side: NovaSide, name: str, argv: list[str], env: dict[str, str],
            track: Track) -> None:
    """Spawn one service of the side, its pid file named in the ledger first."""
    pidfile = side.directory / f"{name}.pid"
    track("nova_process", name=f"{side.role} {name}", pidfile=str(pidfile))
    pid = spawn(argv, side.directory / f"{name}.log", env)
    write_text(pidfile, f"{pid} {start_time(pid)}\n", mode=0o600)


def start_services(side: NovaSide, bundle: Path, track: Track) -> None:
    """Start the side's placement and nova-conductor (one worker each), and its image and
    network stand-ins."""
    venv = venv_dir()
    _launch(side, "standins", [sys.executable, "-m", "harness.nova.standins",
                               str(side.image_port), str(side.network_port)], {}, track)
    env = gunicorn_env(side.conf_dir / "placement.gunicorn.py", PLACEMENT_APP,
                       f"127.0.0.1:{side.placement_port}", side.access_log)
    _launch(side, "placement", [str(venv / "bin" / "gunicorn")],
            {**env, "OS_PLACEMENT_CONFIG_DIR": str(side.conf_dir)}, track)
    _launch(side, "nova-conductor", [str(venv / "bin" / "nova-conductor"), "--config-file",
                                     str(bundle), "--config-file",
                                     str(side.conf_dir / NOVA_CONF)], {}, track)


def answers(url: str) -> bool:
    """One of the side's HTTP services answers 200 at `url`."""
    try:
        return requests.get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def running(pidfile: Path) -> int | None:
    """The pid a side's pid file names, while that very process runs."""
    try:
        pid, started = pidfile.read_text().split()
    except (FileNotFoundError, ValueError):
        return None
    return int(pid) if start_time(int(pid)) == started else None


def log_tail(side: NovaSide, name: str, lines: int = 15) -> str:
    """The last lines of one of the side's service logs, for an error message."""
    path = side.directory / f"{name}.log"
    with contextlib.suppress(FileNotFoundError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


def require_running(side: NovaSide, name: str) -> None:
    """An error with its log's last lines when one of the side's services has exited."""
    if running(side.directory / f"{name}.pid") is None:
        raise InfrastructureError(f"the {side.role} side's {name} exited; last lines of its "
                                  f"log:\n{log_tail(side, name)}")


def stop_process(pidfile: Path, grace: float = STOP_GRACE) -> None:
    """SIGTERM the service's process group (gunicorn's and the conductor's workers too), then
    SIGKILL it after the grace period."""
    pid = running(pidfile)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and start_time(pid) is not None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def drop_database(name: str) -> None:
    """DROP DATABASE IF EXISTS."""
    MariaDB(root_server()).drop(name)


def drop_user(name: str) -> None:
    """The side's database user, at every host it was created for."""
    conn = _root()
    with conn, conn.cursor() as cur:
        for host in DB_HOSTS:
            cur.execute("DROP USER IF EXISTS %s@%s", (name, host))
