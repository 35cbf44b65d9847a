"""Recognise, validate and checksum snapshots: dump files, SQLite files and live database URLs."""

import gzip
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ddl_check.errors import SnapshotError

CHUNK = 1 << 20
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
URL_ENGINES = {
    "mysql": "mysql",
    "mariadb": "mariadb",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "sqlite": "sqlite",
}
TRAILERS = {"mysql": b"-- Dump completed", "postgresql": b"-- PostgreSQL database dump complete"}


@dataclass
class Snapshot:
    """Where a snapshot is, which engine wrote it, and in what form."""

    source: str
    engine: str  # mariadb | mysql | postgresql | sqlite
    form: str  # sql | sql.gz | pg-custom | sqlite | url

    @property
    def path(self) -> Path:
        """The snapshot file (not for live URLs)."""
        return Path(self.source)

    @property
    def is_url(self) -> bool:
        """Whether this is a live database to clone."""
        return self.form == "url"

    def label(self) -> str:
        """A name for reports that never carries a password."""
        if not self.is_url:
            return self.source
        parts = urlsplit(self.source)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def family(engine: str) -> str:
    """MariaDB and MySQL share dumps and clients."""
    return "mysql" if engine in {"mariadb", "mysql"} else engine


def _head(path: Path) -> tuple[bytes, bool]:
    """First bytes of the (decompressed) file and whether it is gzip."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(4096), True
        except (OSError, EOFError, zlib.error) as error:
            raise SnapshotError(f"{path}: corrupt gzip: {error}") from None
    with path.open("rb") as fh:
        return fh.read(4096), False


def _engine_of_dump(head: bytes) -> str | None:
    """Engine named by a dump's header comment."""
    text = head.decode("utf-8", "replace")
    if "-- MariaDB dump" in text:
        return "mariadb"
    if "-- MySQL dump" in text:
        return "mysql"
    if "PostgreSQL database dump" in text:
        return "postgresql"
    return None


def detect(source: str, engine: str | None = None) -> Snapshot:
    """Recognise a snapshot and check it matches the engine asked for (if any)."""
    scheme = urlsplit(source).scheme.split("+")[0] if "://" in source else ""
    if scheme:
        if scheme not in URL_ENGINES:
            raise SnapshotError(f"{source.split('://')[0]}://...: unknown database URL scheme")
        found = URL_ENGINES[scheme]
        if found == "sqlite":
            return detect(urlsplit(source).path, engine)
        snap = Snapshot(
            source, engine if engine and family(engine) == family(found) else found, "url"
        )
    else:
        path = Path(source)
        if not path.is_file():
            raise SnapshotError(f"{source}: no such snapshot file")
        head, gz = _head(path)
        if head.startswith(SQLITE_MAGIC):
            snap = Snapshot(source, "sqlite", "sqlite")
        elif head.startswith(PG_CUSTOM_MAGIC):
            snap = Snapshot(source, "postgresql", "pg-custom")
        else:
            dumped = _engine_of_dump(head)
            if dumped is None:
                raise SnapshotError(
                    f"{source}: not a mysqldump, pg_dump or SQLite file "
                    "(no dump header found on line 1-5)"
                )
            if engine and family(engine) == family(dumped):
                dumped = engine
            snap = Snapshot(source, dumped, "sql.gz" if gz else "sql")
    if engine and family(engine) != family(snap.engine):
        raise SnapshotError(
            f"{snap.label()}: this is a {snap.engine} snapshot, but --engine {engine} was asked for"
        )
    return snap


def iter_bytes(snap: Snapshot) -> Iterator[bytes]:
    """The dump's (decompressed) bytes in chunks; a truncated gzip raises naming the file."""
    opener = gzip.open if snap.form == "sql.gz" else open
    try:
        with opener(snap.path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    except (EOFError, zlib.error, OSError) as error:
        raise SnapshotError(f"{snap.source}: truncated or corrupt gzip ({error})") from None


def validate(snap: Snapshot) -> None:
    """Refuse a truncated dump before anything is restored from it."""
    if snap.form not in {"sql", "sql.gz"}:
        return
    tail = b""
    lines = 0
    for chunk in iter_bytes(snap):
        lines += chunk.count(b"\n")
        tail = (tail + chunk)[-4096:]
    trailer = TRAILERS[family(snap.engine)]
    if trailer not in tail:
        raise SnapshotError(
            f"{snap.source}:{lines + 1}: truncated dump: the file ends without "
            f"the {trailer.decode()!r} trailer the dump tool writes last"
        )


def file_checksum(path: Path) -> str:
    """SHA-256 of a snapshot file, to prove it was not modified."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
