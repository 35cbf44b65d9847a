"""The network gate's parsing: which resets refuse a connection, and its command line."""

import socket
import struct
from pathlib import Path

from harness.launchers.base import LaunchSpec
from harness.launchers.gate import gated
from harness.launchers.netgate import _options, refused

LOOPBACK_ETHERNET = b"\0" * 12


def _tcp(port: int, seq: int, flags: int) -> bytes:
    return struct.pack("!HHIIBBHHH", port, 40000, seq, 1, 5 << 4, flags, 0, 0, 0)


def _ipv4(source: str, tcp: bytes) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0,
                         socket.inet_aton(source), socket.inet_aton("127.0.0.1"))
    return LOOPBACK_ETHERNET + b"\x08\x00" + header + tcp


def _ipv6(source: str, tcp: bytes) -> bytes:
    header = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64,
                         socket.inet_pton(socket.AF_INET6, source),
                         socket.inet_pton(socket.AF_INET6, "::1"))
    return LOOPBACK_ETHERNET + b"\x86\xdd" + header + tcp


def test_the_kernels_answer_to_a_syn_for_a_closed_port_is_a_refusal() -> None:
    assert refused(_ipv4("127.0.0.1", _tcp(3306, 0, 0x14))) == ("127.0.0.1", 3306)
    assert refused(_ipv6("::1", _tcp(5432, 0, 0x14))) == ("::1", 5432)


def test_a_reset_of_an_open_connection_is_not_a_refusal() -> None:
    assert refused(_ipv4("127.0.0.1", _tcp(5672, 12345, 0x14))) is None  # mid-stream
    assert refused(_ipv4("127.0.0.1", _tcp(5672, 0, 0x04))) is None  # RST without ACK


def test_the_gates_command_line_reads_back() -> None:
    spec = LaunchSpec("s1", "candidate", ["true"], log_dir=Path("/logs"),
                      env={"HARNESS_SIDE": "control"})
    argv = gated(spec, (("127.0.0.1", 5672), ("::1", 8778)))
    options, command = _options([*argv[4:], "run", "--flag"])
    assert options == {"allow": ["127.0.0.1:5672", "[::1]:8778"],
                       "record": ["/logs/candidate.network.jsonl"], "session": ["s1"],
                       "shard": ["candidate"], "side": ["control"]}
    assert command == ["run", "--flag"]
