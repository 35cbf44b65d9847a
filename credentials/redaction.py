"""The one place that knows every secret issued in this process and scrubs it from text."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

MASK = "[REDACTED]"
MIN_LENGTH = 4  # shorter "secrets" would blank ordinary words; Vault never issues them


class Redactor:
    """A thread-safe set of secret values, and the scrubbing of text, data and exceptions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add(self, *values: str | None) -> None:
        """Remember secret values, and the URL-quoted forms they take inside URLs."""
        found = set(self._secrets)
        for value in values:
            if value and len(value) >= MIN_LENGTH:
                found.update({value, quote(value, safe=""), value.replace("$", "$$")})
        with self._lock:
            self._secrets = tuple(sorted(found, key=len, reverse=True))

    def known(self) -> tuple[str, ...]:
        """Every value being scrubbed, longest first (for tests that hunt for leaks)."""
        return self._secrets

    def scrub(self, text: str) -> str:
        """Text with every known secret replaced by the mask."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def scrub_data(self, data: Any) -> Any:
        """A copy of JSON-like data (a report) with every string scrubbed."""
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return {self.scrub_data(k): self.scrub_data(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.scrub_data(item) for item in data]
        return data

    def scrub_exception(self, error: BaseException) -> BaseException:
        """Scrub an exception's arguments in place, so str(error) carries no secret."""
        error.args = tuple(self.scrub_data(arg) for arg in error.args)
        return error


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """Scrub a record's formatted message and traceback before any handler writes it."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__("credentials.redaction")
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace msg/args by the scrubbed message; always let the record through."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed logging call: keep the bare message
            message, record.args = str(record.msg), None
        scrubbed = self.redactor.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.scrub(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install_log_filter() -> RedactingFilter:
    """Install the filter on the root logger and its handlers (where child records pass)."""
    root = logging.getLogger()
    for target in (root, *root.handlers):
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
    return _FILTER


def remove_log_filter() -> None:
    """Take the filter off the root logger and its handlers again."""
    root = logging.getLogger()
    for target in (root, *root.handlers):
        target.removeFilter(_FILTER)


@contextmanager
def scrubbed_errors(redactor: Redactor = REDACTOR) -> Iterator[None]:
    """Let exceptions through with every known secret scrubbed from their messages."""
    try:
        yield
    except BaseException as error:
        raise redactor.scrub_exception(error)  # noqa: B904 - the same exception, scrubbed
