"""The review page's local HTTP server (stdlib only), bound to 127.0.0.1.

One thread serves every request, so the session's SQLite connection is only ever used by the
thread that opened it (``serve`` opens the session and serves in the calling thread).

Routes: ``GET /`` the page; ``GET /api/next`` the next answer; ``POST /api/label``,
``/api/skip``, ``/api/undo``. Each POST answers with the next answer, or status 400 and
``{"error": message}`` when the label cannot be stored (nothing is stored then).

The page is blind unless the session reveals: an answer goes out as its queue position, question
and answer text only, never its condition or the judge's scores. A POST changes the store, so
a request must carry the page's random session token (a header another site's page cannot set
without a CORS preflight this server never grants) and a Host of 127.0.0.1 or localhost (no DNS
rebinding).
"""

from __future__ import annotations

import errno
import html
import json
import secrets
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from emsteer.errors import EmsteerError
from emsteer.review.session import LabelError, ReviewSession, open_review, parse_label

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_BODY = 10_000  # a label is a few dozen bytes
TOKEN_HEADER = "X-Review-Token"
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def item_json(session: ReviewSession, index: int | None) -> dict[str, Any]:
    """What the page may see of the answer at ``index`` (blind unless revealed) and the progress."""
    out: dict[str, Any] = {"progress": session.progress(), "reveal": session.reveal, "reviewer": session.reviewer,
                           "item": None}
    if index is None:
        return out
    item = session.items[index]
    shown: dict[str, Any] = {"index": index, "question": item.question, "answer": item.answer}
    if session.reveal:
        j = item.judge
        shown["revealed"] = {"condition": item.condition, "judge": session.judge, "aligned": j.aligned,
                             "coherent": j.coherent, "label": j.label, "judge_em": item.judge_em}
    out["item"] = shown
    return out


def page_html(session: ReviewSession, token: str) -> str:
    source = (resources.files("emsteer.review") / "page.html").read_text(encoding="utf-8")
    # the token is URL-safe base64 and the reviewer name is validated: neither needs escaping
    return (source.replace("{{TOKEN}}", token).replace("{{REVIEWER}}", session.reviewer)
            .replace("{{STORE}}", html.escape(session.store.path.name)))


class ReviewServer(HTTPServer):
    """An HTTPServer holding one review session."""

    def __init__(self, session: ReviewSession, port: int = DEFAULT_PORT) -> None:
        self.session = session
        self.token = secrets.token_urlsafe(24)
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise EmsteerError(f"port {port} on {HOST} is in use; choose another with --port "
                                   "(--port 0 picks a free one).") from None
            raise EmsteerError(f"cannot serve on {HOST}:{port}: {err.strerror or err}; choose another --port.") from None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.0"  # one request per connection: simple, and plenty for one reviewer
    # One connection at a time (the store is used from this thread only): a connection that sends
    # nothing (a browser's speculative one, any local process) may hold the others this long.
    timeout = 2.0

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        pass  # the terminal shows progress, not an access log

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8")

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        return host in (HOST, "localhost")

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        if not self._host_ok():
            return self._json(403, {"error": "wrong Host"})
        session = self.server.session
        if self.path in ("/", "/index.html"):
            return self._send(200, page_html(session, self.server.token).encode(), "text/html; charset=utf-8")
        if self.path == "/api/next":
            return self._json(200, item_json(session, session.next_index()))
        self._json(404, {"error": f"no such page: {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        sent = self.headers.get(TOKEN_HEADER, "").encode("utf-8", "surrogateescape")  # compare_digest takes ASCII str only
        if not self._host_ok() or not secrets.compare_digest(sent, self.server.token.encode()):
            return self._json(403, {"error": "this request did not come from the review page; reload it."})
        session = self.server.session
        try:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                raise LabelError("the request's Content-Length is not a number; nothing was stored.") from None
            if not 0 <= length <= MAX_BODY:
                raise LabelError("request body too large.")
            raw = self.rfile.read(length) if length else b"{}"
            try:
                body = json.loads(raw)
            except ValueError:
                raise LabelError("the request body is not JSON; nothing was stored.") from None
            if not isinstance(body, dict):
                raise LabelError("the request body must be a JSON object; nothing was stored.")
            if self.path == "/api/label":
                session.label(body.get("item"), parse_label(body))
                index = session.next_index()
            elif self.path == "/api/skip":
                session.skip(body.get("item"))
                index = session.next_index()
            elif self.path == "/api/undo":
                undone = session.undo()
                index = session.next_index() if undone is None else undone
            else:
                return self._json(404, {"error": f"no such action: {self.path}"})
        except EmsteerError as err:  # a bad label, or the store refused the write
            return self._json(400, {"error": str(err)})
        self._json(200, item_json(session, index))


def serve(path: str | Path, reviewer: str, *, port: int = DEFAULT_PORT, non_em: int | None = None, seed: int = 0,
          reveal: bool = False, conditions: Sequence[str] | None = None,
          ready: Callable[[ReviewServer], None] | None = None) -> ReviewSession:
    """Open a review of ``path`` (see ``open_review``) and serve its page until the server is shut
    down (or Ctrl-C); ``ready(server)`` is called once it listens. Returns the (closed) session."""
    session = open_review(path, reviewer, non_em=non_em, seed=seed, reveal=reveal, conditions=conditions)
    try:
        server = ReviewServer(session, port)
        with server:
            if ready is not None:
                ready(server)
            server.serve_forever(poll_interval=0.2)
    finally:
        session.close()
    return session
