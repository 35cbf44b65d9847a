"""A side's placement requests, read from its placement's access log (harness.nova.wsgi's
format): effects of kind `http`, tied to the mirrored message by the request id nova sends
with each request (`X-Openstack-Request-Id`, from the message's context)."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.shadow.tap import EffectLog

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FIELDS = 6  # time, method, path, query, status, request id
POLL_SECONDS = 0.2


def as_http_effect(line: str, session: str, side: str) -> dict[str, Any] | None:
    """One access log line as a placement request effect (None for a line of another shape);
    the method names the path with its uuids as `{uuid}`, so both sides' requests match."""
    fields = line.rstrip("\n").split("\t")
    if len(fields) != FIELDS or not fields[4].isdigit():
        return None
    _time, verb, path, query, status, request_id = fields
    return {"session": session, "shard": None, "side": side, "real": side == "production",
            "request_id": None if request_id in ("", "-") else request_id, "kind": "http",
            "target": "placement", "method": f"{verb} {UUID.sub('{uuid}', path)}",
            "version": None, "payload": {"path": path, "query": query, "status": int(status)}}


class AccessLogTap(EffectLog):
    """Follows one placement access log from its start and writes its requests as effects."""

    def __init__(self, log: Path, session: str, side: str, output: Path,
                 cause_of: Callable[[str], str | None],
                 periodic: Callable[[dict[str, Any]], bool]) -> None:
        super().__init__(session, output, cause_of, periodic)
        self.log, self.side = log, side
        self.thread_name = self.counter_prefix = f"placement_{side}"

    def run(self) -> None:
        """Read new lines until stopped (the log may appear only with the first request)."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with self.output.open("a", buffering=1) as out:
            while not self.log.is_file():
                if self._stop.wait(POLL_SECONDS):
                    return
            with self.log.open("rb") as source:
                while not self._stop.is_set():
                    line = source.readline()
                    if line.endswith(b"\n"):
                        text = line.decode("utf-8", "replace")
                        self._accept(out, as_http_effect(text, self.session, self.side))
                        continue
                    source.seek(-len(line), 1)  # a line half written: read it again later
                    self._resolve(out)
                    self._stop.wait(POLL_SECONDS)
                self._resolve(out)
