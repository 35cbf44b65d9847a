"""Runs last: the suite left no docker bridge and nothing of ours listens outside loopback."""

import ipaddress
import re
import subprocess
from pathlib import Path

# Processes the harness or its dev cloud start; anything else on the machine is not ours to judge.
OURS = re.compile(r'"(bao|beam\.smp|mariadbd|postgres|dockerd|docker-proxy|python[\d.]*|harness)"')


def test_no_docker_bridge() -> None:
    assert not Path("/sys/class/net/docker0").exists()


def _ephemeral_ports() -> range:
    """The kernel's ephemeral range: a UDP socket bound there is a client's (Erlang's DNS
    resolver after a broker restart, say), not a service anyone can reach."""
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return range(int(low), int(high) + 1)


def test_our_listeners_are_loopback_only() -> None:
    lines = subprocess.run(["ss", "-ltnupH"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    exposed, ephemeral = [], _ephemeral_ports()
    for line in lines:
        fields = line.split()
        if len(fields) < 5 or not OURS.search(line):
            continue
        address, _, port = fields[4].rpartition(":")
        if fields[0] == "udp" and port.isdigit() and int(port) in ephemeral:
            continue
        host = address.strip("[]").split("%")[0]
        if host in ("*", "0.0.0.0", "::") or not ipaddress.ip_address(host).is_loopback:
            exposed.append(line)
    assert exposed == []
