"""Fixtures for the fixture trees: the project package on the path, or certainly not on it."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TREES = Path(__file__).resolve().parent
RELEASES, PROJECT = TREES / "releases", TREES / "project"


def _forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop the project package from sys.modules, so the next import looks for it afresh."""
    for name in [m for m in sys.modules if m.split(".")[0] == "treeproj"]:
        monkeypatch.delitem(sys.modules, name)


@pytest.fixture
def no_tree_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project package is not importable, as outside the project's environment."""
    _forget(monkeypatch)


@pytest.fixture
def tree_project(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The project package on the path, as in the project's own environment."""
    _forget(monkeypatch)
    monkeypatch.syspath_prepend(str(PROJECT))
    yield
    for name in [m for m in sys.modules if m.split(".")[0] == "treeproj"]:
        del sys.modules[name]
