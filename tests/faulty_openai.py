"""A fault-injecting OpenAI-compatible server for tests (127.0.0.1, ephemeral port, own thread).

Each prompt has a true score (its ``scores`` entry, else one derived from the prompt) and a
fault plan drawn reproducibly from (seed, prompt), independent of the order requests arrive in:
its first ``n`` requests fail, each with a kind drawn from ``kinds`` (429 with Retry-After,
500, a reply slower than the client's timeout, a 200 that is not JSON, a 200 without choices,
a 200 without logprobs), where ``n`` is 0 with probability 1 - ``rate`` and otherwise drawn
from 1..``max_faults``. A prompt may also be planned to answer in words (no number) the first
time it gets a good reply (probability ``nonnumeric``; only prompts with fewer than
``words_below`` faults), as judges sometimes do.

It counts per prompt: requests seen (``attempts``), good numeric replies delivered
(``answered``, the replies one would be billed for and should never need twice) and replies in
words (``in_words``).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

KINDS = ("429", "500", "timeout", "not_json", "no_choices", "no_logprobs")


@dataclass(frozen=True)
class Plan:
    faults: tuple[str, ...]  # the kinds of this prompt's first len(faults) requests
    in_words: bool  # its first good reply is words, not a number


class FaultyOpenAI:
    def __init__(self, *, rate: float = 0.3, max_faults: int = 3, nonnumeric: float = 0.3, seed: int = 0,
                 kinds: tuple[str, ...] = KINDS, slow_s: float = 0.5, retry_after: str = "0.02",
                 words_below: int | None = None) -> None:
        self.rate, self.max_faults, self.nonnumeric, self.seed = rate, max_faults, nonnumeric, seed
        self.kinds, self.slow_s, self.retry_after = kinds, slow_s, retry_after
        self.words_below = max_faults + 1 if words_below is None else words_below
        self.scores: dict[str, int] = {}
        self.attempts: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.in_words: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def score(self, prompt: str) -> int:
        return self.scores.get(prompt, int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 101)

    def plan(self, prompt: str) -> Plan:
        rng = random.Random(f"{self.seed}\0{prompt}")
        n = rng.randint(1, self.max_faults) if rng.random() < self.rate else 0
        faults = tuple(rng.choice(self.kinds) for _ in range(n))
        return Plan(faults, rng.random() < self.nonnumeric and n < self.words_below)

    # -- one request ---------------------------------------------------------------------------

    def _next(self, prompt: str) -> str | None:
        """The fault for this request of ``prompt`` ('words' for a reply in words), or None."""
        with self._lock:
            attempt = self.attempts[prompt]
            self.attempts[prompt] += 1
            plan = self.plan(prompt)
            if attempt < len(plan.faults):
                return plan.faults[attempt]
            if plan.in_words and not self.in_words[prompt]:
                self.in_words[prompt] += 1
                return "words"
            self.answered[prompt] += 1
            return None

    def _reply(self, body: dict[str, Any], fault: str | None) -> tuple[int, dict[str, str], bytes]:
        if fault == "429":
            return 429, {"Retry-After": self.retry_after}, b'{"error": {"message": "rate limited"}}'
        if fault == "500":
            return 500, {}, b'{"error": {"message": "internal error"}}'
        if fault == "not_json":
            return 200, {}, b'{"choices": [{"index": 0, "logprobs": {"content": [{"tok'
        if fault == "no_choices":
            return 200, {}, json.dumps({"id": "x", "object": "chat.completion", "choices": []}).encode()
        prompt = body["messages"][-1]["content"]
        dist = {"I": 0.6, " cannot": 0.4} if fault == "words" else {str(self.score(prompt)): 1.0}
        top = [{"token": t, "logprob": math.log(p), "bytes": list(t.encode())} for t, p in dist.items()]
        logprobs = None if fault == "no_logprobs" else {"content": [{**top[0], "top_logprobs": top}]}
        choice = {"index": 0, "message": {"role": "assistant", "content": top[0]["token"]}, "logprobs": logprobs,
                  "finish_reason": "length"}
        return 200, {}, json.dumps({"id": "x", "object": "chat.completion", "choices": [choice]}).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fault = server._next(body["messages"][-1]["content"])
                status, headers, data = server._reply(body, fault)
                try:
                    if fault == "timeout":
                        time.sleep(server.slow_s)  # longer than the client waits
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
