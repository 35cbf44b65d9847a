"""PostgreSQL on 127.0.0.1:5432, user postgres with trust auth (the local dev default)."""

from pathlib import Path
from typing import Any

import psycopg2

from harness.dev.services.base import LocalService, Probe
from harness.system.process import ensure_binary, run


def _cluster_version() -> str:
    """The installed cluster's major version, from /etc/postgresql."""
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if p.is_dir())
    return versions[-1]


class PostgreSQL(LocalService):
    """The local PostgreSQL server."""

    name = "postgresql"
    address = "127.0.0.1:5432"

    def probe(self) -> Probe:
        """Connect as postgres and ask server_version."""
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres",
                                    dbname="postgres", connect_timeout=3)
        except psycopg2.Error as error:
            return Probe(False, detail=str(error).strip().splitlines()[0])
        with conn, conn.cursor() as cur:
            cur.execute("SHOW server_version")
            row = cur.fetchone()
        conn.close()
        return Probe(True, str(row[0]) if row else "")

    def start(self) -> dict[str, Any]:
        """Start the main cluster, installing postgresql when missing."""
        ensure_binary("pg_ctlcluster", "postgresql")
        version = _cluster_version()
        run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
        return {"cluster": version}

    def stop(self, record: dict[str, Any]) -> None:
        """Stop the cluster dev up started."""
        run(["pg_ctlcluster", "--skip-systemctl-redirect", record["cluster"], "main", "stop"])
