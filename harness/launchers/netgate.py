"""A shard's own network namespace, with a gate: only the allowed endpoints answer inside it.

Run as root ahead of the confinement chain (`python -I -S netgate.py --allow ADDR:PORT ...
--record FILE --session S --shard N --side SIDE -- COMMAND...`), it moves into a new network
namespace with loopback up, listens there at each allowed endpoint's own address and port, and
forks a forwarder that returns to the host's namespace and relays each connection to the real
endpoint (a thread per direction, the bytes moved by splice(2) in the kernel); then it execs
COMMAND, which inherits the namespace. With `--join PID --ready FILE` and no command, it gates
the namespace of a running process instead (a container started with no network, waiting for
FILE) and is the forwarder itself.

Nothing else answers: a TCP connection to any other port of the namespace is refused by its
kernel, and any address off loopback is unreachable. The forwarder watches the namespace's
loopback for the resets that refuse a connection and records each (the first RECORD_LIMIT) as
a `violation` effect in the `--record` file, root's, out of the shard's reach. It exits when
the shard does (it watches a pidfd: an unprivileged parent's death signal would not reach a
root child) and ignores the SIGTERM a stop sends the shard's process group, so that a shard
shutting down still reaches its broker.

Standard library only, started with -I -S: it runs on every shadow shard's start.
"""

import ctypes
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from typing import IO, Any

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
IFREQ = "16sH22x"
ETH_P_ALL, SO_ATTACH_FILTER, PACKET_HOST = 0x0003, 26, 0
ETH_HEADER, IPV6_HEADER = 14, 40
RST, ACK = 0x04, 0x10
BUFFER = 65536
RECORD_LIMIT = 10_000  # refusals recorded per shard: a flood must not fill the harness's disk
F_SETPIPE_SZ, PIPE_SIZE = 1031, 1 << 20  # a pipe of 1 MiB moves a bulk transfer in fewer calls
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

Endpoint = tuple[str, int]  # address, port


def _libc(name: str, *args: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}: {os.strerror(error)}")


def _options(argv: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """`--name value` pairs (a name may repeat) up to `--`, and the command after it (no
    argparse: its imports would double the gate's start-up)."""
    split = argv.index("--")
    options: dict[str, list[str]] = {}
    for flag, value in zip(argv[:split:2], argv[1:split:2], strict=True):
        options.setdefault(flag.removeprefix("--"), []).append(value)
    return options, argv[split + 1:]


def _resolved(endpoints: list[str]) -> set[tuple[int, str, int]]:
    """Each (family, address, port) to listen at, host names resolved on the host."""
    found: set[tuple[int, str, int]] = set()
    for text in endpoints:
        host, _, port = text.rpartition(":")
        for family, _, _, _, addr in socket.getaddrinfo(host.strip("[]"), int(port),
                                                        type=socket.SOCK_STREAM):
            found.add((family, str(addr[0]), int(port)))
    return found


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        answer = fcntl.ioctl(probe.fileno(), SIOCGIFFLAGS, struct.pack(IFREQ, b"lo", 0))
        flags = struct.unpack(IFREQ, answer)[1]
        fcntl.ioctl(probe.fileno(), SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags | IFF_UP))


def _listen(family: int, address: str, port: int) -> socket.socket:
    """A listening socket at the endpoint's own address (put on loopback first if not there)."""
    if not (address == "::1" or address.startswith("127.")):
        import subprocess

        prefix = "32" if family == socket.AF_INET else "128"
        subprocess.run(["ip", "addr", "add", f"{address}/{prefix}", "dev", "lo"], check=True)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(128)
    return sock


def _reset_watcher() -> socket.socket:
    """A packet socket on the namespace's loopback that receives only TCP resets."""
    code = b"".join(struct.pack("HBBI", op, jt - i - 1 if jt else 0, jf - i - 1 if jf else 0, k)
                    for i, (op, jt, jf, k) in enumerate(RESETS_ONLY))
    program = ctypes.create_string_buffer(code)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # no protocol: deaf until bound
    fprog = struct.pack("HP", len(RESETS_ONLY), ctypes.addressof(program))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    sock.bind(("lo", ETH_P_ALL))  # once (a rebind waits for the network's RCU grace period)
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
    """What the forwarder records: each connection the namespace refused, up to a limit."""

    def __init__(self, marks: dict[str, str], record: IO[bytes],
                 listening: set[Endpoint]) -> None:
        self.marks, self.record, self.listening, self.seq = marks, record, listening, 0

    def note_refusal(self, watcher: socket.socket) -> None:
        """Wait for the next reset on the watcher; record it if it refused a connection."""
        frame, (_, _, kind, _, _) = watcher.recvfrom(BUFFER)
        endpoint = refused(frame) if kind == PACKET_HOST else None
        if endpoint is not None and endpoint not in self.listening and self.seq < RECORD_LIMIT:
            target = f"[{endpoint[0]}]:{endpoint[1]}" if ":" in endpoint[0] else \
                f"{endpoint[0]}:{endpoint[1]}"
            self.seq += 1
            self._write({**self.marks, "real": False, "seq": self.seq, "ts": time.time(),
                         "request_id": None, "caused_by": None, "kind": "violation",
                         "target": target, "method": "refused by the network namespace",
                         "version": None, "payload": {"protocol": "tcp"}})
            print(f"netgate: refused a connection to {target}", flush=True)

    def _write(self, effect: dict[str, Any]) -> None:
        import json  # in the forwarder only: what the shard's start waits for stays small

        self.record.write(json.dumps(effect).encode() + b"\n")
        self.record.flush()


def _splice(source: socket.socket, sink: socket.socket) -> None:
    """Move one direction's bytes in the kernel (through a pipe) until its end, and pass the
    end on; an error ends both directions."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_SIZE)
    try:
        while moved := os.splice(source.fileno(), write_end, PIPE_SIZE):
            while moved:
                moved -= os.splice(read_end, sink.fileno(), moved)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue
    finally:
        os.close(read_end)
        os.close(write_end)


def _relay(client: socket.socket, address: str, port: int) -> None:
    """One connection: to the real endpoint, both directions spliced, then closed."""
    with client:
        try:
            upstream = socket.create_connection((address, port))
        except OSError:
            return
        with upstream:
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            back = threading.Thread(target=_splice, args=(upstream, client), daemon=True)
            back.start()
            _splice(client, upstream)
            back.join()


def _accept(listener: socket.socket, address: str, port: int) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_relay, args=(client, address, port), daemon=True).start()


def _watch(gate: Gate, watcher: socket.socket) -> None:
    while True:
        gate.note_refusal(watcher)


def _forward(gate: Gate, shard: int, host_namespace: int,
             listeners: dict[socket.socket, tuple[str, int]], watcher: socket.socket) -> None:
    """The forked child: back in the host's namespace, relay until the shard exits."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    _libc("setns", host_namespace, CLONE_NEWNET)
    for listener, (address, port) in listeners.items():
        threading.Thread(target=_accept, args=(listener, address, port), daemon=True).start()
    threading.Thread(target=_watch, args=(gate, watcher), daemon=True).start()
    select.select([shard], [], [])  # a pidfd turns readable when its process exits


def _enter(options: dict[str, list[str]]) -> int:
    """Move into the shard's namespace: a new one (the shard is about to be this process), or
    that of a running process (`--join PID`, a container started with no network); its pidfd."""
    if "join" not in options:
        _libc("unshare", CLONE_NEWNET)
        return os.pidfd_open(os.getpid())
    pid = int(options["join"][0])
    shard = os.pidfd_open(pid)  # first: the pid cannot be another process's from now on
    namespace = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    _libc("setns", namespace, CLONE_NEWNET)
    os.close(namespace)
    return shard


def main(argv: list[str]) -> None:
    """Build the namespace and its gate; then exec the command with a forwarder forked off, or,
    joined to a running shard, forward and say so in the `--ready` file."""
    options, command = _options(argv)
    endpoints = _resolved(options.get("allow", []))
    host_namespace = os.open("/proc/self/ns/net", os.O_RDONLY)
    shard = _enter(options)
    _loopback_up()
    listeners = {_listen(family, address, port): (address, port)
                 for family, address, port in endpoints}
    watcher = _reset_watcher()
    record = open(options["record"][0], "ab")  # noqa: SIM115 - the forwarder's, for its life
    marks = {name: options[name][0] for name in ("session", "shard", "side")}
    gate = Gate(marks, record, {(a, p) for _, a, p in endpoints})
    if "join" in options:
        open(options["ready"][0], "w").close()
        _forward(gate, shard, host_namespace, listeners, watcher)
        return
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
