"""Judge through any OpenAI-compatible chat-completions endpoint that returns top logprobs.

Each judge prompt is sent as one user message with max_tokens=1, temperature=0 and
``logprobs``/``top_logprobs``; the top alternatives for the first answer token give the
distribution over the numbers 0–100 and the CODE / REFUSAL labels (``score_from_distribution``).
Requests run on a thread pool of ``max_concurrency`` workers sharing one httpx client; 429, 408,
5xx, timeouts and connection errors are retried with exponential backoff and jitter, honouring
Retry-After. The API key is read from an environment variable and kept out of every message,
repr and identity.
"""

from __future__ import annotations

import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from emsteer.errors import EmsteerError
from emsteer.judging.base import LABELS, JudgeRequest, Judgment, score_from_distribution

log = logging.getLogger(__name__)

BASE_URL_ENV = "OPENAI_BASE_URL"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
MAX_RETRY_AFTER_S = 120.0  # a Retry-After beyond this is treated as absent (exponential backoff instead)
MIN_LABEL_PREFIX = 3  # "REF" counts as the start of REFUSAL; "R" or "C" alone are too ambiguous
_NUMBER = re.compile(r"[0-9]{1,3}")


def distribution_from_top_logprobs(
    top: Sequence[Mapping[str, Any]], labels: Sequence[str] = LABELS
) -> tuple[dict[int, float], dict[str, float]]:
    """Probabilities of the numbers 0–100 and of the labels from one position's top logprobs.

    Tokens are stripped before matching, so " 50" and "50" add up. A token counts towards a label
    when (upper-cased) it is a prefix of the label of at least MIN_LABEL_PREFIX characters or
    starts with the label ("REF", "Refusal", "CODE.").
    """
    numbers: dict[int, float] = {}
    label_probs: dict[str, float] = {}
    for item in top:
        token, logprob = item.get("token"), item.get("logprob")
        if not isinstance(token, str) or not isinstance(logprob, (int, float)):
            continue
        p = math.exp(logprob)
        text = token.strip()
        if _NUMBER.fullmatch(text):
            n = int(text)
            if n <= 100:
                numbers[n] = numbers.get(n, 0.0) + p
            continue
        upper = text.upper()
        for label in labels:
            if upper.startswith(label) or (len(upper) >= MIN_LABEL_PREFIX and label.startswith(upper)):
                label_probs[label] = label_probs.get(label, 0.0) + p
                break
    return numbers, label_probs


def _is_local(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "") in LOCAL_HOSTS


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or HTTP date)."""
    ms = response.headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


class _Stopped(Exception):
    """Another request of the same batch failed for good: stop retrying this one."""


class OpenAIJudge:
    """Scores judge prompts with an OpenAI-compatible ``/chat/completions`` endpoint.

    ``base_url`` defaults to $OPENAI_BASE_URL, then https://api.openai.com/v1. The key is read
    from the environment variable named ``api_key_env`` (never passed as a value, so it cannot
    end up in configs or logs); it may be absent only for a localhost endpoint.
    ``backoff_base``/``backoff_max`` (seconds) shape the retry delays.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        max_concurrency: int = 8,
        timeout: float = 60,
        max_retries: int = 6,
        top_logprobs: int = 20,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise EmsteerError(f"OpenAIJudge needs a model name (openai:MODEL), got {model!r}")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise EmsteerError(f"OpenAIJudge max_concurrency must be a positive integer, got {max_concurrency!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise EmsteerError(f"OpenAIJudge max_retries must be a non-negative integer, got {max_retries!r}")
        if isinstance(top_logprobs, bool) or not isinstance(top_logprobs, int) or not 1 <= top_logprobs <= 20:
            raise EmsteerError(f"OpenAIJudge top_logprobs must be an integer from 1 to 20, got {top_logprobs!r}")
        if not timeout > 0:
            raise EmsteerError(f"OpenAIJudge timeout must be positive seconds, got {timeout!r}")
        base = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).hostname:
            raise EmsteerError(f"OpenAIJudge base_url must be an http(s) URL like {DEFAULT_BASE_URL}, got {base!r}")
        key = os.environ.get(api_key_env) or None
        if key is None and not _is_local(base):
            raise EmsteerError(
                f"OpenAIJudge: environment variable {api_key_env} is not set; it must hold the API key "
                f"for {base} (the key is only ever read from the environment)"
            )
        self.model = model
        self.base_url = base
        self.api_key_env = api_key_env
        self.max_concurrency = max_concurrency
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.top_logprobs = top_logprobs
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.identity = f"openai:{model}@{base}"
        self.__key = key  # name-mangled and excluded from repr

    def __repr__(self) -> str:
        return f"OpenAIJudge(model={self.model!r}, base_url={self.base_url!r}, api_key_env={self.api_key_env!r})"

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def judge(self, requests: Sequence[JudgeRequest]) -> list[Judgment]:
        """Score every request concurrently; results are in the order of ``requests``."""
        if not requests:
            return []
        headers = {"Content-Type": "application/json"}
        if self.__key:
            headers["Authorization"] = f"Bearer {self.__key}"
        stop = threading.Event()
        limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
        with (
            httpx.Client(headers=headers, timeout=self.timeout, limits=limits) as client,
            ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(requests))) as pool,
        ):
            futures = [pool.submit(self._judge_one, client, r, stop) for r in requests]
            try:
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                failed = next((f for f in futures if f in done and f.exception() is not None), None)
                if failed is not None:
                    raise failed.exception()  # type: ignore[misc]
                return [f.result() for f in futures]
            except BaseException:
                stop.set()  # the batch fails (or is interrupted): in-flight requests stop retrying
                for f in futures:
                    f.cancel()
                raise

    # -- one request -------------------------------------------------------------------------

    def _payload(self, prompt: str) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": 1,
            "temperature": 0,
            "logprobs": True,
            "top_logprobs": self.top_logprobs,
            "seed": 0,
        }

    def _judge_one(self, client: httpx.Client, request: JudgeRequest, stop: threading.Event) -> Judgment:
        data = self._post(client, self._payload(request.prompt), stop)
        top = self._top_logprobs(data)
        numbers, labels = distribution_from_top_logprobs(top)
        return score_from_distribution(numbers, labels, metric=request.metric, judge=self.identity)

    def _post(self, client: httpx.Client, payload: dict[str, Any], stop: threading.Event) -> dict[str, Any]:
        attempts = self.max_retries + 1
        problem = ""
        for attempt in range(attempts):
            if stop.is_set():
                raise _Stopped()
            wait_s: float | None = None
            try:
                response = client.post(self.url, json=payload)
            except httpx.TimeoutException:
                problem = f"timed out after {self.timeout:g} s"
            except httpx.TransportError as e:  # connection refused/reset, DNS, protocol errors
                problem = f"connection error ({type(e).__name__}: {self._redact(str(e))})"
            else:
                status = response.status_code
                if status == 200:
                    return self._json(response)
                problem = f"HTTP {status}: {self._server_message(response)}"
                if not (status in (408, 429) or status >= 500):
                    raise EmsteerError(f"{self.url} (model {self.model!r}) rejected the request: {problem}")
                wait_s = _retry_after(response)
                if wait_s is not None and not 0 <= wait_s <= MAX_RETRY_AFTER_S:
                    wait_s = None
            if attempt == attempts - 1:
                break
            if wait_s is None:  # exponential backoff with jitter in [0.5, 1.5)× so clients spread out
                wait_s = min(self.backoff_max, self.backoff_base * 2**attempt) * (0.5 + random.random())
            log.warning("%s: %s; retry %d/%d in %.2f s", self.url, problem, attempt + 1, self.max_retries, wait_s)
            if stop.wait(wait_s):
                raise _Stopped()
        raise EmsteerError(f"{self.url} (model {self.model!r}) failed after {attempts} attempt(s): {problem}")

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            snippet = self._redact(response.text[:200])
            raise EmsteerError(f"{self.url} returned a response that is not JSON: {snippet!r}") from None
        if not isinstance(data, dict):
            raise EmsteerError(f"{self.url} returned JSON that is not an object: {type(data).__name__}")
        return data

    def _top_logprobs(self, data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Top alternatives for the first generated token (plus that token, if not among them)."""
        try:
            first = data["choices"][0]["logprobs"]["content"][0]
            top = list(first.get("top_logprobs") or [])
        except (KeyError, IndexError, TypeError, AttributeError):
            first, top = None, []
        if not top:
            raise EmsteerError(
                f"{self.url} (model {self.model!r}) returned no logprobs. The OpenAI judge reads the "
                "score from the first token's top log-probabilities, so it needs an endpoint and model "
                "that support the chat-completions parameters `logprobs` and `top_logprobs`."
            )
        top = [t for t in top if isinstance(t, Mapping)]
        token = first.get("token")
        seen = any(t.get("token") == token for t in top)
        if isinstance(token, str) and isinstance(first.get("logprob"), (int, float)) and not seen:
            top.append({"token": token, "logprob": first["logprob"]})
        return top

    def _server_message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
            message = body["error"]["message"] if isinstance(body.get("error"), dict) else body.get("error")
            text = str(message) if message else response.text
        except (ValueError, KeyError, TypeError, AttributeError):
            text = response.text
        return self._redact(text.strip()[:500] or response.reason_phrase)

    def _redact(self, text: str) -> str:
        """Servers sometimes echo the key (e.g. in 401 messages): never pass it on."""
        return text.replace(self.__key, "[redacted]") if self.__key else text
