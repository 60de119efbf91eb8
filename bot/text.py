"""Cutting text to Telegram's limits; one definition for handlers, keyboards and the sender."""

from __future__ import annotations

TEXT_LIMIT = 4096  # a message's text, counted by Telegram in UTF-16 units


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = TEXT_LIMIT) -> str:
    """`text` within Telegram's limit (counted in UTF-16 units, the stricter measure: an
    emoji counts twice), cut with an ellipsis when it is longer."""
    if _utf16_len(text) <= limit:
        return text
    room = limit - 1
    kept: list[str] = []
    for char in text:
        room -= 2 if ord(char) > 0xFFFF else 1
        if room < 0:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def shorten(text: str, limit: int, *, one_line: bool = False) -> str:
    """At most `limit` characters, with an ellipsis when cut; `one_line` folds whitespace
    (for button labels)."""
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_lines(lines: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Lines joined into as few texts within `limit` as they fit in (a line longer than the
    limit alone is cut): a long list goes out as several messages, never truncated."""
    texts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = fit(line, limit)
        length = _utf16_len(line) + 1
        if current and size + length > limit + 1:
            texts.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += length
    if current:
        texts.append("\n".join(current))
    return texts
