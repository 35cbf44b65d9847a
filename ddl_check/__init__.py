"""Expand/contract validation of migrations against database snapshots."""

__all__ = ["CheckOptions", "run_check"]


def __getattr__(name: str) -> object:
    """Import the checker lazily so `import ddl_check` (the pytest plugin) stays cheap."""
    if name in __all__:
        from ddl_check import check

        return getattr(check, name)
    raise AttributeError(name)
