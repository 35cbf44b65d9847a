"""Scratch engines and uniquely named databases for the DDL checker's integration tests."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ddl_check.engines import get_engine
from ddl_check.engines.base import Engine
from tests.ddl_trees.fixtures import no_tree_project, tree_project

__all__ = ["no_tree_project", "scratch", "tree_project"]


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator:
    """make(engine_name) -> (engine, db): a fresh, uniquely named database dropped afterwards."""
    made: list[tuple[Engine, str]] = []

    def make(name: str) -> tuple[Engine, str]:
        engine = get_engine(name, scratch_dir=str(tmp_path))
        db = f"ddl_{uuid.uuid4().hex[:8]}"
        engine.create(db)
        made.append((engine, db))
        return engine, db

    yield make
    for engine, db in made:
        engine.drop(db)
        engine.drop_rollback(db)
