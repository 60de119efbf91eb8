"""Inline mode and /start deep links through the real dispatcher and the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bot.keyboards.order_dialog import OrderStartCb
from bot.services.start_payload import StartPayload, parse_start_payload, service_payload
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness
from tests.helpers import USER, add_order, add_service, add_user, last_shown

OTHER = 2002
PROMOS = 120  # more than two pages of 50


@pytest.fixture
async def h(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    """The bot with a 50 % markup and 120 "Promo" services (plus one hidden, one gone)."""
    harness = BotHarness(
        tmp_path, fake_tg, fake_panel, markup_percent=Decimal(50), database=database_target
    )
    await harness.start()
    for n in range(PROMOS):
        await add_service(harness.db, f"p{n:03d}", name=f"Promo views {n}", rate=2_000_000,
                          min_qty=100, max_qty=5000)  # fmt: skip
    await add_service(harness.db, "hid", name="Promo hidden", hidden=True)
    await add_service(harness.db, "gone", name="Promo gone", available=False)
    await add_user(harness.db, USER)
    await add_user(harness.db, OTHER)
    try:
        yield harness
    finally:
        await harness.stop()


def results(call: object) -> list[dict[str, object]]:
    found = getattr(call, "params", {}).get("results")
    assert isinstance(found, list)
    return found


# --------------------------------------------------------------------------- inline mode


async def test_inline_search_pages_of_fifty_with_next_offset(h: BotHarness) -> None:
    seen: list[str] = []
    offset = ""
    pages = 0
    while True:
        answer = await h.inline("promo", offset=offset)
        page = results(answer)
        assert len(page) <= 50
        seen += [str(r["id"]) for r in page]
        assert answer.params["is_personal"] is True
        assert 0 < answer.params["cache_time"] <= 60
        pages += 1
        offset = answer.params.get("next_offset") or ""
        if not offset:
            break
    assert pages == 3
    assert len(seen) == PROMOS == len(set(seen))  # every service once, none hidden or gone
    assert "svc-hid" not in seen and "svc-gone" not in seen


async def test_inline_result_shows_the_marked_up_price_and_posts_an_order_link(
    h: BotHarness,
) -> None:
    [first] = [r for r in results(await h.inline("promo views 7")) if r["id"] == "svc-p007"]
    assert first["title"] == "Promo views 7 (#p007)"
    # 2.00 per 1000 from the panel, +50 %
    assert first["description"] == "3.00 USD per 1000 · 100–5,000"
    content = first["input_message_content"]
    assert isinstance(content, dict)
    assert "Promo views 7" in content["message_text"]
    assert "3.00 USD per 1000" in content["message_text"]
    markup = first["reply_markup"]
    assert isinstance(markup, dict)
    [[button]] = markup["inline_keyboard"]
    assert button["url"] == "https://t.me/test_shop_bot?start=svc-p007"
    assert button["text"] == "🛒 Order"


async def test_inline_by_id_and_in_russian(h: BotHarness) -> None:
    answer = await h.inline("17", language_code="ru")
    first = results(answer)[0]
    assert first["id"] == "svc-17"  # the exact id first
    assert "за 1000" in str(first["description"])


async def test_empty_inline_query_lists_nothing_and_offers_the_bot(h: BotHarness) -> None:
    for query in ("", "   ", "\u200b"):
        answer = await h.inline(query)
        assert results(answer) == []
        button = answer.params["button"]
        assert button["start_parameter"] == "inline"
        assert "open the shop" in button["text"]
        assert not answer.params.get("next_offset")
    calls = await h.send("/start inline")  # the button's link: the plain greeting
    assert "Hi, Alice" in (last_shown(calls).text or "")


async def test_inline_offset_never_given_out_and_past_the_end(h: BotHarness) -> None:
    assert results(await h.inline("promo", offset="oops")) == []
    assert results(await h.inline("promo", offset="7")) == []
    assert results(await h.inline("no such thing")) == []


# --------------------------------------------------------------------------- deep links


def test_start_payloads() -> None:
    assert parse_start_payload("svc-17") == StartPayload("service", "17")
    assert parse_start_payload("order-42") == StartPayload("order", "42")
    assert parse_start_payload("order-42").order_id == 42  # type: ignore[union-attr]
    assert parse_start_payload("ref-Ab3_x") == StartPayload("ref", "Ab3_x")
    assert parse_start_payload("PROMO-Spring10") == StartPayload("promo", "Spring10")
    for bad in (None, "", "svc-", "order-x", "order-" + "9" * 19, "hello", "svc-a b", "x" * 65):
        assert parse_start_payload(bad) is None, bad
    assert service_payload("17") == "svc-17"
    assert service_payload("a b") is None
    assert service_payload("9" * 61) is None


async def test_deep_link_to_a_service_opens_its_card_then_the_dialog(h: BotHarness) -> None:
    calls = await h.send("/start svc-17")
    card = last_shown(calls)
    assert "TG Members" in (card.text or "")
    order = OrderStartCb(service_id="17").pack()
    assert any(data == order for _, data in h.buttons(card))
    calls = await h.press(order)
    assert "link" in (last_shown(calls).text or "").lower()
    assert not h.errors


@pytest.mark.parametrize("payload", ["svc-hid", "svc-gone", "svc-404"])
async def test_deep_link_to_a_hidden_or_unknown_service(h: BotHarness, payload: str) -> None:
    calls = await h.send(f"/start {payload}")
    text = last_shown(calls).text or ""
    assert "This service is not available" in text
    assert not any(data.startswith("buy:") for _, data in h.buttons(last_shown(calls)))
    ru = await h.send(f"/start {payload}", language_code="ru", user_id=OTHER)
    assert "Эта услуга недоступна" in (last_shown(ru).text or "")


async def test_deep_link_to_an_order_shows_only_the_customers_own(h: BotHarness) -> None:
    mine = await add_order(h, USER, charge=0)
    theirs = await add_order(h, OTHER, charge=0)
    calls = await h.send(f"/start order-{mine}")
    assert f"#{mine}" in (last_shown(calls).text or "")
    for other in (theirs, 999_999):
        calls = await h.send(f"/start order-{other}")
        text = last_shown(calls).text or ""
        assert "There is no such order among yours" in text
        assert f"#{theirs}" not in text
    assert not h.errors
