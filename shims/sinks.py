"""Where effect records go: memory (tests), a JSONL file, or a topic exchange on the bus."""

import os
import threading
from pathlib import Path
from typing import Protocol

import kombu

from shims.effects import Effect

DEFAULT_EFFECTS_EXCHANGE = "harness.effects"


class Sink(Protocol):
    """Receives each effect as it is recorded."""

    def emit(self, effect: Effect) -> None:
        """Store or send one effect."""

    def close(self) -> None:
        """Release what the sink holds."""


class MemorySink:
    """Keeps effects in a list (for tests and for in-process comparison)."""

    def __init__(self) -> None:
        self.effects: list[Effect] = []
        self._lock = threading.Lock()

    def emit(self, effect: Effect) -> None:
        """Append the effect."""
        with self._lock:
            self.effects.append(effect)

    def close(self) -> None:
        """Nothing to release."""


class JsonlSink:
    """Appends one JSON line per effect to a file only its owner can read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(descriptor, "a", encoding="utf-8")

    def emit(self, effect: Effect) -> None:
        """Write and flush the effect's line."""
        with self._lock:
            self._file.write(effect.to_json() + "\n")
            self._file.flush()

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._file.close()


class BusSink:
    """Publishes each effect as JSON to a topic exchange, key `effects.<session>.<shard>`."""

    def __init__(self, url: str, exchange: str = DEFAULT_EFFECTS_EXCHANGE) -> None:
        self._connection = kombu.Connection(url)
        self._exchange = kombu.Exchange(exchange, type="topic", durable=True)
        self._lock = threading.Lock()
        self._producer: kombu.Producer | None = None

    def emit(self, effect: Effect) -> None:
        """Publish the effect (persistent), connecting on first use."""
        with self._lock:
            if self._producer is None:
                self._producer = kombu.Producer(self._connection.channel())
            self._producer.publish(
                effect.to_json().encode(), exchange=self._exchange,
                routing_key=f"effects.{effect.session}.{effect.shard}",
                content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                declare=[self._exchange], retry=True, retry_policy={"max_retries": 3},
            )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.release()
            self._producer = None
