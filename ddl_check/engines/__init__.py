"""Engines behind one interface; pick one by name."""

from ddl_check.engines.base import Engine, Outcome, Plan, Server

DEFAULT_URLS = {
    "mariadb": "mysql://root@127.0.0.1:3306",
    "mysql": "mysql://root@127.0.0.1:3306",
    "postgresql": "postgresql://postgres@127.0.0.1:5432/postgres",
    "sqlite": "",
}


def get_engine(name: str, url: str | None = None, scratch_dir: str = "") -> Engine:
    """The engine for `name`, talking to the scratch server at `url` (or the local default)."""
    if name in {"mariadb", "mysql"}:
        from ddl_check.engines.mariadb import MariaDB, MySQL

        return (MariaDB if name == "mariadb" else MySQL)(
            Server.from_url(url or DEFAULT_URLS[name], 3306, "root")
        )
    if name == "postgresql":
        from ddl_check.engines.postgresql import PostgreSQL

        return PostgreSQL(Server.from_url(url or DEFAULT_URLS[name], 5432, "postgres", "postgres"))
    if name == "sqlite":
        from ddl_check.engines.sqlite import SQLite

        return SQLite(Server(database=scratch_dir))
    raise ValueError(f"unknown engine {name!r}")


__all__ = ["DEFAULT_URLS", "Engine", "Outcome", "Plan", "Server", "get_engine"]
