"""Judge through any OpenAI-compatible chat-completions endpoint that returns top logprobs.

Each judge prompt is sent as one user message with max_tokens=3 (the next two tokens only tell a
model that writes numbers digit by digit, which is refused), temperature=0 and
``logprobs``/``top_logprobs``; the top alternatives for the first answer token give the
distribution over the numbers 0–100 and the CODE / REFUSAL labels (``score_from_distribution``).
Requests run on a thread pool of ``max_concurrency`` workers sharing one httpx client.

Faults: 429, 408, 5xx, timeouts, connection errors and malformed 200 replies (not JSON, no
choices, no logprobs) are transient: retried with exponential backoff and jitter, honouring
Retry-After, at most ``max_retries`` times per request and batch. A request that still fails
becomes a ``FailedJudgment`` (never cached or stored, so the next run asks again) and the rest of
the batch is kept. The batch stops for good (``JudgeError``) only for what no retry can fix: a
rejected key or model (401/403/404), an endpoint whose first replies all lack logprobs, or a
batch in which every request failed. The API key is read from an environment variable and, like
any password in the base URL, kept out of every message, repr and identity.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import random
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from emsteer.errors import EmsteerError
from emsteer.judging.base import LABELS, JudgeRequest, Judgment, score_from_distribution
from emsteer.judging.failures import JudgeError, failed_judgment, is_failed
from emsteer.redact import encodings, redact_text, redact_url, url_secrets

log = logging.getLogger(__name__)

BASE_URL_ENV = "OPENAI_BASE_URL"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
MAX_RETRY_AFTER_S = 120.0  # a Retry-After beyond this is treated as absent (exponential backoff instead)
NO_LOGPROBS_AFTER = 8  # this many 200 replies without logprobs, and none with: the endpoint lacks them
FATAL_STATUS = frozenset({401, 403, 404})  # key or model rejected: no request of the batch can succeed
INTERRUPT_GRACE_S = 2.0  # after Ctrl-C, how long the replies already on their way are awaited (and saved)
CONNECT_TIMEOUT_S = 5.0  # connecting takes milliseconds to a live endpoint
# The circuit breaker: an endpoint that refuses this many connections in a row, or keeps failing
# for this long, is down, and the batch stops with a clear error instead of retrying for minutes.
BREAKER_FAILURES = 8
BREAKER_SECONDS = 10.0
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
        if not isinstance(token, str) or not isinstance(logprob, (int, float)) or not logprob <= 1e-6:
            continue  # a logprob above 0 (or nan, inf) is no probability: a malformed reply's
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


class _RedactSecrets(logging.Filter):
    """On httpx's logger (its INFO lines carry each request URL): mask every judge's secrets."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            clean = redact_text(text, sorted(self.secrets, key=len, reverse=True))
            if clean != text:
                record.msg, record.args = clean, None
        return True


_HTTPX_FILTER = _RedactSecrets()
logging.getLogger("httpx").addFilter(_HTTPX_FILTER)


def _split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """The URL without user:password, and those as Basic auth (what httpx would do with them),
    so that no request URL that httpx logs carries the password."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    parsed = httpx.URL(url)
    clean = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, parts.fragment))
    return clean, httpx.BasicAuth(parsed.username, parsed.password)


def _with_path(url: str, tail: str) -> str:
    """``url`` with ``tail`` added to its path, before any query or fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + tail, parts.query, parts.fragment))


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


class _Transient(Exception):
    """A reply that may be fine next time (malformed JSON, no logprobs): retry."""


class _Rejected(Exception):
    """A 4xx (other than 401/403/404/408/429) for this prompt: it fails without retries."""


class OpenAIJudge:
    """Scores judge prompts with an OpenAI-compatible ``/chat/completions`` endpoint.

    ``base_url`` defaults to $OPENAI_BASE_URL, then https://api.openai.com/v1; credentials in it
    (``http://user:pass@host``) are used for requests and shown nowhere (``base_url`` and
    ``identity`` hold the redacted form). The key is read from the environment variable named
    ``api_key_env`` (never passed as a value, so it cannot end up in configs or logs); it may be
    absent only for a localhost endpoint. ``backoff_base``/``backoff_max`` (seconds) shape the
    retry delays.
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
        shown = redact_url(base)
        try:
            parts = urlsplit(base)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0  # .port raises if invalid
        except ValueError:  # e.g. an invalid port
            ok = False
        if "@" in base.partition("://")[2] and (not ok or "@" in parts.path + parts.query + parts.fragment):
            raise EmsteerError(f"OpenAIJudge base_url {shown!r} cannot be read as user:password@host: a password "
                               "holding '#', '/', '?' or '@' must be percent-encoded in the URL (%23, %2F, %3F, %40).")
        if not ok:
            raise EmsteerError(f"OpenAIJudge base_url must be an http(s) URL like {DEFAULT_BASE_URL}, got {shown!r}")
        key = os.environ.get(api_key_env) or None
        if key is None and not _is_local(base):
            raise EmsteerError(
                f"OpenAIJudge: environment variable {api_key_env} is not set; it must hold the API key "
                f"for {shown} (the key is only ever read from the environment)"
            )
        self.model = model
        self.base_url = shown  # for display and identity; requests use the URL as given
        self.api_key_env = api_key_env
        self.max_concurrency = max_concurrency
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.top_logprobs = top_logprobs
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        # fewer top logprobs see less of the distribution: another judge (the default keeps its old name)
        self.identity = f"openai:{model}@{shown}" + (f"[top{top_logprobs}]" if top_logprobs != 20 else "")
        self.__key = key  # name-mangled and excluded from repr
        endpoint, self.__auth = _split_credentials(base)
        self.__endpoint = _with_path(endpoint, "/chat/completions")  # before a query (Azure's ?api-version=)
        self.__secrets = sorted({*(encodings(key) if key else ()), *url_secrets(base)}, key=len, reverse=True)
        _HTTPX_FILTER.secrets.update(self.__secrets)
        self._replies = {"with": 0, "without": 0}  # 200 replies with / without logprobs, over this judge's life
        self._replies_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OpenAIJudge(model={self.model!r}, base_url={self.base_url!r}, api_key_env={self.api_key_env!r})"

    @property
    def url(self) -> str:
        """The endpoint as shown in messages (credentials redacted)."""
        return _with_path(self.base_url, "/chat/completions")

    # -- a batch ---------------------------------------------------------------------------

    def judge(self, requests: Sequence[JudgeRequest]) -> list[Judgment]:
        """Score every request concurrently; results are in the order of ``requests``.

        A request that failed after its retries is a ``FailedJudgment`` in its place. Raises
        ``JudgeError`` (with the judgments that did arrive in ``partial``) when the batch stops.
        """
        out: list[Judgment | None] = [None] * len(requests)
        try:
            for i, j in self.iter_judgments(requests):
                out[i] = j
        except JudgeError as e:
            e.partial = out
            raise
        return out  # type: ignore[return-value]

    def iter_judgments(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[int, Judgment]]:
        """Yield (index, judgment) as each request finishes, so callers can save them at once.

        Interrupted (KeyboardInterrupt here or thrown in at a yield), it sends nothing more, waits
        up to INTERRUPT_GRACE_S for the replies in flight and raises ``JudgingInterrupted``
        carrying those that arrived, for the caller to save: they are paid for. The workers are
        daemon threads, so a request that hangs never holds up the exit.
        """
        if not requests:
            return
        headers = {"Content-Type": "application/json"}
        if self.__key:
            headers["Authorization"] = f"Bearer {self.__key}"
        stop = threading.Event()
        limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
        # A dead host is found out by connecting: that part of the timeout is short.
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, CONNECT_TIMEOUT_S))
        client = httpx.Client(headers=headers, timeout=timeout, limits=limits, auth=self.__auth)
        breaker = _Breaker()
        jobs: queue.SimpleQueue = queue.SimpleQueue()
        for item in enumerate(requests):
            jobs.put(item)
        results: queue.SimpleQueue = queue.SimpleQueue()
        n_workers = min(self.max_concurrency, len(requests))

        def work() -> None:
            while not stop.is_set():
                try:
                    i, r = jobs.get_nowait()
                except queue.Empty:
                    break
                try:
                    results.put((i, self._judge_one(client, r, stop, breaker), None))
                except BaseException as e:  # handed to the consumer, which decides
                    results.put((i, None, e))
            results.put(None)  # this worker is done

        for _ in range(n_workers):
            threading.Thread(target=work, daemon=True, name="emsteer-judge").start()
        fatal: EmsteerError | None = None
        failures: list[str] = []
        running = n_workers
        try:
            while running:
                item = results.get()
                if item is None:
                    running -= 1
                    continue
                i, j, exc = item
                if isinstance(exc, EmsteerError):  # nothing in this batch can succeed: stop the others
                    fatal = fatal or exc
                    stop.set()
                    continue
                if exc is not None:
                    if isinstance(exc, _Stopped):
                        continue
                    stop.set()
                    raise exc
                if is_failed(j):
                    failures.append(getattr(j, "error", ""))
                yield i, j
        except KeyboardInterrupt:  # here, or thrown in at the yield by a consumer that was interrupted
            stop.set()
            raise JudgingInterrupted(self._in_flight(results, running)) from None
        except BaseException:  # the consumer stopped early: in-flight requests stop
            stop.set()
            raise
        client.close()
        if fatal is not None:
            raise JudgeError(str(fatal))
        self._report_failures(len(requests), failures)

    @staticmethod
    def _in_flight(results: queue.SimpleQueue, running: int) -> list[tuple[int, Judgment]]:
        """The replies that arrive within INTERRUPT_GRACE_S of an interrupt (nothing new is sent)."""
        arrived = []
        deadline = time.monotonic() + INTERRUPT_GRACE_S
        while running:
            try:
                item = results.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is None:
                running -= 1
            elif item[1] is not None and not is_failed(item[1]):
                arrived.append((item[0], item[1]))
        return arrived

    def _report_failures(self, n: int, failures: list[str]) -> None:
        if not failures:
            return
        attempts = self.max_retries + 1
        if len(failures) == n:
            raise JudgeError(
                f"{self.url} (model {self.model!r}): all {n} request(s) of the batch failed (up to {attempts} "
                f"attempt(s) each); last problem: {failures[-1]}. Judgments already made are kept; run the "
                "same command again to retry."
            )
        log.warning("%s: %d of %d judge request(s) failed after %d attempt(s) (last: %s); they stay unscored "
                    "and the next run asks again", self.url, len(failures), n, attempts, failures[-1])

    # -- one request -------------------------------------------------------------------------

    def _payload(self, prompt: str) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": 3,  # the score is read from the first token; the next ones tell a digit-splitting tokenizer
            "temperature": 0,
            "logprobs": True,
            "top_logprobs": self.top_logprobs,
            "seed": 0,
        }

    def _judge_one(self, client: httpx.Client, request: JudgeRequest, stop: threading.Event,
                   breaker: "_Breaker") -> Judgment:
        """The request's judgment, or a FailedJudgment after its retries; raises only to stop the batch."""
        outcome = self._attempts(client, self._payload(request.prompt), stop, breaker)
        if isinstance(outcome, str):  # every attempt failed: this is the last problem
            return failed_judgment(request.metric, self.identity, outcome)
        numbers, labels = distribution_from_top_logprobs(outcome)
        return score_from_distribution(numbers, labels, metric=request.metric, judge=self.identity)

    def _attempts(
        self, client: httpx.Client, payload: dict[str, Any], stop: threading.Event, breaker: "_Breaker"
    ) -> list[Mapping[str, Any]] | str:
        """Top logprobs of the first good reply, or (after every attempt failed) the last problem."""
        attempts = self.max_retries + 1
        problem = ""
        for attempt in range(attempts):
            if stop.is_set():
                raise _Stopped()
            wait_s: float | None = None
            try:
                return self._top_logprobs(self._send(client, payload, breaker))
            except _Rejected as e:  # this prompt is refused as sent: retrying would not help
                return str(e)
            except _RetryableStatus as e:
                problem, wait_s = str(e), e.wait_s
            except _Transient as e:
                problem = str(e)
            if attempt == attempts - 1:
                break
            if wait_s is None:  # exponential backoff with jitter in [0.5, 1.5)× so clients spread out
                wait_s = min(self.backoff_max, self.backoff_base * 2**attempt) * (0.5 + random.random())
            log.warning("%s: %s; retry %d/%d in %.2f s", self.url, problem, attempt + 1, self.max_retries, wait_s)
            if stop.wait(wait_s):
                raise _Stopped()
        return problem

    def _send(self, client: httpx.Client, payload: dict[str, Any], breaker: "_Breaker") -> dict[str, Any]:
        """One POST: the reply's JSON object, or a _Transient/_RetryableStatus/EmsteerError."""
        try:
            response = client.post(self.__endpoint, json=payload)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError) as e:
            problem = f"connection error ({type(e).__name__}: {self._redact(str(e))})"
            if breaker.failed():  # the endpoint is down: waiting out every retry of every prompt helps no one
                raise EmsteerError(
                    f"{self.url} (model {self.model!r}): gave up after {breaker.count} connection failures in a "
                    f"row over {breaker.seconds():.0f} s and no reply; last problem: {problem}. Is the server up? "
                    "Judgments already made are kept; run the same command again to retry.") from None
            raise _Transient(problem) from None
        except httpx.TimeoutException:
            raise _Transient(f"timed out after {self.timeout:g} s") from None
        except httpx.TransportError as e:  # DNS, other protocol errors
            raise _Transient(f"connection error ({type(e).__name__}: {self._redact(str(e))})") from None
        except httpx.HTTPError as e:  # a reply that cannot be read (a body that fails to decompress ...)
            raise _Transient(f"an unreadable reply ({type(e).__name__}: {self._redact(str(e))})") from None
        breaker.replied()
        status = response.status_code
        if status == 200:
            try:
                return self._json(response)
            except httpx.HTTPError as e:  # the body is read (and decoded) here
                raise _Transient(f"an unreadable reply ({type(e).__name__}: {self._redact(str(e))})") from None
        problem = f"HTTP {status}: {self._server_message(response)}"
        if status in (408, 429) or status >= 500:
            wait_s = _retry_after(response)
            raise _RetryableStatus(problem, wait_s if wait_s is not None and 0 <= wait_s <= MAX_RETRY_AFTER_S else None)
        if status in FATAL_STATUS:
            raise EmsteerError(f"{self.url} (model {self.model!r}) rejected the request: {problem}")
        # Other 4xx (400 context too long, 422 content filter) concern this prompt only: no retry.
        raise _Rejected(f"rejected the request: {problem}")

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise _Transient(f"a 200 reply that is not JSON: {self._redact(response.text[:200])!r}") from None
        if not isinstance(data, dict):
            raise _Transient(f"a 200 reply whose JSON is a {type(data).__name__}, not an object")
        return data

    def _top_logprobs(self, data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Top alternatives for the first generated token (plus that token, if not among them)."""
        try:
            content = data["choices"][0]["logprobs"]["content"]
            first = content[0]
            top = [t for t in (first.get("top_logprobs") or []) if isinstance(t, Mapping)]
        except (KeyError, IndexError, TypeError, AttributeError):
            content, first, top = [], None, []
        self._count_reply(bool(top))
        if not top:
            raise _Transient("a 200 reply without logprobs")
        self._check_whole_numbers(content)
        token = first.get("token")
        seen = any(t.get("token") == token for t in top)
        if isinstance(token, str) and isinstance(first.get("logprob"), (int, float)) and not seen:
            top.append({"token": token, "logprob": first["logprob"]})
        return top

    def _check_whole_numbers(self, content: Sequence[Any]) -> None:
        """A reply "85" as the tokens "8", "5": the first token's distribution is over first digits,
        and a score read from it is a tenth of the judge's (every answer would look misaligned)."""
        tokens = [t["token"] for t in content[:2] if isinstance(t, Mapping) and isinstance(t.get("token"), str)]
        if len(tokens) == 2 and all(t.strip().isdigit() for t in tokens) and not tokens[1][:1].isspace() \
                and len("".join(tokens).strip()) <= 3:
            raise EmsteerError(
                f"{self.url} (model {self.model!r}) writes numbers digit by digit ({tokens[0].strip()!r}, "
                f"{tokens[1].strip()!r}): the OpenAI judge reads the score from the first token, so it needs a model "
                "whose tokenizer has the numbers 0-100 as whole tokens (GPT-4o's does). For a model that splits "
                "digits (Qwen, Llama), use the local: judge, which reads digit-split numbers exactly.")

    def _count_reply(self, has_logprobs: bool) -> None:
        """Tell a flaky reply from an endpoint that never returns logprobs."""
        with self._replies_lock:
            self._replies["with" if has_logprobs else "without"] += 1
            lacking = self._replies["with"] == 0 and self._replies["without"] >= NO_LOGPROBS_AFTER
        if lacking:
            raise EmsteerError(
                f"{self.url} (model {self.model!r}) returned no logprobs in its first {NO_LOGPROBS_AFTER} replies. "
                "The OpenAI judge reads the score from the first token's top log-probabilities, so it needs an "
                "endpoint and model that support the chat-completions parameters `logprobs` and `top_logprobs`."
            )

    def _server_message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
            message = body["error"]["message"] if isinstance(body.get("error"), dict) else body.get("error")
            text = str(message) if message else response.text
        except (ValueError, KeyError, TypeError, AttributeError):
            text = response.text
        return self._redact(text.strip()[:500] or response.reason_phrase)

    def _redact(self, text: str) -> str:
        """Servers sometimes echo the key or URL credentials (e.g. in 401 messages): never pass them on."""
        return redact_text(text, self.__secrets)


class JudgingInterrupted(KeyboardInterrupt):
    """An interrupt during a batch; ``arrived`` holds the (index, judgment) pairs that came in
    after it (and CachedJudge sets ``partial``, in request order), so they can be saved."""

    def __init__(self, arrived: list[tuple[int, Judgment]]) -> None:
        super().__init__()
        self.arrived = arrived
        self.partial: list[Judgment | None] = []


class _Breaker:
    """Consecutive connection failures across a batch; any reply resets the count. It trips at
    BREAKER_FAILURES in a row, or at two or more spanning BREAKER_SECONDS (one worker backing off)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.since = 0.0

    def failed(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if self.count == 0:
                self.since = now
            self.count += 1
            return self.count >= BREAKER_FAILURES or (self.count >= 2 and now - self.since >= BREAKER_SECONDS)

    def replied(self) -> None:
        with self._lock:
            self.count = 0

    def seconds(self) -> float:
        return time.monotonic() - self.since


class _RetryableStatus(_Transient):
    """429, 408 or 5xx; ``wait_s`` is the server's Retry-After when usable."""

    def __init__(self, problem: str, wait_s: float | None) -> None:
        super().__init__(problem)
        self.wait_s = wait_s
