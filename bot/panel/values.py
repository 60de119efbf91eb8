"""Lenient JSON and the scalar conversions every answer parser shares.

Numbers are exact (``Decimal``) and bounded: a panel that sends ``1e999999999`` or a
5000-digit integer gets a :class:`MalformedAnswer` for that value, never a hang, a
``MemoryError`` or an integer SQLite cannot store.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from bot.panel.redact import safe_text

logger = logging.getLogger("bot.panel.parsing")

T = TypeVar("T")

# Far past any sane amount or quantity, yet small enough to compute with: "1e999999999"
# would make int() build a billion-digit number. Callers that store a number check their
# own, tighter range (a catalog rate, SQLite's 64 bits); the tracker clamps "remains".
MAX_NUMBER = Decimal(10) ** 30
MAX_INT = 2**63 - 1
# Integers longer than this are read as Decimal: int() refuses past 4300 digits.
_LONG_INT_DIGITS = 40


class MalformedAnswer(ValueError):
    """The answer is JSON but not of a shape we can use."""


class NotJson(ValueError):
    """The answer is not JSON at all (found while reading a `JsonArray`)."""


class AnswerRejected(Exception):
    """A parser found an error text where the model should be."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NonFinite:
    """``NaN``/``Infinity`` in a JSON answer: unusable as a number, but not a reason to
    throw the whole answer (a whole catalog) away."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- JSON


def _parse_int(text: str) -> int | Decimal:
    return Decimal(text) if len(text) > _LONG_INT_DIGITS else int(text)


def strip_trailing_commas(text: str) -> str:
    """Remove commas that directly precede ``}`` or ``]``, leaving string contents alone."""
    out: list[str] = []
    in_string = False
    escaped = False
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j >= n or text[j] not in "}]":
                out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_parse_int, parse_constant=NonFinite)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def loads_lenient(text: str) -> Any:
    """``json.loads`` with floats as ``Decimal`` that also accepts trailing commas and a BOM.

    Raises ``ValueError`` for anything that is not JSON (deep nesting included).
    """
    text = text.lstrip("\ufeff").strip()
    try:
        return _loads(text)
    except json.JSONDecodeError:
        fixed = strip_trailing_commas(text)
        if fixed == text:
            raise
        return _loads(fixed)


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_int=_parse_int, parse_constant=NonFinite)
_SPACE = re.compile(r"[ \t\n\r]*")  # what json.loads skips between tokens (its WHITESPACE)


def _after_space(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    return match.end() if match else index


class JsonArray:
    """An answer that is a JSON array, decoded one item at a time as it is read.

    Decoded at once, a 10,000-service catalog is ~10 MB of small objects held beside the
    services made from them; Python's allocator keeps most of such a peak in partly used
    arenas long after it is freed (tests/benchmarks/bench_rss.py). Read item by item, an
    entry is garbage as soon as the next one is decoded.

    It reads what `loads_lenient` reads and gives the same items: where the strict decoder
    stops (a trailing comma inside an entry, say), the rest comes from `loads_lenient` of
    the whole text; text that is not JSON at all raises NotJson when read."""

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def of(cls, text: str) -> JsonArray | None:
        """A JsonArray if `text` is shaped like a JSON array, else None."""
        text = text.lstrip("\ufeff").strip()
        return cls(text) if text.startswith("[") else None

    def __iter__(self) -> Iterator[Any]:
        read = 0
        try:
            for item in self._items():
                read += 1
                yield item
        except (ValueError, IndexError, RecursionError):
            try:
                whole = loads_lenient(self.text)
            except ValueError as exc:
                raise NotJson(str(exc)) from None
            yield from whole[read:]  # an array: the text starts with "["

    def _items(self) -> Iterator[Any]:
        text, end = self.text, len(self.text)
        index = _after_space(text, 1)
        if text[index] != "]":
            while True:
                item, index = _DECODER.raw_decode(text, index)
                yield item
                index = _after_space(text, index)
                if text[index] == ",":
                    index = _after_space(text, index + 1)
                    if text[index] != "]":
                        continue  # else a trailing comma, as loads_lenient allows
                if text[index] == "]":
                    break
                raise ValueError("expected ',' or ']'")
        if _after_space(text, index + 1) != end:
            raise ValueError("extra data after the array")


# --------------------------------------------------------------------------- scalars


def to_decimal(value: Any) -> Decimal | None:
    """Exact decimal from a JSON string/int/Decimal; ``None`` for null or empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedAnswer(f"boolean where a number was expected: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            result = Decimal(text)
        except (InvalidOperation, ValueError) as exc:
            raise MalformedAnswer(f"not a number: {safe_text(text, limit=40)!r}") from exc
    else:
        raise MalformedAnswer(f"not a number: {safe_text(repr(value), limit=40)}")
    if not result.is_finite():
        raise MalformedAnswer("non-finite number")
    if result.copy_abs() >= MAX_NUMBER:  # copy_abs: no context, so no Overflow
        raise MalformedAnswer(f"number out of range: {safe_text(str(result), limit=40)}")
    return result


def to_int(value: Any) -> int | None:
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise MalformedAnswer(f"not an integer: {number}")
    return int(number)


def lenient(convert: Callable[[Any], T | None], value: Any, field: str) -> T | None:
    """Optional fields: garbage becomes ``None`` instead of failing the answer."""
    try:
        return convert(value)
    except MalformedAnswer:
        logger.warning("Ignoring unparseable %s in panel answer: %r", field, safe_text(str(value)))
        return None


def to_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMERIC_ID = re.compile(r"^[0-9]+(?:\.0+)?$")
MAX_ID_CHARS = 100


def to_id(value: Any) -> str | None:
    """Panel ids as strings: ``23501``, ``"23501"``, ``23501.0`` and ``"ord_01HG..."``.

    A number-like id loses a ``.0`` ("23501.0" is order 23501); anything that cannot be
    an id (a fraction, a boolean, a sentence, a huge blob) is ``None``.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if 0 <= value <= MAX_INT else None
    if isinstance(value, Decimal):
        if value.is_finite() and 0 <= value <= MAX_INT and value == value.to_integral_value():
            return str(int(value))
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > MAX_ID_CHARS or any(ch.isspace() for ch in text):
            return None
        if _NUMERIC_ID.match(text):
            number = int(text.split(".")[0])
            return str(number) if number <= MAX_INT else None
        return clean_str(text)
    return None


def clean_str(text: str) -> str:
    """Text that can be stored and logged as UTF-8 (a JSON answer may hold lone
    surrogates like ``"\\ud800"``), without NUL (PostgreSQL refuses it in text)."""
    return _SURROGATE.sub("\ufffd", text).replace("\x00", "")


def opt_str(value: Any) -> str | None:
    if value is None or isinstance(value, NonFinite):
        return None
    text = clean_str(str(value)).strip()
    return text or None


def error_text(value: Any) -> str:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Mapping):
        for key in ("error", "message"):
            if value.get(key):
                return error_text(value[key])
    return safe_text(json.dumps(value, default=str))
