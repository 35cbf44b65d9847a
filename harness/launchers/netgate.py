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
loopback for the resets that refuse a connection, and reads the handshake of each relayed
connection that speaks AMQP 0-9-1 for the broker's refusal of its login or vhost; it records
each refusal (the first RECORD_LIMIT) as a `violation` effect in the `--record` file, root's,
out of the shard's reach. It exits when
the shard does (it watches a pidfd: an unprivileged parent's death signal would not reach a
root child) and ignores the SIGTERM a stop sends the shard's process group, so that a shard
shutting down still reaches its broker.

Standard library only, started with -I -S: it runs on every shadow shard's start.
"""

import contextlib
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
from collections.abc import Callable
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

# AMQP 0-9-1: what a client sends first; frames (type, channel, size, payload, end byte) and
# the connection methods of the handshake (class 10).
AMQP_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_HEADER, METHOD_FRAME = 7, 1
START_OK, OPEN, OPEN_OK, CLOSE = (10, 11), (10, 40), (10, 41), (10, 50)
BROKER_REFUSAL = "refused by the broker"

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
    """What the forwarder records, up to a limit: each connection the namespace refused, and
    each broker login or vhost the broker refused."""

    def __init__(self, marks: dict[str, str], record: IO[bytes],
                 listening: set[Endpoint]) -> None:
        self.marks, self.record, self.listening, self.seq = marks, record, listening, 0
        self.lock = threading.Lock()

    def note_refusal(self, watcher: socket.socket) -> None:
        """Wait for the next reset on the watcher; record it if it refused a connection."""
        frame, (_, _, kind, _, _) = watcher.recvfrom(BUFFER)
        endpoint = refused(frame) if kind == PACKET_HOST else None
        if endpoint is not None and endpoint not in self.listening:
            target = f"[{endpoint[0]}]:{endpoint[1]}" if ":" in endpoint[0] else \
                f"{endpoint[0]}:{endpoint[1]}"
            self.note(target, "refused by the network namespace", {"protocol": "tcp"})

    def note(self, target: str, method: str, payload: dict[str, Any]) -> None:
        """Record one refusal as a `violation` effect (and say it on the gate's output)."""
        import json  # in the forwarder only: what the shard's start waits for stays small

        with self.lock:
            if self.seq >= RECORD_LIMIT:
                return
            self.seq += 1
            effect = {**self.marks, "real": False, "seq": self.seq, "ts": time.time(),
                      "request_id": None, "caused_by": None, "kind": "violation",
                      "target": target, "method": method, "version": None, "payload": payload}
            self.record.write(json.dumps(effect).encode() + b"\n")
            self.record.flush()
        print(f"netgate: {method}: {target}", flush=True)


def _frames(data: bytes) -> tuple[list[tuple[tuple[int, int], bytes]], bytes]:
    """The AMQP method frames complete at the start of `data` (class and method ids, arguments),
    and the bytes after the last complete frame."""
    found = []
    while len(data) >= FRAME_HEADER:
        kind, _channel, size = struct.unpack("!BHI", data[:FRAME_HEADER])
        if len(data) < FRAME_HEADER + size + 1:
            break
        payload, data = data[FRAME_HEADER:FRAME_HEADER + size], data[FRAME_HEADER + size + 1:]
        if kind == METHOD_FRAME and size >= 4:
            found.append((struct.unpack("!HH", payload[:4]), payload[4:]))
    return found, data


def _shortstr(data: bytes, at: int) -> tuple[str, int]:
    size = data[at]
    return data[at + 1:at + 1 + size].decode("utf-8", "replace"), at + 1 + size


def _longstr(data: bytes, at: int) -> tuple[bytes, int]:
    size = struct.unpack("!I", data[at:at + 4])[0]
    return data[at + 4:at + 4 + size], at + 4 + size


def login_user(args: bytes) -> str:
    """The user a Connection.Start-Ok logs in as, by PLAIN or AMQPLAIN ("?" for another
    mechanism or a malformed frame); its password is never read out."""
    try:
        _properties, at = _longstr(args, 0)
        mechanism, at = _shortstr(args, at)
        response, _ = _longstr(args, at)
        if mechanism == "PLAIN":
            return response.split(b"\0")[1].decode("utf-8", "replace")
        at = 0
        while mechanism == "AMQPLAIN" and at < len(response):
            name, at = _shortstr(response, at)
            if response[at:at + 1] != b"S":
                break
            value, at = _longstr(response, at + 1)
            if name == "LOGIN":
                return value.decode("utf-8", "replace")
    except (IndexError, struct.error):
        pass
    return "?"


def _peek_header(client: socket.socket) -> bytes:
    """The client's first bytes, left unread: as many as the AMQP header has once they begin
    as it does (sent a byte at a time, they would otherwise pass unwatched)."""
    head = client.recv(len(AMQP_HEADER), socket.MSG_PEEK)
    if head and len(head) < len(AMQP_HEADER) and AMQP_HEADER.startswith(head):
        head = client.recv(len(AMQP_HEADER), socket.MSG_PEEK | socket.MSG_WAITALL)
    return head


class Handshake:
    """One relayed connection: if its client opens with the AMQP 0-9-1 header, the user it logs
    in as and the vhost it opens are read from its handshake, and a broker's refusal of either
    (Connection.Close, or the connection dropped after a login) is recorded; the bytes go on
    unchanged, and after the handshake (or at once, for any other protocol) are spliced."""

    def __init__(self, gate: Gate, endpoint: str) -> None:
        self.gate, self.endpoint = gate, endpoint
        self.amqp = threading.Event()
        self.user: str | None = None
        self.vhost: str | None = None

    def asks(self, client: socket.socket, upstream: socket.socket) -> None:
        """Client to server: watched up to Connection.Open when it speaks AMQP."""
        with contextlib.suppress(OSError):
            if _peek_header(client) == AMQP_HEADER:
                self.amqp.set()  # before the broker can answer: it answers the header only
                upstream.sendall(client.recv(len(AMQP_HEADER)))
                self._watch(client, upstream, self._asked)
        _splice(client, upstream)

    def answers(self, upstream: socket.socket, client: socket.socket) -> None:
        """Server to client: watched up to Connection.Open-Ok or Close when the client spoke
        AMQP (known by the server's first byte: a broker speaks only when spoken to)."""
        select.select([upstream], [], [])
        if self.amqp.is_set() and not self._watch(upstream, client, self._answered) \
                and self.user is not None:
            self.gate.note(self.target, BROKER_REFUSAL, {"protocol": "amqp", "code": None,
                                                         "reason": "connection closed"})
        _splice(upstream, client)

    @property
    def target(self) -> str:
        """What the client tried, as a URL without its password."""
        return f"amqp://{self.user or '?'}@{self.endpoint}/{self.vhost or ''}"

    def _asked(self, method: tuple[int, int], args: bytes) -> bool:
        if method == START_OK:
            self.user = login_user(args)
        elif method == OPEN:
            self.vhost = _shortstr(args, 0)[0] if args else ""
        return method == OPEN

    def _answered(self, method: tuple[int, int], args: bytes) -> bool:
        if method == CLOSE:
            try:
                code, reason = struct.unpack("!H", args[:2])[0], _shortstr(args, 2)[0]
            except (IndexError, struct.error):
                code, reason = None, "malformed Connection.Close"
            self.gate.note(self.target, BROKER_REFUSAL, {"protocol": "amqp", "code": code,
                                                         "reason": reason})
        return method in (OPEN_OK, CLOSE)

    @staticmethod
    def _watch(source: socket.socket, sink: socket.socket,
               note: Callable[[tuple[int, int], bytes], bool]) -> bool:
        """Pass bytes on, each frame noted before it is passed, until `note` says the handshake
        is over (True) or the source ends or fails (False)."""
        buffered = b""
        try:
            while chunk := source.recv(BUFFER):
                frames, buffered = _frames(buffered + chunk)
                over = False
                for method, args in frames:
                    over = note(method, args) or over
                sink.sendall(chunk)
                if over:
                    return True
        except OSError:
            pass
        return False


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


def _relay(gate: Gate, client: socket.socket, address: str, port: int) -> None:
    """One connection: to the real endpoint, both directions spliced (an AMQP handshake
    watched first), then closed."""
    with client:
        try:
            upstream = socket.create_connection((address, port))
        except OSError:
            return
        with upstream:
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            shake = Handshake(gate, f"{address}:{port}")
            back = threading.Thread(target=shake.answers, args=(upstream, client), daemon=True)
            back.start()
            shake.asks(client, upstream)
            back.join()


def _accept(gate: Gate, listener: socket.socket, address: str, port: int) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_relay, args=(gate, client, address, port), daemon=True).start()


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
        threading.Thread(target=_accept, args=(gate, listener, address, port), daemon=True).start()
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
