"""The nova tests share the one local nova cloud `harness dev up --nova` runs."""

from pathlib import Path

import pytest

from harness.dev.services.nova import nova_installed, nova_services
from harness.nova.layout import nova_dir

# Resolved at import: other fixtures point HARNESS_STATE_DIR elsewhere, which moves nova_dir().
NOVA_DIR = nova_dir()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a nova test."""
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.nova)


@pytest.fixture(scope="session")
def nova_cloud() -> None:
    """Fail at once, saying what to run, when the local nova cloud is not up."""
    if not nova_installed() or not all(s.probe().answering for s in nova_services()):
        pytest.fail("the local nova cloud is not running: run `harness dev up --nova`")
