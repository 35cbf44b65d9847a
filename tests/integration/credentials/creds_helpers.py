"""Logging in with what a bundle holds, to prove credentials work or are refused."""

import configparser
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import amqp
import amqp.exceptions
import pymysql


def read_bundle(conf: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf)
    return parser


def bus_login(transport_url: str) -> None:
    """Open and close an AMQP connection with a bundle's transport_url."""
    parts = urlsplit(transport_url)
    conn = amqp.Connection(f"{parts.hostname}:{parts.port}", userid=unquote(parts.username or ""),
                           password=unquote(parts.password or ""),
                           virtual_host=unquote(parts.path[1:]), connect_timeout=3)
    conn.connect()
    conn.close()


def db_login(connection: str) -> None:
    """Open and close a MariaDB connection with a bundle's [database] connection."""
    parts = urlsplit(connection)
    pymysql.connect(host=parts.hostname, port=parts.port or 3306,
                    user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                    database=parts.path[1:], connect_timeout=3).close()


def logins(conf: Path) -> dict[str, str]:
    """A bundle's bus and database URLs, kept by the test (teardown deletes the bundle)."""
    bundle = read_bundle(conf)
    return {"bus": bundle["DEFAULT"]["transport_url"],
            "database": bundle["database"]["connection"]}


def logins_refused(urls: dict[str, str]) -> list[str]:
    """Which of a bundle's credentials are refused now (bus, database)."""
    refused = []
    try:
        bus_login(urls["bus"])
    except (amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed):
        refused.append("bus")
    try:
        db_login(urls["database"])
    except pymysql.err.OperationalError as error:
        assert error.args[0] in (1044, 1045, 1698), error  # access denied, not a crash
        refused.append("database")
    return refused


def cert_serial(pem: Path) -> str:
    """The serial as Vault writes it (colon-separated hex pairs)."""
    out = subprocess.run(["openssl", "x509", "-noout", "-serial", "-in", str(pem)],
                         capture_output=True, text=True, check=True).stdout
    hexed = out.strip().split("=", 1)[1].lower()
    hexed = hexed if len(hexed) % 2 == 0 else "0" + hexed
    return ":".join(hexed[i:i + 2] for i in range(0, len(hexed), 2))


def cert_subject_cn(pem: Path) -> str:
    out = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "multiline",
                          "-in", str(pem)], capture_output=True, text=True, check=True).stdout
    return next(line.split("=", 1)[1].strip() for line in out.splitlines() if "commonName" in line)
