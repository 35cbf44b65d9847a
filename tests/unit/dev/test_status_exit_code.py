"""`dev status` exits 3 when a service does not answer.

The dead service is a stand-in: the real ones run here and must stay up for the rest of the suite.
"""

import json
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.dev.services.base import LocalService, Probe


class DeadService(LocalService):
    """Stand-in for a service that is down: its probe never answers."""

    name = "dead"
    address = "127.0.0.1:1"

    def probe(self) -> Probe:
        return Probe(False, detail="ConnectionRefused")

    def start(self) -> dict[str, Any]:
        raise AssertionError("status must never start anything")


def test_status_exits_3_and_names_the_dead_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.cli.dev.all_services", lambda: [DeadService()])
    monkeypatch.setattr("harness.dev.services.nova.nova_installed", lambda: False)
    result = CliRunner().invoke(cli, ["dev", "status", "--json"], obj={})
    assert result.exit_code == 3
    rows = json.loads(result.output)["services"]
    assert rows == [{"service": "dead", "address": "127.0.0.1:1", "answering": False,
                     "version": "", "detail": "ConnectionRefused"}]
