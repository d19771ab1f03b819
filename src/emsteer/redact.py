"""Keep secrets out of text: URL credentials and key-like query parameters.

Every place that turns an endpoint URL into text (a judge identity, a log line, an error, a
repr) goes through ``redact_url``, so ``http://user:pass@host/v1`` is stored, printed and
cached as ``http://***@host/v1``. The request itself still uses the real URL.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
# Query parameters that carry credentials (Azure's api-key, signed URLs, OAuth tokens ...).
_SECRET_PARAM = re.compile(r"key|token|secret|passw|sig|auth|credential", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` with its user:password replaced by ***, and secret-looking query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL we can parse: hide anything between :// and @
        return re.sub(r"(://)[^/@\s]*@", rf"\g<1>{MASK}@", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The secret substrings of ``url`` (its userinfo, password and secret query values), longest first."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        found += [userinfo, *(p for p in userinfo.split(":", 1)[1:] if p)]
    found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if v and _SECRET_PARAM.search(k)]
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def redact_text(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """``text`` with every secret in ``secrets`` replaced by [redacted] (servers echo keys in errors)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
