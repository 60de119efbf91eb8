"""values.JsonArray: the catalog answer read one entry at a time gives exactly what decoding
it whole (loads_lenient) gives, and the same errors through parse_answer."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.panel import PanelOutcomeUnknown, PanelRejected, parse_answer
from bot.panel.parsing import parse_services
from bot.panel.values import JsonArray, NonFinite, NotJson, loads_lenient

_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


def _plain(value: Any) -> Any:
    """NonFinite objects compare by identity: compare their names."""
    if isinstance(value, NonFinite):
        return ("non-finite", value.name)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _whole(text: str) -> Any:
    try:
        return ("ok", _plain(loads_lenient(text)))
    except ValueError:
        return ("not json",)


def _itemwise(text: str) -> Any:
    array = JsonArray.of(text)
    assert array is not None
    try:
        return ("ok", _plain(list(array)))
    except NotJson:
        return ("not json",)


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        " [ ] ",
        "\ufeff[1, 2]\n",
        "[1,2,]",
        "[1,2 , ]",
        '[{"a": 1,}, {"b": 2}]',
        "[1, [2,], 3]",
        '["a,]", 2,]',
        "[,]",
        "[1,,2]",
        "[1 2]",
        "[1, 2",
        "[1, 2] x",
        "[1, 2]]",
        '[{"rate": 0.5, "n": 12345678901234567890123456789012345678901234567890}]',
        "[NaN, Infinity, -Infinity]",
        "[" * 3000 + "]" * 3000,
        "[1, <html>",
    ],
)
def test_reads_what_decoding_it_whole_reads(text: str) -> None:
    assert _itemwise(text) == _whole(text)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(_values, max_size=6),
    spaces=st.sampled_from(["", " ", "\n\t", "\r\n  "]),
    trailing=st.booleans(),
    cut=st.integers(min_value=0, max_value=40),
    suffix=st.sampled_from(["", " ", "x", "]", ",", "}"]),
)
def test_any_array_reads_the_same(
    items: list[Any], spaces: str, trailing: bool, cut: int, suffix: str
) -> None:
    sep = f"{spaces},{spaces}"
    text = "[" + spaces + sep.join(json.dumps(item) for item in items)
    text += ("," if trailing and items else "") + spaces + "]"
    assert _itemwise(text) == _whole(text)
    broken = text[: max(1, len(text) - cut)] + suffix  # truncated, or with something after
    assert _itemwise(broken) == _whole(broken)


def test_entries_are_decoded_as_they_are_read() -> None:
    items = iter(JsonArray.of('[{"service": 1}, {"service": 2}, <html>') or [])
    assert next(items) == {"service": 1}  # the rest is not decoded yet
    assert next(items) == {"service": 2}
    with pytest.raises(NotJson):
        next(items)


def test_only_an_array_is_read_item_by_item() -> None:
    assert JsonArray.of('{"services": []}') is None
    assert JsonArray.of("not json") is None
    assert JsonArray.of(" \ufeff[1]") is None  # a BOM only at the very start, as loads_lenient
    assert JsonArray.of("\ufeff [1]") is not None


def _entry(sid: int, **extra: Any) -> dict[str, Any]:
    return {
        "service": sid,
        "name": f"Likes {sid}",
        "type": "Default",
        "category": "Instagram",
        "rate": "0.90",
        "min": "10",
        "max": "1000",
        **extra,
    }


def test_the_catalog_parses_as_when_decoded_whole() -> None:
    entries = [_entry(i) for i in range(1, 40)]
    entries[5]["rate"] = "NaN"  # skipped, with why
    entries[7] = "not an entry"  # type: ignore[call-overload]
    text = json.dumps(entries)
    text = text.replace('"max": "1000"}', '"max": "1000",}', 3)  # trailing commas inside
    body = text.encode()
    itemwise = parse_answer("services", 200, body, parse_services)
    whole = parse_services(loads_lenient(text))
    assert list(itemwise) == list(whole)
    assert len(itemwise) == 37
    assert itemwise.skipped == whole.skipped
    assert len(itemwise.skipped) == 2
    assert itemwise[0].rate == Decimal("0.90")


def test_an_array_that_is_not_json_is_an_unknown_outcome_as_before() -> None:
    body = b'[{"service": 1, "name": "x"}, <html>Bad gateway</html>'
    with pytest.raises(PanelOutcomeUnknown, match="answer is not JSON"):
        parse_answer("services", 200, body, parse_services)
    with pytest.raises(PanelOutcomeUnknown, match="answer is not JSON"):
        parse_answer("balance", 200, body, lambda data: data)  # decoded whole


def test_a_refusal_is_still_read_as_one() -> None:
    with pytest.raises(PanelRejected):
        parse_answer("services", 200, b'{"error": "Invalid API key"}', parse_services)


def test_texts_repeated_across_entries_are_kept_once() -> None:
    """Each entry's category, type, description and average time come out of the decoder as
    separate strings; the parsed list keeps one string per distinct text (a 10,000-service
    catalog is ~3 MB smaller while it is synced), with every value unchanged."""
    entries = [
        _entry(i, category=f"Cat {i % 2}", description="Start 0-1h", average_time="1 hour")
        for i in range(1, 7)
    ]
    entries[3]["description"] = "Other"
    body = json.dumps(entries).encode()
    services = parse_answer("services", 200, body, parse_services)
    assert [s.category for s in services] == [f"Cat {i % 2}" for i in range(1, 7)]
    assert services[0].category is services[2].category is services[4].category
    assert services[1].category is services[3].category
    assert services[0].type is services[5].type
    assert services[0].description is services[5].description == "Start 0-1h"
    assert services[3].description == "Other"
    assert services[0].average_time is services[1].average_time == "1 hour"
    assert services[0].name != services[1].name  # names are the services' own
