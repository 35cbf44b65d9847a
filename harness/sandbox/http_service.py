"""A small JSON-over-HTTP service on loopback, in a thread: the image and network services' base."""

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.errors import InfrastructureError

Reply = tuple[int, Any]


@dataclass(frozen=True)
class Request:
    """What a handler sees of a request: the path's match, the JSON body, the query."""

    match: re.Match[str]
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Reply]


class HttpError(Exception):
    """Answer the request with this status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class JsonService:
    """Routes (method, path pattern) to handlers; serves on 127.0.0.1 (port given or ephemeral)."""

    name = "service"

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Answer `method` on paths matching `pattern` (anchored) with `handler`."""
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    @property
    def url(self) -> str:
        """The base URL, once started."""
        if self._server is None:
            raise RuntimeError(f"{self.name} service is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def dispatch(self, method: str, path: str, body: Any) -> Reply:
        """Find the route for a request and run it; unknown paths are 404, bad methods 405."""
        self.requests += 1
        parts = urlsplit(path)
        path = parts.path
        allowed = False
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and route_method == method:
                try:
                    return handler(Request(match, body, dict(parse_qsl(parts.query))))
                except HttpError as error:
                    return error.status, {"error": {"message": str(error)}}
            allowed = allowed or bool(match)
        if allowed:
            return 405, {"error": {"message": f"{method} not allowed on {path}"}}
        return 404, {"error": {"message": f"no such resource {path}"}}

    def start(self, port: int = 0) -> None:
        """Listen on a loopback port (ephemeral when 0) and serve in a daemon thread."""
        service = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    status, reply = 400, {"error": {"message": "body is not JSON"}}
                else:
                    status, reply = service.dispatch(self.command, self.path, body)
                data = b"" if reply is None else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet: request counts are kept, not logged."""

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), RequestHandler)
        except OSError as error:
            raise InfrastructureError(f"{self.name} service: 127.0.0.1:{port}: {error.strerror}"
                                      ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,),
                                        name=f"sandbox-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
