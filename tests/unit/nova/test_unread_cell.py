"""nova-api lists the hosts of a cell it failed to read as entries without id or state (nova
34's API fails so when its threads race on its availability zone cache): the service list is
asked again rather than handing them on (a `KeyError: 'id'` in removals run in parallel), and an
error names the hosts when the cell stays unread.

A stand-in nova-api answers here: the shared nova cloud's cell cannot be made to fail for one
test without failing everyone else's."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.errors import InfrastructureError
from harness.nova import rest
from harness.nova.rest import compute_client, compute_services

UNREAD = {"binary": "nova-compute", "host": "h1", "status": "UNKNOWN"}
READ = {"id": "5e1f", "binary": "nova-compute", "host": "h1", "state": "up",
        "status": "enabled"}


@pytest.fixture
def nova_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[int]]]:
    """(its URL, [how many more listings come back unread]); no pause between tries."""
    monkeypatch.setattr(rest, "UNREAD_CELL_PAUSE", 0)
    unread_left = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            entry = UNREAD if unread_left[0] > 0 else READ
            unread_left[0] -= 1
            body = json.dumps({"services": [entry]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v2.1", unread_left
    server.shutdown()
    server.server_close()


def test_a_cell_read_again_gives_whole_entries(nova_api: tuple[str, list[int]]) -> None:
    url, unread_left = nova_api
    unread_left[0] = 2
    assert compute_services(compute_client(url), "h1") == [READ]


def test_a_cell_never_read_is_an_error_naming_the_host(nova_api: tuple[str, list[int]]) -> None:
    url, unread_left = nova_api
    unread_left[0] = 100
    with pytest.raises(InfrastructureError, match=r"cell of host\(s\) h1 .*UNKNOWN.* 3 tries"):
        compute_services(compute_client(url), "h1", tries=3)
