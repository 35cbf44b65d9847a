"""MariaDB on 127.0.0.1:3306, root over TCP with no password (the local dev default)."""

from typing import Any

import pymysql

from harness.dev.services.base import LocalService, Probe
from harness.system.process import ensure_binary, run

# A nova control plane, shadow sides with conductor and placement each, and hundreds of hosts'
# reports hold more connections than the server's default 151.
MIN_CONNECTIONS = 1000


class MariaDB(LocalService):
    """The local MariaDB server."""

    name = "mariadb"
    address = "127.0.0.1:3306"

    def probe(self) -> Probe:
        """Connect as root and ask VERSION()."""
        try:
            conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3)
        except pymysql.MySQLError as error:
            return Probe(False, detail=str(error.args[-1]))
        with conn, conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
        return Probe(True, str(row[0]) if row else "")

    def ensure(self) -> dict[str, Any] | None:
        """Start it if needed, then give it room for the connections a dev cloud holds."""
        record = super().ensure()
        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3)
        with conn, conn.cursor() as cur:
            cur.execute("SET GLOBAL max_connections = GREATEST(@@max_connections, %s)",
                        (MIN_CONNECTIONS,))
        return record

    def start(self) -> dict[str, Any]:
        """Start mariadbd in the background, installing mariadb-server when missing."""
        daemon = ensure_binary("mariadbd", "mariadb-server")
        run(["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", daemon])
        return {"pidfile_of": daemon}

    def stop(self, record: dict[str, Any]) -> None:
        """Stop mariadbd the way it was started."""
        run(["start-stop-daemon", "--stop", "--oknodo", "--exec", str(record["pidfile_of"])])
