"""Keep secrets out of text: URL credentials and query values (all but api-version).

Every place that turns an endpoint URL into text (a judge identity, a log line, an error, a
repr) goes through ``redact_url``, so ``http://user:pass@host/v1`` is stored, printed and
cached as ``http://***@host/v1``. The request itself still uses the real URL.
"""

from __future__ import annotations

import base64
import functools
import re
from urllib.parse import quote, quote_plus, unquote, unquote_plus

MASK = "***"
# Query values are masked unless their parameter is known to be harmless: credentials hide under
# names no list foresees (Azure Functions' ?code=, ?pwd=, ?sas=, besides api-key, sig, token ...).
_PLAIN_PARAMS = frozenset({"api-version", "api_version"})


def _secret_param(name: str) -> bool:
    return name.lower() not in _PLAIN_PARAMS


def _userinfo(url: str) -> tuple[int, int] | None:
    """Where ``url``'s user:password lies: between ``://`` and the last ``@``, wherever a URL parser
    would put them (a password holding a raw ``#``, ``/`` or ``?`` ends the parser's host early and
    leaves the password in the path, fragment or port, shown in full)."""
    head, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return None
    start = len(head) + len(sep)
    return start, start + rest.rindex("@")


def _split_query(url: str) -> tuple[str, str, str]:
    """(what comes before the query, the query, ``#`` and the fragment): split by hand, so that no
    URL is too malformed to mask (urlsplit refuses an unclosed ``[``)."""
    head, hash_, fragment = url.partition("#")
    base, _, query = head.partition("?")
    return base, query, hash_ + fragment


def _parts(query: str) -> list[tuple[str, str | None]]:
    """Each ``&``-separated (name, value) of a query, percent-decoded; value None for a bare name."""
    out: list[tuple[str, str | None]] = []
    for part in query.split("&"):
        if part:
            name, eq, value = part.partition("=")
            out.append((unquote_plus(name), unquote_plus(value) if eq else None))
    return out


def _bare_token(name: str) -> bool:
    """A query part without ``=`` long enough to be a key (``?sk-...``), not a flag (``?stream``)."""
    return len(name) >= MIN_PIECE and _secret_param(name)


def _masked_part(name: str, value: str | None) -> str:
    if value is None:
        return MASK if _bare_token(name) else quote_plus(name)
    return f"{quote_plus(name)}={MASK if value and _secret_param(name) else quote_plus(value)}"


def redact_url(url: str) -> str:
    """``url`` with its user:password replaced by ***, and every query value but api-version's masked."""
    span = _userinfo(url)
    if span is not None:
        url = url[: span[0]] + MASK + url[span[1] :]
    base, query, fragment = _split_query(url)
    if not query:
        return url
    return f"{base}?{'&'.join(_masked_part(k, v) for k, v in _parts(query))}{fragment}"


def _query_secrets(url: str) -> list[str]:
    return [v if v is not None else k for k, v in _parts(_split_query(url)[1])
            if (v and _secret_param(k)) or (v is None and _bare_token(k))]


def url_secrets(url: str) -> list[str]:
    """The secret substrings of ``url`` (its userinfo, password and secret query values), longest first."""
    found = []
    span = _userinfo(url)
    userinfo = url[span[0] : span[1]] if span is not None else ""
    before_mark = userinfo.partition("?")[0]
    if "?" not in userinfo or ":" not in before_mark or "/" in before_mark:
        # the URL as given has a query of its own: an '@' in it is no userinfo's end (a '?' inside a
        # user:password is the password's, and what follows it there is no query)
        found += _query_secrets(url)
    if span is not None:
        user, _, password = userinfo.partition(":")
        found += [userinfo, password]
        # httpx sends user:password (percent-decoded) as HTTP Basic auth: its base64 is the secret too
        found.append(base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode())
        found += _query_secrets(url[: span[0]] + MASK + url[span[1] :])
    return sorted({form for s in found if s for form in encodings(s) if len(form) >= 3}, key=len, reverse=True)


def encodings(secret: str) -> set[str]:
    """The spellings a secret may take in an echoed request or message: as is, percent-encoded
    and -decoded (URL, form), and base64 (standard and URL-safe, with and without padding)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), unquote(secret)}
    for form in list(forms):
        raw = form.encode()
        for b64 in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
            forms |= {b64, b64.rstrip("=")}
    return {f for f in forms if f}


# An Authorization header as servers echo it: the credentials after the scheme, even cut short
# ("Basic dXNlcjpo…" already gives away the start of the password).
_AUTH_VALUE = re.compile(r"\b(Basic|Bearer)(\s+)[A-Za-z0-9+/=._~%-]{4,}")


def redact_text(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """``text`` with every secret in ``secrets`` (pass each through ``encodings`` first) and every
    echoed Authorization credential replaced by [redacted] (servers echo keys in errors)."""
    secrets = tuple(s for s in secrets if s)
    for piece in _pieces(secrets):
        text = text.replace(piece, "[redacted]")
    # ... and any other run of token characters found inside a secret (an echo from an offset)
    text = _PIECE.sub(lambda m: "[redacted]" if any(m[0] in s for s in secrets) else m[0], text)
    return _AUTH_VALUE.sub(r"\1\2[redacted]", text)


MIN_PIECE = 8  # shorter pieces of a secret say little, and would match ordinary words
_PIECE = re.compile(r"[A-Za-z0-9+/=_.~%%-]{%d,}" % MIN_PIECE)


@functools.lru_cache(maxsize=64)
def _pieces(secrets: tuple[str, ...]) -> list[str]:
    """Each secret, then its prefixes and suffixes of MIN_PIECE characters or more, longest first:
    a server that echoes a credential cut short ("Basic dXNlcjpo…") leaks the start of it."""
    pieces = set(secrets)
    for s in secrets:
        for k in range(MIN_PIECE, len(s)):
            pieces |= {s[:k], s[-k:]}
    return sorted(pieces, key=len, reverse=True)
