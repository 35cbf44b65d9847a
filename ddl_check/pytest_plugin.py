"""pytest plugin: a project's own suite takes a DDL snapshot fixture and runs the checks on it.

Loaded in every pytest run through the pytest11 entry point, so it imports nothing heavy and
has no side effects: options and fixtures only.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """--ddl-snapshot / --ddl-engine / --ddl-scratch-url, also settable in the ini file."""
    group = parser.getgroup("ddl-check", "expand/contract DDL checks")
    group.addoption(
        "--ddl-snapshot", help="Snapshot (dump file, SQLite file or URL) for ddl_check fixtures."
    )
    group.addoption("--ddl-engine", help="Engine of the snapshot (default: detected).")
    group.addoption("--ddl-scratch-url", help="Server for scratch databases.")
    parser.addini("ddl_snapshot", "Snapshot for ddl_check fixtures.", default="")


@pytest.fixture(scope="session")
def ddl_snapshot(request: pytest.FixtureRequest) -> str:
    """The snapshot the project configured; the test is skipped when there is none."""
    value = request.config.getoption("--ddl-snapshot") or request.config.getini("ddl_snapshot")
    if not value:
        pytest.skip("no DDL snapshot configured (--ddl-snapshot or ini ddl_snapshot)")
    return str(value)


@pytest.fixture
def ddl_check(request: pytest.FixtureRequest, ddl_snapshot: str) -> Iterator[Callable[..., Any]]:
    """check(migrations, old_workload=None, new_workload=None) -> list of PatchReport."""
    from ddl_check.check import CheckOptions, run_check

    def check(
        migrations: str | Path,
        old_workload: str | None = None,
        new_workload: str | None = None,
        snapshot: str | None = None,
    ) -> Any:
        options = CheckOptions(
            snapshot or ddl_snapshot,
            [Path(migrations)],
            request.config.getoption("--ddl-engine"),
            old_workload,
            new_workload,
            request.config.getoption("--ddl-scratch-url"),
        )
        return run_check(options)

    yield check


@pytest.fixture
def ddl_tree_check(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """check(tree, engine=None, snapshot=None, **tree_options): where the project's imports work."""
    from ddl_check.alembic_tree import TreeOptions
    from ddl_check.check import CheckOptions, run_check

    def check(
        tree: str | Path,
        engine: str | None = None,
        snapshot: str | None = None,
        **tree_options: Any,
    ) -> Any:
        config = request.config
        snap = snapshot or config.getoption("--ddl-snapshot") or config.getini("ddl_snapshot")
        name = engine or config.getoption("--ddl-engine")
        if not snap and not name:
            pytest.skip("no DDL snapshot or engine configured (--ddl-snapshot or --ddl-engine)")
        options = CheckOptions(
            snap or None, [Path(tree)], name, scratch_url=config.getoption("--ddl-scratch-url")
        )
        options.tree = TreeOptions(**tree_options)
        return run_check(options)

    return check
