"""A real OpenAI-compatible HTTP server for tests (127.0.0.1, ephemeral port, own thread).

It answers POST /v1/chat/completions like the OpenAI API with logprobs: the first token's top
alternatives come from a distribution configured per prompt. Scripted faults (429 with
Retry-After, 500, slow responses, no logprobs) are consumed one per request, in order.
It records every request and the highest number of requests in flight at once.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Fault:
    status: int = 200  # non-200: an error response with an OpenAI-style error body
    retry_after: str | None = None  # Retry-After header value
    delay: float = 0.0  # seconds to wait before answering (longer than the client timeout = timeout)
    no_logprobs: bool = False  # answer 200 but with "logprobs": null
    bad_gzip: bool = False  # answer 200 saying gzip, with a body that is not
    message: str = "scripted failure"


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAI:
    """Usage: ``with FakeOpenAI() as server: server.distributions[prompt] = {"50": 0.6, ...}``."""

    def __init__(self, *, api_key: str | None = None, handle_delay: float = 0.0) -> None:
        self.api_key = api_key  # when set, other Authorization headers get a 401
        self.handle_delay = handle_delay  # every request takes at least this long (concurrency tests)
        self.distributions: dict[str, dict[str, float]] = {}
        self.default: dict[str, float] = {"50": 1.0}
        self.following: list[str] = []  # tokens the reply goes on with after the first (a digit-splitting model's "5" of "85")
        self.faults: deque[Fault] = deque()
        self.requests: list[SeenRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # don't wait for handlers sleeping past a client timeout
        # short poll interval: shutdown() waits up to one interval, and tests start many servers
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def fail(self, times: int = 1, **fault: Any) -> None:
        """Script the next ``times`` requests to fail as described (see Fault)."""
        for _ in range(times):
            self.faults.append(Fault(**fault))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- request handling ----------------------------------------------------------------------

    def _respond(self, body: dict[str, Any], fault: Fault | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        if fault is not None and fault.status != 200:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            err = {"error": {"message": fault.message, "type": "server_error", "code": fault.status}}
            return fault.status, headers, err
        prompt = body["messages"][-1]["content"]
        dist = self.distributions.get(prompt, self.default)
        ranked = sorted(dist.items(), key=lambda kv: -kv[1])
        n = int(body.get("top_logprobs") or 0)
        top = [{"token": t, "logprob": math.log(p), "bytes": list(t.encode("utf-8"))} for t, p in ranked[:n]]
        first = {**top[0], "top_logprobs": top} if top else None
        logprobs = (
            None if (fault is not None and fault.no_logprobs) or not body.get("logprobs")
            else {"content": [first, *({"token": t, "logprob": 0.0, "top_logprobs": []} for t in self.following)]}
        )
        return (
            200,
            {"Content-Encoding": "gzip"} if fault is not None and fault.bad_gzip else {},
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": ranked[0][0]},
                        "logprobs": logprobs,
                        "finish_reason": "length",
                    }
                ],
                "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": 1, "total_tokens": 0},
            },
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(SeenRequest(self.path, dict(self.headers.items()), body))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    fault = server.faults.popleft() if server.faults else None
                try:
                    if self.path.partition("?")[0] != "/v1/chat/completions":
                        status, headers, payload = 404, {}, {"error": {"message": f"no route {self.path}"}}
                    elif server.api_key is not None and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                        got = self.headers.get("Authorization", "")
                        # echo the key like some real servers do, so tests can check redaction
                        status, headers, payload = (
                            401,
                            {},
                            {"error": {"message": f"Incorrect API key provided: {got[7:]}"}},
                        )
                    else:
                        status, headers, payload = server._respond(body, fault)
                    delay = max(server.handle_delay, fault.delay if fault else 0.0)
                    if delay:
                        time.sleep(delay)
                    data = json.dumps(payload).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)
                finally:
                    with server._lock:
                        server.in_flight -= 1

        return Handler
