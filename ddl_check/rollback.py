"""The rollback test: move the migrated data back into the source schema; prove no row is lost."""

from dataclasses import dataclass
from typing import Any

from ddl_check.engines.base import Engine
from ddl_check.schema import Schema, Table


@dataclass
class Fingerprint:
    """Row count and an order-independent digest of a table's primary keys."""

    rows: int
    keys: int


def fingerprint(engine: Engine, conn: Any, table: str, key: list[str]) -> Fingerprint:
    """Count rows and digest their keys, on the server where the engine can."""
    return Fingerprint(*engine.key_digest(conn, table, key))


def _compare(
    name: str, before: Fingerprint, after: Fingerprint, where: str, lost_only: bool = False
) -> list[str]:
    """A message when rows or their keys differ (only when rows are missing, if `lost_only`)."""
    if after.rows > before.rows and lost_only:
        return []
    if after.rows != before.rows:
        return [f"{name}: {before.rows} rows before, {after.rows} after {where}"]
    if after.keys != before.keys:
        return [f"{name}: the same number of rows but different primary keys after {where}"]
    return []


class RollbackTest:
    """Record the source before migrating; check the way back after migrate and after contract.

    After contract, what the contract itself removed (tables, columns) cannot come back by
    design: rolling back past contract needs the backup. That is reported as a note; rows of the
    remaining data that do not survive are still findings (rows the contract added are not: the
    static rules already flag writes in contract).
    """

    def __init__(
        self, engine: Engine, conn: Any, db: str, source: Schema, touched: set[str] | None = None
    ) -> None:
        self.engine, self.conn, self.db, self.source = engine, conn, db, source
        # tables no statement names keep their schema and only a cascade or trigger can delete
        # their rows: count those in place when the database has any; move and compare the rest
        self.moved = [t for t in source if touched is None or t in touched]
        cascades = touched is None or engine.may_cascade(conn)
        self.watched = [t for t in source if t in self.moved or cascades]
        self.before = {name: self._fingerprint(name) for name in self.watched}
        self.notes: list[str] = []
        self.after_migrate: Schema | None = None
        engine.prepare_rollback(conn, db, self.moved)

    def _fingerprint(self, name: str, table: str = "") -> Fingerprint:
        """Keys digested for moved tables, rows counted for the others."""
        key = self.source[name].primary_key if name in self.moved else []
        return fingerprint(self.engine, self.conn, table or self.engine.quote(name), key)

    def _in_place(self, name: str, why: str) -> list[str]:
        """Compare a table where it is: its rows (and its keys, when it was moved) must stay."""
        after = self._fingerprint(name)
        return _compare(name, self.before[name], after, why, self.after_migrate is not None)

    def _move_back(self, name: str, cols: list[str]) -> list[str]:
        """INSERT the current rows into the empty source-schema copy and compare."""
        q = self.engine.quote
        target = self.engine.rollback_name(self.db, name)
        col_list = ", ".join(q(c) for c in cols)
        try:
            self.engine.query(self.conn, f"DELETE FROM {target}")  # a second trip starts empty
            self.engine.query(
                self.conn,
                f"INSERT INTO {target} ({col_list}) {self.engine.insert_override}"
                f"SELECT {col_list} FROM {q(name)}",
            )
        except Exception as error:  # any driver's error: the data does not fit the old schema
            return [f"{name}: rows do not fit the source schema: {self.engine.error_text(error)}"]
        after = self._fingerprint(name, target)
        return _compare(
            name, self.before[name], after, "the way back", self.after_migrate is not None
        )

    def _after_contract(self, name: str, table: Table, now: Table | None) -> list[str]:
        """What the contract removed becomes a note; the rows left must still be there."""
        kept = (self.after_migrate or {}).get(name)
        if now is None:
            if kept is not None:
                self.notes.append(
                    f"rollback after contract: table {name} was dropped by the contract; its "
                    f"{self.before[name].rows} rows can only come back from a backup"
                )
            return []
        dropped = [c for c in table.columns if c not in now.columns and kept and c in kept.columns]
        if not dropped:
            return self._moved(name, table, now)
        self.notes.append(
            f"rollback after contract: {name}.{', '.join(dropped)} dropped by the contract; "
            "the values can only come back from a backup"
        )
        required = [
            c for c in dropped if not (table.columns[c].nullable or table.columns[c].has_default)
        ]
        if required:  # the source schema would refuse every row: count them where they are
            return self._in_place(name, "contract")
        return self._moved(name, table, now)

    def _moved(self, name: str, table: Table, now: Table) -> list[str]:
        """Move the columns both schemas have back; report columns gone since the source."""
        gone = [c for c in table.columns if c not in now.columns]
        problems = (
            [f"{name}: column(s) {', '.join(gone)} are gone: their values cannot go back"]
            if gone and self.after_migrate is None
            else []
        )
        cols = [c for c, col in table.columns.items() if c in now.columns and not col.generated]
        return problems + self._move_back(name, cols)

    def run(self, current: Schema) -> list[str]:
        """After migrate (first call) or after contract (second call): what does not survive."""
        problems: list[str] = []
        for name, table in self.source.items():
            now = current.get(name)
            if name not in self.moved:
                watched = name in self.watched
                problems.extend(self._in_place(name, "(not named by the patch)") if watched else [])
            elif self.after_migrate is not None:
                problems.extend(self._after_contract(name, table, now))
            elif now is None:
                problems.append(
                    f"table {name} is gone: its {self.before[name].rows} rows cannot go back"
                )
            else:
                problems.extend(self._moved(name, table, now))
        self.after_migrate = self.after_migrate or current
        return problems
