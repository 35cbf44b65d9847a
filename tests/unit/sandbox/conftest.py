"""A sandbox store on a fresh SQLite file (the real engine: SQLite runs here, nothing mocked)."""

from pathlib import Path

import pytest

from harness.sandbox.store import Store, open_engine


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A Store on its own SQLite file with the tables created."""
    engine = open_engine(f"sqlite:///{tmp_path / 'sandbox.sqlite'}")
    yield Store(engine)
    engine.dispose()
