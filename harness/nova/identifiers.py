"""SQL identifiers of the dev MariaDB's databases and tables, as statements name them."""


def quoted(name: str) -> str:
    """A database, table or column name in backticks (a backtick in it doubled)."""
    return "`" + name.replace("`", "``") + "`"
