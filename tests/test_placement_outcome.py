"""After Confirm the customer always learns what happened, and nothing that comes after an
order contradicts it: Telegram refusing the outcome screen, a second tap on Confirm, the old
dialog's Cancel/Back/Skip, a restart that interrupted the placement (issue 9: 1, 6, 7, 9).
Through the real dispatcher, the fake Bot API and the fake panel."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.keyboards.order_dialog import OrderStartCb
from bot.sender import Sender, SenderLimits
from bot.services.orders import status
from tests.conftest import add_user
from tests.fakes.telegram import Call
from tests.harness import ADMIN_USER, BotHarness

USER = 1001
BALANCE = 100_000_000
LINK = "https://instagram.com/p/abc"
CHARGE = 36_000  # service 2: 0.036 USD for 1000
GENERIC_ERROR = "Something went wrong"
DELIVERY = SenderLimits(backoff_base=0.05, idle_poll=0.05, start_delay=0)


@pytest.fixture
async def h(harness: BotHarness) -> BotHarness:
    await add_user(harness.db, USER, balance=BALANCE)
    return harness


def button(h: BotHarness, calls: list[Call], prefix: str) -> str:
    """The callback data of the newest button starting with `prefix` in these calls."""
    for call in reversed(calls):
        for _, data in h.buttons(call):
            if data.startswith(prefix):
                return data
    raise AssertionError(f"no {prefix!r} button in {[c.text for c in calls]}")


def message_of(h: BotHarness, calls: list[Call], prefix: str) -> tuple[str, int]:
    """The first message in these calls with a button starting with `prefix`: the button's
    callback data and the message's id."""
    for call in calls:
        for _, data in h.buttons(call):
            if data.startswith(prefix) and call.ok:
                return data, int(call.result["message_id"])
    raise AssertionError(f"no {prefix!r} button in {[c.text for c in calls]}")


async def to_summary(h: BotHarness, lang: str = "en") -> list[Call]:
    """Service 2 (link, quantity): every call on the way, the summary's last. Each question
    is a new message (the answers are typed), so the first step's message keeps its
    buttons."""
    calls = await h.press(OrderStartCb(service_id="2"), language_code=lang)
    calls += await h.send(LINK, language_code=lang)
    return calls + await h.send("1000", language_code=lang)


async def only_order(h: BotHarness) -> tuple[int, str]:
    row = await h.db.fetchone("SELECT id, status FROM orders WHERE user_id = ?", (USER,))
    assert row is not None
    return int(row[0]), str(row[1])


async def balance(h: BotHarness) -> int:
    return int(await h.db.fetchval("SELECT balance FROM users WHERE id = ?", (USER,)))


async def deliver_outbox(h: BotHarness, timeout: float = 8.0) -> None:
    """Run the outbox sender until nothing is queued."""
    sender = Sender(h.bot, h.db, h.core, h.settings, DELIVERY)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    deadline = time.monotonic() + timeout
    try:
        while await h.db.fetchval("SELECT count(*) FROM outbox WHERE status = 'queued'"):
            assert time.monotonic() < deadline, "the outbox was not delivered"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def user_texts(h: BotHarness) -> list[str]:
    return h.tg.texts(USER)


def assert_never_try_again(h: BotHarness) -> None:
    assert not [t for t in user_texts(h) if GENERIC_ERROR in t]
    assert h.errors == []


# --------------------------------------------------------------------------- 1: the outcome


async def test_flood_control_on_the_outcome_edit_is_waited_out(h: BotHarness) -> None:
    confirm = button(h, await to_summary(h), "odc:")
    # the first edit ("placing…") goes through, the outcome's edit meets flood control
    h.tg.fail_next("editMessageText", 429, retry_after=1, skip=1)
    calls = await h.press(confirm)
    order_id, _ = await only_order(h)
    edits = [c for c in calls if c.method == "editMessageText"]
    assert [c.ok for c in edits] == [True, False, True]
    assert f"Order #{order_id} is placed" in (edits[-1].text or "")
    assert edits[-1].at - edits[-2].at >= 0.9  # after retry_after, not at once
    assert_never_try_again(h)


@pytest.mark.parametrize("code", [500, 502])
async def test_a_server_error_on_the_outcome_edit_sends_it_as_a_new_message(
    h: BotHarness, code: int
) -> None:
    confirm = button(h, await to_summary(h), "odc:")
    h.tg.fail_next("editMessageText", code, skip=1)
    calls = await h.press(confirm)
    order_id, _ = await only_order(h)
    sent = [c for c in calls if c.method == "sendMessage" and c.ok]
    assert len(sent) == 1 and f"Order #{order_id} is placed" in (sent[0].text or "")
    assert ("📦 Open the order", f"o:view:{order_id}:0") in h.buttons(sent[0])
    assert_never_try_again(h)


@pytest.mark.parametrize(("code", "retry_after"), [(502, None), (429, 30)])
async def test_an_outcome_telegram_does_not_take_is_delivered_through_the_outbox(
    h: BotHarness, code: int, retry_after: int | None
) -> None:
    """Neither the edit nor a new message gets through (a long flood-control wait is not
    waited out in the handler): the outcome is queued once and delivered later."""
    confirm = button(h, await to_summary(h), "odc:")
    h.tg.fail_next("editMessageText", code, retry_after=retry_after, skip=1)
    if code != 429:  # a long flood-control wait applies to a new message too: not tried
        h.tg.fail_next("sendMessage", code)
    started = time.monotonic()
    await h.press(confirm)
    assert time.monotonic() - started < 10  # the handler did not sit out 30 s
    order_id, order_status = await only_order(h)
    assert order_status == "pending"
    assert await balance(h) == BALANCE - CHARGE
    queued = await h.db.fetchall("SELECT chat_id, key, dedup FROM outbox WHERE status = 'queued'")
    assert [tuple(r) for r in queued] == [(USER, "order-placed", f"order:{order_id}:outcome")]
    assert_never_try_again(h)

    await deliver_outbox(h)
    assert f"Order #{order_id} is placed" in h.tg.last_text(USER)
    assert ("📦 Open the order", f"o:view:{order_id}:0") in h.buttons(h.tg.sent_messages(USER)[-1])
    assert_never_try_again(h)


async def test_a_failed_placing_note_still_places_and_tells(h: BotHarness) -> None:
    """Even the "placing…" edit being refused neither stops the placement nor says "try
    again": the outcome follows."""
    confirm = button(h, await to_summary(h), "odc:")
    h.tg.fail_next("editMessageText", 502)
    await h.press(confirm)
    order_id, _ = await only_order(h)
    assert f"Order #{order_id} is placed" in h.tg.last_text(USER)
    assert len(h.fake_panel.add_calls) == 1
    assert_never_try_again(h)


# --------------------------------------------------------------------------- 6: Confirm again


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_second_confirm_names_the_order_and_leaves_its_message(
    h: BotHarness, lang: str
) -> None:
    confirm = button(h, await to_summary(h, lang), "odc:")
    await h.press(confirm, language_code=lang)
    order_id, _ = await only_order(h)
    outcome = h.tg.sent_messages(USER)[-1]
    placed = h.tg.message(USER, outcome.result["message_id"])
    assert placed is not None
    before = (placed.get("text"), placed.get("reply_markup"))

    calls = await h.press(confirm, language_code=lang, message_id=outcome.result["message_id"])
    assert len(h.fake_panel.add_calls) == 1
    assert await balance(h) == BALANCE - CHARGE
    assert not [c for c in calls if c.method.startswith("edit")]  # the outcome stays
    placed = h.tg.message(USER, outcome.result["message_id"])
    assert placed is not None and (placed.get("text"), placed.get("reply_markup")) == before
    (reply,) = [c for c in calls if c.method == "sendMessage"]
    text = reply.text or ""
    if lang == "en":
        assert f"Order #{order_id} is already placed, nothing more was charged" in text
        assert "Pending" in text
    else:
        assert f"Заказ №{order_id} уже оформлен" in text
    assert "outdated" not in text and "устарела" not in text
    assert f"o:view:{order_id}:0" in [data for _, data in h.buttons(reply)]
    assert_never_try_again(h)


async def test_confirm_of_an_earlier_summary_of_a_placed_dialog_names_the_order(
    h: BotHarness,
) -> None:
    """Summary A, Back, summary B, Confirm B: A's Confirm belongs to a dialog that became
    an order, so it names that order too and places nothing."""
    first = button(h, await to_summary(h), "odc:")
    await h.press(button(h, h.tg.sent_messages(USER), "od:back"))
    second = button(h, await h.send("2000"), "odc:")
    assert first != second
    await h.press(second)
    order_id, _ = await only_order(h)
    calls = await h.press(first)
    assert f"Order #{order_id} is already placed" in (calls[-1].text or h.tg.last_text(USER))
    assert len(h.fake_panel.add_calls) == 1


# --------------------------------------------------------------------------- 9: old buttons


@pytest.mark.parametrize("action", ["cancel", "back"])
async def test_buttons_of_a_placed_dialog_name_the_order_and_change_nothing(
    h: BotHarness, action: str
) -> None:
    walk = await to_summary(h)
    old, first_step = message_of(h, walk, f"od:{action}")  # on the first question
    await h.press(button(h, walk, "odc:"))
    order_id, _ = await only_order(h)
    before = list(user_texts(h))

    calls = await h.press(old, message_id=first_step)
    assert [c.method for c in calls] == ["answerCallbackQuery"]  # no edit, no message
    answer = calls[0].params
    assert answer.get("show_alert") is True
    assert f"became order #{order_id} (🕓 Pending)" in answer.get("text", "")
    assert "cancelled" not in answer.get("text", "")
    assert user_texts(h) == before
    _, order_status = await only_order(h)
    assert order_status == "pending"
    assert await balance(h) == BALANCE - CHARGE


async def test_skip_of_a_placed_dialog_names_the_order(h: BotHarness) -> None:
    """Service 1 asks for runs with a Skip button; after placing, that Skip changes nothing."""
    await h.press(OrderStartCb(service_id="1"))
    await h.send(LINK)
    skip, runs_step = message_of(h, await h.send("100"), "od:skip")
    calls = await h.press(skip)  # no drip-feed: the summary, in place of the question
    await h.press(button(h, calls, "odc:"))
    order_id, _ = await only_order(h)
    calls = await h.press(skip, message_id=runs_step)
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert f"order #{order_id}" in calls[0].params.get("text", "")


async def test_the_old_dialogs_cancel_does_not_cancel_the_new_one(h: BotHarness) -> None:
    old, first_step = message_of(h, await to_summary(h), "od:cancel")
    await h.press(old, message_id=first_step)  # the first dialog is cancelled
    await h.press(OrderStartCb(service_id="3"))
    state = await h.db.fetchval("SELECT state FROM fsm WHERE key LIKE ?", (f"%:{USER}:%",))
    calls = await h.press(old, message_id=first_step)
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "already over" in calls[0].params.get("text", "")
    after = await h.db.fetchval("SELECT state FROM fsm WHERE key LIKE ?", (f"%:{USER}:%",))
    assert after == state is not None  # the new dialog goes on


# --------------------------------------------------------------------------- 7: a restart


async def test_an_order_interrupted_by_a_restart_is_explained_to_the_customer(
    h: BotHarness,
) -> None:
    await h.press(button(h, await to_summary(h), "odc:"))
    order_id, _ = await only_order(h)
    # the process died during `add`: the order is still `submitting` at the next start
    await h.db.execute(
        "UPDATE orders SET status = 'submitting', panel_order_id = NULL WHERE id = ?", (order_id,)
    )
    await h.restart()
    await h.restart()  # a second restart tells nobody twice
    _, order_status = await only_order(h)
    assert order_status == "unknown"
    await deliver_outbox(h)
    told = [t for t in user_texts(h) if "interrupted" in t]
    assert len(told) == 1
    assert f"Order #{order_id}" in told[0] and "money is safe" in told[0]
    assert ("📦 Open the order", f"o:view:{order_id}:0") in h.buttons(h.tg.sent_messages(USER)[-1])

    # an operator finds it at the panel: the customer hears that it went through
    outcome, _ = await status.resolve_placed(h.db, ADMIN_USER, order_id, "777001")
    assert outcome == "done"
    await deliver_outbox(h)
    last = h.tg.last_text(USER)
    assert f"Order #{order_id}" in last and "went through" in last


async def test_an_interrupted_order_not_at_the_panel_is_refunded_and_told(h: BotHarness) -> None:
    await h.press(button(h, await to_summary(h, "ru"), "odc:"), language_code="ru")
    order_id, _ = await only_order(h)
    await h.db.execute("UPDATE orders SET status = 'submitting' WHERE id = ?", (order_id,))
    await h.restart()
    outcome, _ = await status.resolve_not_placed(h.db, ADMIN_USER, order_id)
    assert outcome == "done"
    await deliver_outbox(h)
    texts = user_texts(h)
    assert any(f"Заказ №{order_id}" in t and "в безопасности" in t for t in texts)
    assert f"Заказ №{order_id}" in texts[-1] and "не прошёл" in texts[-1]
    assert await balance(h) == BALANCE
