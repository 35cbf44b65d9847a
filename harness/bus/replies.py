"""A caller's reply queue and the thread that routes replies to the calls waiting for them."""

import logging
import queue
import threading
import time
from typing import Any

import kombu
import kombu.message

from harness.bus import envelope, topology
from harness.bus.dedup import SeenIds
from harness.bus.exceptions import MalformedMessage, MessagingError, MessagingTimeout

log = logging.getLogger(__name__)
POLL_SECONDS = 0.2
_CLOSED: dict[str, Any] = {}  # put in every waiting call's box by close()


class ReplyWaiter:
    """Consumes one `reply_<uuid>` queue on its own connection; calls wait here by `_msg_id`."""

    def __init__(self, connection: kombu.Connection, ttl: int = topology.TRANSIENT_QUEUES_TTL):
        self._connection = connection
        self.queue = topology.reply_queue(ttl)
        self.name: str = self.queue.name
        self._waiting: dict[str, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._seen = SeenIds()
        self._stopped = threading.Event()
        self.dropped = 0
        self._consumer = kombu.Consumer(
            connection.channel(), [self.queue], on_message=self._on_message,
        )
        self._consumer.consume()
        self._thread = threading.Thread(target=self._poll, name=f"bus-{self.name}", daemon=True)
        self._thread.start()

    def listen(self, msg_id: str) -> None:
        """Expect a reply to `msg_id` (call before publishing, so a fast reply is not lost)."""
        with self._lock:
            box: queue.Queue[dict[str, Any]] = queue.Queue()
            self._waiting[msg_id] = box
            if self._stopped.is_set():  # closed by another thread since this call took it
                box.put(_CLOSED)

    def wait(self, msg_id: str, timeout: float) -> dict[str, Any]:
        """The final reply to `msg_id` (heartbeats skipped); MessagingTimeout after `timeout`
        seconds. Stops listening."""
        deadline = time.monotonic() + timeout
        try:
            with self._lock:
                box = self._waiting[msg_id]
            while True:
                reply = box.get(timeout=max(0.0, deadline - time.monotonic()))
                if reply is _CLOSED:
                    raise MessagingError(f"The reply queue {self.name} was closed while "
                                         f"waiting for a reply to message ID {msg_id}.")
                if reply.get("ending", True) or reply.get("failure"):
                    return reply
                # an oslo server's call-monitor heartbeat (ending false): keep waiting
        except queue.Empty:
            raise MessagingTimeout(
                f"Timed out waiting for a reply {self.name} to message ID {msg_id}."
            ) from None
        finally:
            self.forget(msg_id)

    def forget(self, msg_id: str) -> None:
        """Stop expecting a reply to `msg_id` (a late one is then dropped)."""
        with self._lock:
            self._waiting.pop(msg_id, None)

    def _on_message(self, message: kombu.message.Message) -> None:
        """Route one reply to its waiter; drop repeats, strays and undecodable bodies."""
        message.ack()
        try:
            reply = envelope.decode(envelope.decode_body(message.body))
        except MalformedMessage as error:
            self.dropped += 1
            log.warning("dropped an undecodable reply on %s: %s", self.name, error)
            return
        if self._seen.repeated(reply.get("_unique_id")):
            self.dropped += 1
            return
        with self._lock:
            box = self._waiting.get(str(reply.get("_msg_id")))
        if box is None:
            self.dropped += 1
            return
        box.put(reply)

    def _poll(self) -> None:
        """Drain the reply connection until closed."""
        while not self._stopped.is_set():
            try:
                self._connection.drain_events(timeout=POLL_SECONDS)
            except TimeoutError:
                continue
            except Exception as error:
                if not self._stopped.is_set():
                    log.error("reply queue %s: %s; reconnecting", self.name, error)
                    self._recover()

    def _recover(self) -> None:
        """Reconnect and consume the reply queue again after a connection error."""
        try:
            self._connection.ensure_connection(max_retries=3, interval_start=0.2)
            self._consumer.revive(self._connection.channel())
            self._consumer.consume()
        except Exception as error:
            log.error("reply queue %s: reconnect failed: %s", self.name, error)
            self._stopped.wait(1)

    def close(self) -> None:
        """Stop the thread and close the connection; the calls still waiting fail now, not at
        their timeout."""
        self._stopped.set()
        with self._lock:
            for box in self._waiting.values():
                box.put(_CLOSED)
        self._thread.join(timeout=5)
        self._connection.release()
