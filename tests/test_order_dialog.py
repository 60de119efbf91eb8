"""The order dialog through the real dispatcher, the fake Bot API and the fake panel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.keyboards.order_dialog import OrderConfirmCb, OrderDelayCb, OrderNavCb, OrderStartCb
from bot.states import OrderDialog
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import Call, FakeTelegram
from tests.harness import BotHarness
from tests.helpers import add_user

USER = 1001
START_BALANCE = 100_000_000  # 100 USD
LINK = "https://instagram.com/p/abc"
NEXT_YEAR = date.today().year + 1
EXPIRY = f"31/12/{NEXT_YEAR}"

Press = tuple[str, Any]  # ("press", CallbackData) instead of a text answer

# service id -> (answers in order, the exact fields the panel must receive, charge in micros)
WALKS: dict[str, tuple[list[str | Press], dict[str, str], int]] = {
    "default-dripfeed": (
        [LINK, "100", "5", "30"],
        {"link": LINK, "quantity": "100", "runs": "5", "interval": "30"},
        450_000,  # 0.90 per 1000 x 100 x 5 runs
    ),
    "default-dripfeed-skipped": (
        [LINK, "100", ("press", OrderNavCb(action="skip"))],
        {"link": LINK, "quantity": "100"},
        90_000,
    ),
    "2": ([LINK, "1 000"], {"link": LINK, "quantity": "1000"}, 36_000),
    "3": ([LINK], {"link": LINK}, 2_500_000),
    "4": (
        [LINK, "Nice 😍\n\n  Cool  \nWow\x07"],
        {"link": LINK, "comments": "Nice 😍\nCool\nWow"},
        36_000,  # 12.00 per 1000 x 3 lines
    ),
    "5": ([LINK, "one\ntwo"], {"link": LINK, "comments": "one\ntwo"}, 5_000_000),
    "6": ([LINK, "100", "@u1\nu2"], {"link": LINK, "quantity": "100", "usernames": "u1\nu2"},
          300_000),
    "7": (
        [LINK, "100", "u1", "#t1\nt2"],
        {"link": LINK, "quantity": "100", "usernames": "u1", "hashtags": "t1\nt2"},
        400_000,
    ),
    "8": ([LINK, "a\nb\nc"], {"link": LINK, "usernames": "a\nb\nc"}, 18_000),
    "9": ([LINK, "100", "#travel"], {"link": LINK, "quantity": "100", "hashtag": "travel"},
          350_000),
    "10": (
        [LINK, "100", "https://instagram.com/someone"],
        {"link": LINK, "quantity": "100", "username": "https://instagram.com/someone"},
        320_000,
    ),
    "11": (
        [LINK, "100", "https://instagram.com/p/m"],
        {"link": LINK, "quantity": "100", "media": "https://instagram.com/p/m"},
        330_000,
    ),
    "12": ([LINK, "10", "@owner"], {"link": LINK, "quantity": "10", "username": "owner"}, 15_000),
    "13": (
        [LINK, "@owner", "r1\nr2"],
        {"link": LINK, "username": "owner", "comments": "r1\nr2"},
        30_000,
    ),
    "14": ([LINK, "10", "2"], {"link": LINK, "quantity": "10", "answer_number": "2"}, 5_000),
    "15": (
        [LINK, "100", "https://t.me/g1\n@g2"],
        {"link": LINK, "quantity": "100", "groups": "https://t.me/g1\n@g2"},
        200_000,
    ),
    "16": (
        ["@chan", "100", "200", "5", ("press", OrderDelayCb(minutes=30)), EXPIRY],
        {"username": "chan", "min": "100", "max": "200", "posts": "5", "delay": "30",
         "expiry": EXPIRY},
        200_000,  # 0.20 per 1000 x max 200 x 5 posts
    ),
    "16-no-options": (
        ["@chan", "100", "200", ("press", OrderNavCb(action="skip")),
         ("press", OrderDelayCb(minutes=0)), ("press", OrderNavCb(action="skip"))],
        {"username": "chan", "min": "100", "max": "200", "delay": "0"},
        40_000,
    ),
}  # fmt: skip


def service_of(case: str) -> str:
    return "1" if case.startswith("default") else case.split("-")[0]


async def answer(h: BotHarness, item: str | Press) -> list[Call]:
    if isinstance(item, tuple):
        return await h.press(item[1])
    return await h.send(item)


def last(calls: list[Call]) -> Call:
    """The last message sent or edited (a callback's answer comes after it)."""
    for call in reversed(calls):
        if call.text is not None:
            return call
    raise AssertionError(f"no message in {[c.method for c in calls]}")


def text_of(calls: list[Call]) -> str:
    return last(calls).text or ""


def confirm_data(h: BotHarness, calls: list[Call]) -> str:
    for call in reversed(calls):
        for _, data in h.buttons(call):
            if data.startswith("odc:"):
                return data
    raise AssertionError(f"no Confirm button in {[c.text for c in calls]}")


async def state_of(h: BotHarness, user_id: int = USER) -> str | None:
    """The user's dialog state, from whichever FSM storage the bot runs on."""
    key = StorageKey(bot_id=h.bot.id, chat_id=user_id, user_id=user_id)
    return await h.dp.storage.get_state(key)


async def ledger(h: BotHarness) -> list[tuple[int, int, str, str, int | None]]:
    rows = await h.db.fetchall(
        "SELECT amount, balance_after, kind, ref, order_id FROM ledger WHERE user_id = ?"
        " ORDER BY id",
        (USER,),
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def walk_to_summary(h: BotHarness, service: str, answers: list[str | Press]) -> list[Call]:
    calls = await h.press(OrderStartCb(service_id=service))
    for item in answers:
        calls = await answer(h, item)
    return calls


@pytest.fixture
async def h(
    tmp_path: Path,
    fake_tg: FakeTelegram,
    fake_panel: FakePanel,
    database_target: Path | str,
    fsm_backend: dict[str, Any],
) -> AsyncIterator[BotHarness]:
    """The whole bot: SQLite with the FSM in it, and PostgreSQL with the FSM in Redis."""
    harness = BotHarness(tmp_path, fake_tg, fake_panel, database=database_target, **fsm_backend)
    await harness.start()
    try:
        await add_user(harness.db, USER, balance=START_BALANCE)
        yield harness
    finally:
        await harness.stop()


# --------------------------------------------------------------------------- every type


@pytest.mark.parametrize("case", list(WALKS))
async def test_full_order_for_every_type(h: BotHarness, case: str) -> None:
    answers, fields, charge = WALKS[case]
    service = service_of(case)
    calls = await walk_to_summary(h, service, answers)
    summary = text_of(calls)
    assert "Your order" in summary
    assert "Total: " in summary

    calls = await h.press(confirm_data(h, calls))
    assert calls[0].method == "answerCallbackQuery"  # answered before the panel call
    assert any("Placing your order" in (c.text or "") for c in calls)
    assert h.fake_panel.add_calls == [{"action": "add", "service": service, **fields}]
    order_id = await h.db.fetchval("SELECT id FROM orders WHERE user_id = ?", (USER,))
    assert f"Order #{order_id} is placed" in h.tg.last_text(USER)
    assert ("📦 Open the order", f"o:view:{order_id}:0") in h.buttons(last(calls))
    assert await ledger(h) == [
        (START_BALANCE, START_BALANCE, "topup", f"test:seed:{USER}", None),
        (-charge, START_BALANCE - charge, "charge", f"order:{order_id}:charge", order_id),
    ]
    assert await state_of(h) is None


def test_walks_cover_every_fake_service() -> None:
    assert {service_of(c) for c in WALKS} == {str(i) for i in range(1, 17)}


# --------------------------------------------------------------------------- input handling


async def test_wrong_answer_says_why_and_asks_again_keeping_the_dialog(h: BotHarness) -> None:
    await walk_to_summary(h, "2", [LINK])
    for text, why in [
        ("10.5", "whole number"),
        ("49", "from 50 to 50,000"),
        ("many", "just a number"),
        ("-3", "greater than zero"),
    ]:
        calls = await h.send(text)
        reply = text_of(calls)
        assert why in reply
        assert "How many?" in reply  # the same question again
        assert await state_of(h) == OrderDialog.quantity.state
    calls = await h.send("50")
    assert LINK in text_of(calls)  # the link given before is kept
    assert await state_of(h) == OrderDialog.confirm.state


async def test_bad_link_then_good(h: BotHarness) -> None:
    await h.press(OrderStartCb(service_id="2"))
    for text, why in [
        ("javascript:alert(1)", "does not look like a link"),
        ("https://a.com/x y", "cannot contain spaces"),
        ("https://a.com/" + "x" * 100_000, "too long"),
    ]:
        calls = await h.send(text)
        assert why in text_of(calls)
        assert await state_of(h) == OrderDialog.link.state
    calls = await h.send("instagram.com/p/abc")
    assert "How many?" in text_of(calls)


async def test_photo_instead_of_text(h: BotHarness) -> None:
    await h.press(OrderStartCb(service_id="2"))
    message = h.tg.make_message("x", user_id=USER)
    del message["text"]
    message["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    calls = await h.send_message(message)
    reply = text_of(calls)
    assert "send this as a text message" in reply
    assert "Send the link" in reply
    assert await state_of(h) == OrderDialog.link.state


async def test_sticker_at_a_list_step(h: BotHarness) -> None:
    await walk_to_summary(h, "4", [LINK])
    message = h.tg.make_message("x", user_id=USER)
    del message["text"]
    message["sticker"] = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                          "is_animated": False, "is_video": False, "type": "regular"}  # fmt: skip
    calls = await h.send_message(message)
    assert "send this as a text message" in text_of(calls)
    assert await state_of(h) == OrderDialog.comments.state


async def test_ten_thousand_lines(h: BotHarness) -> None:
    # custom comments allow 1..100 lines: 10,000 gets a clear count error
    await walk_to_summary(h, "4", [LINK])
    lines = "\n".join(f"comment {i} 🙂" for i in range(10_000))
    calls = await h.send(lines)
    assert "You sent 10,000 lines; this service needs from 1 to 100" in text_of(calls)
    assert await state_of(h) == OrderDialog.comments.state
    # more than 10,000 lines: refused as too many
    calls = await h.send(lines + "\nextra")
    assert "Too many lines: at most 10,000" in text_of(calls)
    # a list that does not count as the quantity takes 10,000 lines; the summary stays short
    await h.press(OrderNavCb(action="cancel"))
    calls = await walk_to_summary(h, "6", [LINK, "100"])
    usernames = "\n".join(f"user{i}" for i in range(10_000))
    calls = await h.send(usernames)
    summary = text_of(calls)
    assert "…and 9,997 more" in summary
    assert len(summary) < 4096
    await h.press(confirm_data(h, calls))
    assert h.fake_panel.add_calls[-1]["usernames"] == usernames


async def test_text_at_the_summary_points_to_the_buttons(h: BotHarness) -> None:
    await walk_to_summary(h, "3", [LINK])
    calls = await h.send("hello")
    assert "use the buttons" in text_of(calls)
    assert await state_of(h) == OrderDialog.confirm.state


# --------------------------------------------------------------------------- back and cancel


async def test_back_shows_the_previous_step_with_its_answer(h: BotHarness) -> None:
    await walk_to_summary(h, "9", [LINK, "150"])
    calls = await h.press(OrderNavCb(action="back"))
    text = text_of(calls)
    assert "How many?" in text and "Now: 150" in text
    assert await state_of(h) == OrderDialog.quantity.state
    calls = await h.press(OrderNavCb(action="back"))
    assert "Send the link" in text_of(calls)
    assert f"Now: {LINK}" in text_of(calls)
    # the first step has no Back button
    assert not any(data.startswith("od:back:") for _, data in h.buttons(last(calls)))
    await h.send(LINK)
    await h.send("200")
    calls = await h.send("#sun")
    assert "Quantity: 200" in text_of(calls)
    # Back from the summary returns to the last step
    calls = await h.press(OrderNavCb(action="back"))
    assert "hashtag" in text_of(calls)
    assert await state_of(h) == OrderDialog.hashtag.state


async def test_back_from_summary_after_skipping_runs(h: BotHarness) -> None:
    await walk_to_summary(h, "1", [LINK, "100", ("press", OrderNavCb(action="skip"))])
    await h.press(OrderNavCb(action="back"))
    assert await state_of(h) == OrderDialog.runs.state


async def test_cancel_button_and_command(h: BotHarness) -> None:
    await walk_to_summary(h, "2", [LINK])
    calls = await h.press(OrderNavCb(action="cancel"))
    assert "Order cancelled" in text_of(calls)
    assert await state_of(h) is None

    await walk_to_summary(h, "2", [LINK])
    await h.send("/cancel")
    assert await state_of(h) is None
    assert h.fake_panel.add_calls == []


async def test_a_stale_dialog_button_does_nothing(h: BotHarness) -> None:
    calls = await h.press(OrderNavCb(action="skip"))
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers and "already over" in (answers[0].params.get("text") or "")
    assert await state_of(h) is None


# --------------------------------------------------------------------------- confirm


async def test_double_confirm_places_one_order(h: BotHarness) -> None:
    calls = await walk_to_summary(h, "2", [LINK, "1000"])
    data = confirm_data(h, calls)
    await h.press(data)
    calls = await h.press(data)
    assert len(h.fake_panel.add_calls) == 1
    order_id = await h.db.fetchval("SELECT id FROM orders")
    assert f"Order #{order_id} is already placed" in text_of(calls)
    assert await h.db.fetchval("SELECT COUNT(*) FROM orders") == 1
    assert [r[2] for r in await ledger(h)] == ["topup", "charge"]


async def test_a_price_rise_after_the_summary_charges_nothing(h: BotHarness) -> None:
    """The catalog (or /markup) raised the price between the summary and Confirm: the user
    is never charged more than the summary said."""
    calls = await walk_to_summary(h, "2", [LINK, "1000"])
    data = confirm_data(h, calls)
    await h.db.execute("UPDATE services SET rate = rate * 2 WHERE id = '2'")
    calls = await h.press(data)
    assert "The price changed since your summary: it is now 0.072 USD" in text_of(calls)
    assert h.fake_panel.add_calls == []
    assert [r[2] for r in await ledger(h)] == ["topup"]
    assert await h.db.fetchval("SELECT COUNT(*) FROM orders") == 0


async def test_an_old_summary_places_nothing(h: BotHarness) -> None:
    calls = await walk_to_summary(h, "2", [LINK, "1000"])
    old = confirm_data(h, calls)
    await h.press(OrderNavCb(action="back"))
    calls = await h.send("2000")
    new = confirm_data(h, calls)
    assert new != old
    calls = await h.press(old)
    assert "summary is outdated" in text_of(calls)
    assert h.fake_panel.add_calls == []
    await h.press(new)
    assert h.fake_panel.add_calls[-1]["quantity"] == "2000"


async def test_forged_token_places_nothing(h: BotHarness) -> None:
    await walk_to_summary(h, "2", [LINK, "1000"])
    calls = await h.press(OrderConfirmCb(token="forged"))
    assert "summary is outdated" in text_of(calls)
    assert h.fake_panel.add_calls == []
    assert await state_of(h) == OrderDialog.confirm.state  # the real summary still works


async def test_insufficient_balance_shows_what_is_missing(h: BotHarness) -> None:
    await add_user(h.db, 2002, balance=1_000_000)  # 1 USD, the package costs 2.50
    await h.press(OrderStartCb(service_id="3"), user_id=2002)
    calls = await h.send(LINK, user_id=2002)
    text = text_of(calls)
    assert "1.50 USD is missing" in text
    assert all(not data.startswith("odc:") for _, data in h.buttons(last(calls)))
    assert ("💰 Top up the balance", "m:balance") in h.buttons(last(calls))


async def test_panel_out_of_funds_is_temporarily_unavailable(h: BotHarness) -> None:
    h.fake_panel.balance = Decimal(0)
    calls = await walk_to_summary(h, "3", [LINK])
    calls = await h.press(confirm_data(h, calls))
    assert "temporarily unavailable" in h.tg.last_text(USER)
    rows = await ledger(h)
    assert [r[2] for r in rows] == ["topup", "charge", "refund"]
    assert rows[-1][1] == START_BALANCE


async def test_panel_rejection_shows_the_reason(h: BotHarness) -> None:
    calls = await walk_to_summary(h, "2", [LINK, "1000"])
    await h.db.execute("UPDATE services SET max_qty = 5000 WHERE id = '2'")
    h.fake_panel.variant.reject_duplicate_links = True
    h.fake_panel.add_order("2", link=LINK)
    await h.press(confirm_data(h, calls))
    text = h.tg.last_text(USER)
    assert "not accepted" in text and "returned" in text
    assert await state_of(h) is None


async def test_service_gone_before_start_and_before_summary(h: BotHarness) -> None:
    await h.db.execute("UPDATE services SET hidden = 1 WHERE id = '2'")
    calls = await h.press(OrderStartCb(service_id="2"))
    assert "no longer available" in text_of(calls)
    assert await state_of(h) is None
    calls = await h.press(OrderStartCb(service_id="nope"))
    assert "no longer available" in text_of(calls)

    await walk_to_summary(h, "3", [])
    await h.db.execute("UPDATE services SET available = 0 WHERE id = '3'")
    calls = await h.send(LINK)
    assert "no longer available" in text_of(calls)
    assert await state_of(h) is None


async def test_maintenance(h: BotHarness) -> None:
    calls = await walk_to_summary(h, "3", [LINK])
    await h.db.execute("INSERT INTO kv (key, value) VALUES ('maintenance', 'on')")
    await h.press(confirm_data(h, calls))
    assert "paused for maintenance" in h.tg.last_text(USER)
    assert h.fake_panel.add_calls == []


# --------------------------------------------------------------------------- restart


async def test_restart_mid_dialog_resumes_with_answers(h: BotHarness) -> None:
    await walk_to_summary(h, "7", [LINK, "100"])
    assert await state_of(h) == OrderDialog.usernames.state
    await h.restart()
    calls = await h.send("@alice\nbob")
    assert "Step 4 of 4" in text_of(calls)
    calls = await h.send("#x")
    await h.press(confirm_data(h, calls))
    assert h.fake_panel.add_calls == [
        {"action": "add", "service": "7", "link": LINK, "quantity": "100",
         "usernames": "alice\nbob", "hashtags": "x"}
    ]  # fmt: skip


async def test_restart_at_the_summary_keeps_the_confirm_button_working(h: BotHarness) -> None:
    calls = await walk_to_summary(h, "3", [LINK])
    data = confirm_data(h, calls)
    await h.restart()
    await h.press(data)
    assert len(h.fake_panel.add_calls) == 1


async def test_russian_texts(h: BotHarness) -> None:
    calls = await h.press(OrderStartCb(service_id="2"), language_code="ru")
    assert "Пришлите ссылку" in text_of(calls)
    calls = await h.send("abc", language_code="ru")
    assert "не похоже на ссылку" in text_of(calls)


async def test_lost_answer_is_unknown_and_money_held(h: BotHarness) -> None:
    from tests.fakes.panel import Fault

    calls = await walk_to_summary(h, "3", [LINK])
    h.fake_panel.fail(Fault.HTML_502, times=1, actions={"add"})
    await h.press(confirm_data(h, calls))
    text = h.tg.last_text(USER)
    assert "checking it now" in text and "held, not lost" in text
    assert len(h.fake_panel.add_calls) == 1  # never retried
    assert [r[2] for r in await ledger(h)] == ["topup", "charge"]
    assert await state_of(h) is None
