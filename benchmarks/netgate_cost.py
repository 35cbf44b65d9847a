"""What a shard's network namespace costs: start-up, and each round trip through the gate.

Launches the same small shard with the process launcher, alternately on the host's network (the
baseline, as production shards run) and in a network namespace of its own where only an echo
server of this process is allowed (as shadows run), N times each. The shard connects to the echo
server, says so, then times R one-byte round trips and one bulk transfer, and prints them.

Prints medians and the ratios gated / host: start-up (launch until connected), round-trip time,
bulk throughput. Needs root (shards run as a uid of their own); no other service.

    .venv/bin/python benchmarks/netgate_cost.py [--repeat 5] [--round-trips 2000] [--mb 20]
"""

import argparse
import socket
import socketserver
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from harness.launchers import LaunchSpec, get_launcher
from harness.tables import format_table

POLL_SECONDS = 0.005
READY_TIMEOUT = 120.0
SHARD = """
import socket, sys, time
port, trips, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
conn = socket.create_connection(("127.0.0.1", port))
conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
print("connected", flush=True)
started = time.perf_counter()
for _ in range(trips):
    conn.sendall(b"x")
    conn.recv(1)
rtt = (time.perf_counter() - started) / trips
chunk, left, started = b"y" * 65536, size, time.perf_counter()
while left > 0:
    conn.sendall(chunk[:left])
    got = 0
    while got < min(left, len(chunk)):
        got += len(conn.recv(65536))
    left -= len(chunk)
print(f"result {rtt} {size / (time.perf_counter() - started)}", flush=True)
time.sleep(60)
"""


class Echo(socketserver.BaseRequestHandler):
    """Sends back whatever it receives."""

    def handle(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := self.request.recv(65536):
            self.request.sendall(data)


def _wait_for(log: Path, text: str) -> str:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines() if log.is_file() else []:
            if line.startswith(text):
                return line
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"{log}: no {text!r} after {READY_TIMEOUT:.0f}s")


def run_once(port: int, gated: bool, trips: int, size: int, logs: Path) -> tuple[float, ...]:
    """One shard: seconds from launch to connected, seconds per round trip, bytes per second."""
    launcher, shard = get_launcher("process"), f"s{uuid.uuid4().hex[:8]}"
    spec = LaunchSpec("bench-netgate", shard,
                      [sys.executable, "-c", SHARD, str(port), str(trips), str(size)], logs,
                      allowed_endpoints=(("127.0.0.1", port),) if gated else None)
    started = time.perf_counter()
    handle = launcher.launch(spec)
    try:
        _wait_for(logs / f"{shard}.log", "connected")
        up = time.perf_counter() - started
        _, rtt, rate = _wait_for(logs / f"{shard}.log", "result").split()
    finally:
        launcher.stop(handle, grace=1)
    return up, float(rtt), float(rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--round-trips", type=int, default=2000)
    parser.add_argument("--mb", type=int, default=20, help="bulk transfer size")
    args = parser.parse_args()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    results: dict[bool, list[tuple[float, ...]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.repeat):
            for in_namespace in (False, True) if round_ % 2 == 0 else (True, False):
                results[in_namespace].append(run_once(port, in_namespace, args.round_trips,
                                                      args.mb * 1024 * 1024, Path(scratch)))
    server.shutdown()
    medians = {g: [statistics.median(r[i] for r in rs) for i in range(3)]
               for g, rs in results.items()}
    host, gated = medians[False], medians[True]
    rows = [["start-up until connected (s)", f"{host[0]:.3f}", f"{gated[0]:.3f}",
             f"{gated[0] / host[0]:.2f}"],
            ["one-byte round trip (us)", f"{host[1] * 1e6:.0f}", f"{gated[1] * 1e6:.0f}",
             f"{gated[1] / host[1]:.2f}"],
            ["bulk echo (MB/s)", f"{host[2] / 1e6:.1f}", f"{gated[2] / 1e6:.1f}",
             f"{gated[2] / host[2]:.2f}"]]
    print(format_table(["median of " + str(args.repeat), "host network", "own namespace",
                        "ratio"], rows))


if __name__ == "__main__":
    main()
