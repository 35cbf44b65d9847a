"""Decide whether a column type change only widens (safe in expand) or may lose data."""

import re

ALIASES = {
    "character varying": "varchar",
    "character": "char",
    "integer": "int",
    "int4": "int",
    "int8": "bigint",
    "int2": "smallint",
    "double precision": "double",
    "real": "float",
    "float8": "double",
    "float4": "float",
    "numeric": "decimal",
    "bool": "boolean",
    "serial": "int",
    "bigserial": "bigint",
    "string": "varchar",
}
INT_RANK = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "bigint": 5}
TEXT_RANK = {"char": 0, "varchar": 1, "tinytext": 2, "text": 3, "mediumtext": 4, "longtext": 5}
TEXT_BYTES = {"tinytext": 255, "text": 65535, "mediumtext": 16777215, "longtext": 4294967295}
FLOAT_RANK = {"float": 1, "double": 2}
TYPE_RE = re.compile(r"^\s*([a-z ]+?)\s*(?:\(([\d\s,]*)\))?\s*(unsigned)?\s*(?:zerofill)?\s*$")


def normalize(sql_type: str) -> tuple[str, list[int], bool]:
    """Base name, numeric parameters and unsignedness of a declared type."""
    match = TYPE_RE.match(sql_type.lower().replace("signed integer", "int"))
    if not match:
        return sql_type.lower().strip(), [], False
    base = ALIASES.get(match[1].strip(), match[1].strip())
    params = [int(p) for p in (match[2] or "").split(",") if p.strip()]
    if base in INT_RANK:
        params = []  # MariaDB's display width is not a size
    return base, params, bool(match[3])


def _text_size(base: str, params: list[int]) -> float:
    """Capacity of a character type in characters (unbounded varchar in PostgreSQL is infinite)."""
    if base in TEXT_BYTES:
        return TEXT_BYTES[base]
    return params[0] if params else float("inf")


def is_same(old: str, new: str) -> bool:
    """Whether two declared types are the same type."""
    return normalize(old) == normalize(new)


def is_widening(old: str, new: str) -> bool:
    """True only when every value of the old type fits the new one unchanged."""
    ob, op, ou = normalize(old)
    nb, np_, nu = normalize(new)
    if (ob, op, ou) == (nb, np_, nu):
        return True
    if ob in INT_RANK and nb in INT_RANK:
        if ou == nu:
            return INT_RANK[nb] >= INT_RANK[ob]
        return ou and not nu and INT_RANK[nb] > INT_RANK[ob]  # unsigned into a bigger signed
    if ob in TEXT_RANK and nb in TEXT_RANK:
        if ob in {"char", "varchar"} and nb == "char":
            return False  # char pads and may change trailing spaces
        return _text_size(nb, np_) >= _text_size(ob, op)
    if ob in FLOAT_RANK and nb in FLOAT_RANK:
        return FLOAT_RANK[nb] >= FLOAT_RANK[ob]
    if ob == nb == "decimal" and len(op) == 2 and len(np_) == 2:
        return np_[1] >= op[1] and np_[0] - np_[1] >= op[0] - op[1]
    if ob in INT_RANK and nb == "decimal" and len(np_) >= 1:
        digits = {1: 3, 2: 5, 3: 8, 4: 10, 5: 20}[INT_RANK[ob]]
        return np_[0] - (np_[1] if len(np_) > 1 else 0) >= digits
    return False
