"""Many RPC servers and notification listeners on one connection, a channel each, one loop."""

import logging
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

import kombu

from harness.bus import topology
from harness.bus.listeners import Listener, NotificationCallback, NotificationListener, RPCListener
from harness.bus.transport import Transport

log = logging.getLogger(__name__)
POLL_SECONDS = 0.2
L = TypeVar("L", bound=Listener)


class ServerSet:
    """Hosts any number of (topic, host, endpoints) servers on one kombu connection.

    Each server gets its own channel; `drain()` or the `start()`ed thread handles every
    channel's deliveries in one loop. `add`/`remove` are safe while the loop runs: they are
    handed to the loop, woken by a message on a private exclusive queue, so they take
    milliseconds rather than a poll interval. Handlers run inline unless an executor is given.
    """

    def __init__(self, transport: Transport, executor: Executor | None = None) -> None:
        self.transport = transport
        self.executor = executor
        self.listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._connection: kombu.Connection | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = (
            queue.SimpleQueue()
        )
        self._wake_queue = kombu.Queue(
            f"harness.wake.{uuid.uuid4().hex}", topology.default_exchange(), routing_key="",
            exclusive=True, auto_delete=True,
        )

    @property
    def connection(self) -> kombu.Connection:
        """The shared connection (opened on first use)."""
        with self._lock:
            if self._connection is None:
                self._connection = self.transport.connect()
            return self._connection

    def add(
        self, topic: str, server: str | None, endpoints: Sequence[object], *,
        exchange: str | None = None, fanout: bool = True,
    ) -> RPCListener:
        """Serve `endpoints` on `<topic>`, `<topic>.<server>` and (unless told not) the fanout."""
        target = topology.Target(topic=topic, server=server, exchange=exchange)
        listener = RPCListener(self.transport, target, endpoints, self.executor, fanout)
        return self._attach(listener)

    def add_notification_listener(
        self, topics: Sequence[str], callback: NotificationCallback, *,
        priorities: Sequence[str] = topology.NOTIFICATION_PRIORITIES, pool: str | None = None,
        exchange: str | None = None,
    ) -> NotificationListener:
        """Deliver notifications on `<topic>.<priority>` for each topic and priority."""
        listener = NotificationListener(
            self.transport, topics, callback, priorities, pool, exchange,
        )
        return self._attach(listener)

    def _attach(self, listener: L) -> L:
        """Give a listener its own channel and start it consuming."""

        def attach() -> None:
            listener.attach(self.connection.channel())
            self.listeners.append(listener)

        self._in_loop(attach)
        return listener

    def remove(self, listener: Listener) -> None:
        """Stop one listener and close its channel."""

        def detach() -> None:
            listener.detach()
            self.listeners.remove(listener)

        self._in_loop(detach)

    def _in_loop(self, operation: Callable[[], Any]) -> Any:
        """Run a channel operation on the loop's thread (or here when no loop runs)."""
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            with self._lock:
                return operation()
        done: Future[Any] = Future()
        self._pending.put((operation, done))
        self._wake()
        return done.result()

    def _wake(self) -> None:
        """Make the loop's drain return now."""
        self.transport.publisher.publish(
            {}, exchange=topology.default_exchange(), routing_key=self._wake_queue.name,
        )

    def _run_pending(self) -> None:
        """Run the operations other threads handed to the loop."""
        while True:
            try:
                operation, done = self._pending.get_nowait()
            except queue.Empty:
                return
            try:
                done.set_result(operation())
            except BaseException as error:
                done.set_exception(error)

    def counters(self) -> dict[str, int]:
        """Every listener's counters summed by kind."""
        total: Counter[str] = Counter()
        for listener in list(self.listeners):
            total.update(listener.counters.snapshot())
        return dict(total)

    def drain(self, timeout: float = POLL_SECONDS) -> bool:
        """Handle whatever arrives within `timeout` seconds; False when nothing came."""
        with self._lock:
            try:
                self.connection.drain_events(timeout=timeout)
            except TimeoutError:
                return False
            return True

    def start(self) -> None:
        """Run the loop in a daemon thread until `stop()`."""
        self._listen_for_wakes()
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="bus-server-set", daemon=True)
        self._thread.start()

    def _listen_for_wakes(self) -> None:
        """Consume the private wake-up queue on a channel of its own."""
        waker = kombu.Consumer(
            self.connection.channel(), [self._wake_queue], on_message=lambda m: m.ack(),
        )
        waker.consume()

    def _run(self) -> None:
        """The loop: drain, and reconnect (re-attaching every listener) after a broker error."""
        while not self._stopped.is_set():
            try:
                self._run_pending()
                self.drain()
            except Exception as error:
                if self._stopped.is_set():
                    break
                log.error("server set connection: %s; reconnecting", error)
                self._recover()

    def _recover(self) -> None:
        """Re-open the connection and give every listener a new channel."""
        with self._lock:
            try:
                self.connection.ensure_connection(max_retries=3, interval_start=0.2)
                self._listen_for_wakes()
                for listener in self.listeners:
                    listener.attach(self.connection.channel())
            except Exception as error:
                log.error("server set: reconnect failed: %s", error)
                self._stopped.wait(1)

    def stop(self) -> None:
        """Stop the loop, wait for it, detach every listener and close the connection."""
        self._stopped.set()
        if self._thread is not None:
            self._wake()
            self._thread.join(timeout=5)
            self._thread = None
            self._run_pending()
        with self._lock:
            for listener in self.listeners:
                try:
                    listener.detach()
                except Exception as error:
                    log.debug("detaching a listener at stop: %s", error)
            self.listeners.clear()
            if self._connection is not None:
                self._connection.release()
                self._connection = None

    def __enter__(self) -> "ServerSet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
