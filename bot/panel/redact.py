"""Operator-safe text from anything a panel sends: no HTML, no API key, bounded length.

Panels answer errors with Cloudflare pages, nginx pages and echoes of the request (the
API key included). Every message the client produces, every log line about an answer
and ``orders.error`` go through :func:`safe_text`. The key is removed before the text is
cut (cutting first could split it so that no whole key is left to find), and fragments
of it at the edges are removed too, because the text may arrive already cut.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote, quote_plus

SAFE_TEXT_LIMIT = 200
REDACTED = "[redacted]"
# Shorter fragments are too likely to be ordinary text ("key", "abc").
MIN_FRAGMENT = 4
# A fragment this long is the key even away from a cut (a panel that shortens the echo).
ANYWHERE_FRAGMENT = 8
ELLIPSES = ("...", "\u2026")

# The client sets the key for the duration of a call, so that errors and log lines made
# deep in the parsing code are redacted without the key being passed around.
_secret: ContextVar[str | None] = ContextVar("panel_secret", default=None)


@contextmanager
def secret_scope(secret: str | None) -> Iterator[None]:
    token = _secret.set(secret)
    try:
        yield
    finally:
        _secret.reset(token)


def current_secret() -> str | None:
    return _secret.get()


_BLOCKS = re.compile(
    r"<(script|style|noscript|template|svg)\b[^>]*>.*?(?:</\1\s*>|\Z)"
    r"|<!--.*?(?:-->|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?[a-zA-Z!?][^<>]*(?:>|\Z)")
_LOOKS_HTML = re.compile(r"</?[a-zA-Z!][^<>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# `key=...`, `"key": "..."`, `api_key: ...`: a value under a secret-looking name is
# hidden whatever it is (an echoed query string may hold a key in any form).
_PARAM = re.compile(
    r"\b(api[_\-]?key|key|token|secret|password)(\"?\s*[:=]\s*\"?)([^\s&\"'<>,;)}\]]+)",
    re.IGNORECASE,
)


def strip_html(text: str) -> str:
    """Visible text of an HTML page or fragment: scripts, styles and tags removed."""
    if not _LOOKS_HTML.search(text):
        return text
    text = _BLOCKS.sub(" ", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


def _forms(secret: str) -> list[str]:
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        html.escape(secret),
        secret.replace("/", "\\/"),  # PHP's json_encode
    }
    return sorted((f for f in forms if f), key=len, reverse=True)


def _hide_params(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(3).startswith(REDACTED[:-1]):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{REDACTED}"

    return _PARAM.sub(replace, text)


def _hide_fragments(text: str, secret: str) -> str:
    """Fragments of the key at the edges of the text and of each ellipsis."""
    longest = min(len(secret) - 1, 256)
    # Long fragments anywhere: only the key looks like that.
    for size in range(longest, ANYWHERE_FRAGMENT - 1, -1):
        text = text.replace(secret[:size], REDACTED).replace(secret[-size:], REDACTED)
    pieces = re.split(r"(\.\.\.|\u2026)", text)
    for index, piece in enumerate(pieces):
        if piece in ELLIPSES:
            continue
        pieces[index] = _trim_edges(piece, secret, longest)
    return "".join(pieces)


def _trim_edges(piece: str, secret: str, longest: int) -> str:
    head = piece.lstrip()
    for size in range(longest, MIN_FRAGMENT - 1, -1):
        if head.startswith(secret[-size:]):
            piece = piece[: len(piece) - len(head)] + REDACTED + head[size:]
            break
    tail = piece.rstrip()
    for size in range(longest, MIN_FRAGMENT - 1, -1):
        if tail.endswith(secret[:size]) and not tail.endswith(REDACTED):
            piece = tail[:-size] + REDACTED + piece[len(tail) :]
            break
    return piece


def redact(text: str, secret: str | None) -> str:
    """The key removed in every form: whole, URL- and HTML-encoded, fragments at cuts."""
    text = _hide_params(text)
    if not secret or len(secret) < MIN_FRAGMENT:
        return text
    for form in _forms(secret):
        if len(form) >= MIN_FRAGMENT:
            text = re.sub(re.escape(form), REDACTED, text, flags=re.IGNORECASE)
    return _hide_fragments(text, secret)


def _cut(text: str, limit: int, secret: str | None) -> str:
    if len(text) <= limit:
        return text
    kept = text[: max(0, limit - 3)].rstrip()
    if secret and len(secret) >= MIN_FRAGMENT:
        # Our own cut must not leave the start of the key (or what looks like it) behind.
        sizes = range(min(len(secret) - 1, 256), MIN_FRAGMENT - 1, -1)
        while found := next((n for n in sizes if kept.endswith(secret[:n])), 0):
            kept = kept[:-found].rstrip()
    return kept + "..."


def safe_text(
    text: str | bytes | None, secret: str | None = None, limit: int = SAFE_TEXT_LIMIT
) -> str:
    """One line an operator may read: HTML stripped, the key redacted, then cut.

    ``secret=None`` uses the key of the panel call in progress (see :func:`secret_scope`);
    pass ``""`` for none at all.
    """
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if secret is None:
        secret = current_secret()
    # Lone surrogates cannot be written to a log file or SQLite as UTF-8.
    text = _SURROGATE.sub("\ufffd", text)
    text = redact(text, secret)
    text = strip_html(text)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    text = redact(text, secret)
    return _cut(text, limit, secret)
