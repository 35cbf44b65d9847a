"""A shard's own network namespace, with a gate: only the allowed endpoints answer inside it.

Run as root ahead of the confinement chain (`python -I -S netgate.py --allow ADDR:PORT ...
--record FILE --session S --shard N --side SIDE -- COMMAND...`), it moves into a new network
namespace with loopback up, listens there at each allowed endpoint's own address and port, and
forks a forwarder that returns to the host's namespace and relays each connection to the real
endpoint; then it execs COMMAND, which inherits the namespace. Nothing else answers: a TCP
connection to any other port of the namespace is refused by its kernel, and any address off
loopback is unreachable. The forwarder watches the namespace's loopback for the resets that
refuse a connection and records each as a `violation` effect in FILE (root's, out of the
shard's reach). It exits when the shard does (it watches a pidfd: an unprivileged parent's
death signal would not reach a root child) and ignores the SIGTERM a stop sends the shard's
process group, so that a shard shutting down still reaches its broker.

Standard library only, started with -I -S: it runs on every shadow shard's start.
"""

import argparse
import ctypes
import fcntl
import ipaddress
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from functools import partial
from typing import IO, Any

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
IFREQ = "16sH22x"
ETH_P_ALL, SO_ATTACH_FILTER, PACKET_HOST = 0x0003, 26, 0
ETH_HEADER, IPV6_HEADER = 14, 40
RST, ACK = 0x04, 0x10
BUFFER = 65536
LD_H, LD_B, LDX_MSH, LD_IND_B, JEQ, JSET, RET = 0x28, 0x30, 0xB1, 0x50, 0x15, 0x45, 0x06
ACCEPT, DROP = 14, 15
# Classic BPF passing only TCP segments with RST set, IPv4 (unfragmented) and IPv6, on an
# Ethernet-framed loopback: (code, jump-if-true, jump-if-false, k), jumps as absolute indices.
RESETS_ONLY = [
    (LD_H, 0, 0, 12), (JEQ, 2, 9, 0x0800),  # 0-1 EtherType: IPv4, else try IPv6
    (LD_B, 0, 0, ETH_HEADER + 9), (JEQ, 4, DROP, socket.IPPROTO_TCP),  # 2-3 protocol
    (LD_H, 0, 0, ETH_HEADER + 6), (JSET, DROP, 6, 0x1FFF),  # 4-5 a fragment: no TCP header
    (LDX_MSH, 0, 0, ETH_HEADER), (LD_IND_B, 0, 0, ETH_HEADER + 13),  # 6-7 TCP flags
    (JSET, ACCEPT, DROP, RST),  # 8
    (JEQ, 10, DROP, 0x86DD),  # 9 IPv6
    (LD_B, 0, 0, ETH_HEADER + 6), (JEQ, 12, DROP, socket.IPPROTO_TCP),  # 10-11 next header
    (LD_B, 0, 0, ETH_HEADER + IPV6_HEADER + 13), (JSET, ACCEPT, DROP, RST),  # 12-13 flags
    (RET, 0, 0, 0x40000), (RET, 0, 0, 0),  # 14 accept, 15 drop
]

Endpoint = tuple[str, int]


def _libc(name: str, *args: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}: {os.strerror(error)}")


def _endpoint(text: str) -> Endpoint:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def _resolved(endpoints: list[Endpoint]) -> set[tuple[int, str, int]]:
    """Each (family, address, port) to listen at, host names resolved on the host."""
    return {(family, str(addr[0]), port) for host, port in endpoints
            for family, _, _, _, addr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        answer = fcntl.ioctl(probe.fileno(), SIOCGIFFLAGS, struct.pack(IFREQ, b"lo", 0))
        flags = struct.unpack(IFREQ, answer)[1]
        fcntl.ioctl(probe.fileno(), SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags | IFF_UP))


def _listen(family: int, address: str, port: int) -> socket.socket:
    """A listening socket at the endpoint's own address (put on loopback first if not there)."""
    if not ipaddress.ip_address(address).is_loopback:
        prefix = "32" if family == socket.AF_INET else "128"
        subprocess.run(["ip", "addr", "add", f"{address}/{prefix}", "dev", "lo"], check=True)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _reset_watcher() -> socket.socket:
    """A packet socket on the namespace's loopback that receives only TCP resets."""
    code = b"".join(struct.pack("HBBI", op, jt - i - 1 if jt else 0, jf - i - 1 if jf else 0, k)
                    for i, (op, jt, jf, k) in enumerate(RESETS_ONLY))
    program = ctypes.create_string_buffer(code)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    fprog = struct.pack("HP", len(RESETS_ONLY), ctypes.addressof(program))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    sock.bind(("lo", 0))
    sock.setblocking(False)
    return sock


def refused(frame: bytes) -> Endpoint | None:
    """The endpoint a reset refuses a connection to (the kernel's answer to a SYN for a port
    nobody listens on: RST+ACK with sequence number 0), or None for any other reset."""
    if frame[12:14] == b"\x08\x00":
        header = (frame[ETH_HEADER] & 0x0F) * 4
        source = socket.inet_ntop(socket.AF_INET, frame[ETH_HEADER + 12:ETH_HEADER + 16])
        tcp = frame[ETH_HEADER + header:]
    else:
        source = socket.inet_ntop(socket.AF_INET6, frame[ETH_HEADER + 8:ETH_HEADER + 24])
        tcp = frame[ETH_HEADER + IPV6_HEADER:]
    port, _, seq = struct.unpack("!HHI", tcp[:8])
    return (source, port) if seq == 0 and tcp[13] & (RST | ACK) == RST | ACK else None


class Gate:
    """The forwarder's half: relays allowed connections, records refused ones."""

    def __init__(self, args: argparse.Namespace, record: IO[bytes],
                 listening: set[Endpoint]) -> None:
        self.args, self.record, self.listening, self.seq = args, record, listening, 0

    def note_refusal(self, watcher: socket.socket) -> None:
        """Record every refused connection among the resets waiting on the watcher."""
        while True:
            try:
                frame, (_, _, kind, _, _) = watcher.recvfrom(BUFFER)
            except BlockingIOError:
                return
            endpoint = refused(frame) if kind == PACKET_HOST else None
            if endpoint is None or endpoint in self.listening:
                continue
            target = f"[{endpoint[0]}]:{endpoint[1]}" if ":" in endpoint[0] else \
                f"{endpoint[0]}:{endpoint[1]}"
            self.seq += 1
            self._write({"session": self.args.session, "shard": self.args.shard,
                         "side": self.args.side, "real": False, "seq": self.seq, "ts": time.time(),
                         "request_id": None, "caused_by": None, "kind": "violation",
                         "target": target, "method": "refused by the network namespace",
                         "version": None, "payload": {"protocol": "tcp"}})
            print(f"netgate: refused a connection to {target}", flush=True)

    def _write(self, effect: dict[str, Any]) -> None:
        self.record.write(json.dumps(effect).encode() + b"\n")
        self.record.flush()


async def _pipe(reader: Any, writer: Any, back: Any) -> None:
    """Copy one direction until its end, passing the end on; an error closes both ways."""
    try:
        while data := await reader.read(BUFFER):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (OSError, RuntimeError):
        writer.close()
        back.close()


async def _serve(gate: Gate, shard: int, listeners: dict[socket.socket, tuple[str, int]],
                 watcher: socket.socket) -> None:
    import asyncio

    loop, gone = asyncio.get_running_loop(), asyncio.Event()

    async def relay(address: str, port: int, reader: Any, writer: Any) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(address, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, upstream_writer, writer),
                             _pipe(upstream_reader, writer, upstream_writer))
        writer.close()
        upstream_writer.close()

    for sock, (address, port) in listeners.items():
        await asyncio.start_server(partial(relay, address, port), sock=sock, limit=BUFFER)
    loop.add_reader(watcher.fileno(), gate.note_refusal, watcher)
    loop.add_reader(shard, gone.set)  # a pidfd turns readable when its process exits
    await gone.wait()


def _forward(gate: Gate, shard: int, host_namespace: int,
             listeners: dict[socket.socket, tuple[str, int]], watcher: socket.socket) -> None:
    """The forked child: back in the host's namespace, relay until the shard exits."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    _libc("setns", host_namespace, CLONE_NEWNET)
    import asyncio

    asyncio.run(_serve(gate, shard, listeners, watcher))


def main(argv: list[str]) -> None:
    """Build the namespace and its gate, fork the forwarder, exec the command."""
    parser = argparse.ArgumentParser(prog="netgate")
    parser.add_argument("--allow", action="append", type=_endpoint, default=[])
    parser.add_argument("--record", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--shard", required=True)
    parser.add_argument("--side", required=True)
    split = argv.index("--")
    args, command = parser.parse_args(argv[:split]), argv[split + 1:]
    endpoints = _resolved(args.allow)
    host_namespace = os.open("/proc/self/ns/net", os.O_RDONLY)
    _libc("unshare", CLONE_NEWNET)
    _loopback_up()
    listeners = {_listen(family, address, port): (address, port)
                 for family, address, port in endpoints}
    watcher = _reset_watcher()
    record = open(args.record, "ab")  # noqa: SIM115 - the forwarder's, for its whole life
    gate = Gate(args, record, {(a, p) for _, a, p in endpoints})
    shard = os.pidfd_open(os.getpid())  # this process, about to become the shard
    if os.fork() == 0:
        try:
            _forward(gate, shard, host_namespace, listeners, watcher)
        finally:
            os._exit(0)
    for sock in [*listeners, watcher]:
        sock.close()
    record.close()
    os.close(host_namespace)
    os.close(shard)
    os.execvp(command[0], command)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except OSError as error:
        print(f"netgate: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
