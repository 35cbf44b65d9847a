"""A side's placement requests, read from a placement's access log (harness.nova.wsgi's format):
effects of kind `http`, tied to the mirrored message by the request id nova sends with each
request (`X-Openstack-Request-Id`, from the message's context).

A request is kept only when its User-Agent names a compute (keystoneauth makes the calling
program's name its first word): production's placement also serves nova-scheduler, which claims
a build's allocations with the build's own request id, upstream of the host.
"""

import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from harness.shadow.tap import EffectLog

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FIELDS = 7  # time, method, path, query, status, request id, user agent
POLL_SECONDS = 0.2
COMPUTES = ("nova-compute",)  # the programs whose requests are a host's


def as_http_effect(line: str, session: str, side: str) -> dict[str, Any] | None:
    """One access log line as a placement request effect (None for a line of another shape).
    What is compared: the method with the path's uuids as `{uuid}`, the query so too, and the
    status; uuids (a consumer's, a provider's) are another side's or instance's, noise. The
    request as made (`url`) and the calling program (`agent`) are kept beside; `seen_in` has
    the comparator take a trigger's requests as a set (harness.shadow.compare.fields)."""
    fields = line.rstrip("\n").split("\t")
    if len(fields) != FIELDS or not fields[4].isdigit():
        return None
    _time, verb, path, query, status, request_id, agent = fields
    return {"session": session, "shard": None, "side": side, "real": side == "production",
            "request_id": None if request_id in ("", "-") else request_id, "kind": "http",
            "target": "placement", "method": f"{verb} {UUID.sub('{uuid}', path)}",
            "version": None, "seen_in": "access_log", "url": f"{path}?{query}" if query else path,
            "agent": agent.split(" ", 1)[0],
            "payload": {"query": UUID.sub("{uuid}", query), "status": int(status)}}


def names_any(uuids: Collection[str]) -> Callable[[dict[str, Any]], bool]:
    """Whether an uncaused request is about one of these resource providers (the shadowed
    host's): its path or query names it."""
    def check(effect: dict[str, Any]) -> bool:
        return any(uuid in str(effect.get("url", "")) for uuid in uuids)

    return check


class AccessLogTap(EffectLog):
    """Follows one placement access log from where it ended when the session's taps were
    declared, as the bus taps see what comes after their queues exist: production's log is
    shared and old, and a side's compute made its start-up requests before."""

    def __init__(self, log: Path, session: str, side: str, output: Path,
                 cause_of: Callable[[str], str | None],
                 periodic: Callable[[dict[str, Any]], bool]) -> None:
        super().__init__(session, output, cause_of, periodic)
        self.log, self.side = log, side
        self.thread_name = self.counter_prefix = f"placement_{side}"
        self._offset = 0

    def declare(self) -> None:
        """Mark where the log ends now (nothing yet: at its start)."""
        if self.log.is_file():
            self._offset = self.log.stat().st_size

    def effect(self, line: str) -> dict[str, Any] | None:
        """A line as an effect, None when it is not a compute's request."""
        effect = as_http_effect(line, self.session, self.side)
        return effect if effect is not None and effect["agent"] in COMPUTES else None

    def run(self) -> None:
        """Read new lines until stopped (the log may appear only with the first request)."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with self.output.open("a", buffering=1) as out:
            while not self.log.is_file():
                if self._stop.wait(POLL_SECONDS):
                    return
            with self.log.open("rb") as source:
                source.seek(self._offset)
                while not self._stop.is_set():
                    line = source.readline()
                    if line.endswith(b"\n"):
                        self._accept(out, self.effect(line.decode("utf-8", "replace")))
                        continue
                    source.seek(-len(line), 1)  # a line half written: read it again later
                    self._resolve(out)
                    self._stop.wait(POLL_SECONDS)
                self._resolve(out)
