"""Order again (issue 16) and the same-link guard (issue 17), through the real dispatcher,
the fake Bot API and the fake panel."""

from __future__ import annotations

from datetime import date

import pytest

from bot.keyboards.order_dialog import OrderStartCb
from bot.keyboards.orders import OrderCb
from bot.panel.models import OrderKind
from bot.services.order_input import ServiceLimits, Step
from bot.services.orders import queries
from bot.services.orders.reorder import Refit, refit
from bot.services.orders.status import FINAL_STATUSES, ORDER_STATUSES
from bot.states import OrderDialog
from tests.fakes.telegram import Call
from tests.harness import BotHarness
from tests.helpers import add_user, assert_clean, assert_ledger_consistent, last_shown, order_row
from tests.test_order_dialog import (
    LINK,
    START_BALANCE,
    USER,
    confirm_data,
    ledger,
    state_of,
    text_of,
    walk_to_summary,
)

OTHER_LINK = "https://instagram.com/p/other"


@pytest.fixture
async def h(harness: BotHarness) -> BotHarness:
    await add_user(harness.db, USER, balance=START_BALANCE)
    return harness


def button(h: BotHarness, calls: list[Call], prefix: str) -> str:
    """The callback data of the last shown button whose data starts with `prefix`."""
    for call in reversed(calls):
        for _, data in h.buttons(call):
            if data.startswith(prefix):
                return data
    raise AssertionError(f"no {prefix} button in {[c.text for c in calls]}")


async def place_likes(h: BotHarness, quantity: str = "1000", link: str = LINK) -> int:
    """An IG Likes order (service 2) placed through the dialog; returns its id."""
    calls = await walk_to_summary(h, "2", [link, quantity])
    await h.press(confirm_data(h, calls))
    order_id = await h.db.fetchval("SELECT MAX(id) FROM orders WHERE user_id = ?", (USER,))
    assert order_id is not None
    return int(order_id)


async def finish(h: BotHarness, order_id: int) -> None:
    await h.db.execute("UPDATE orders SET status = 'completed' WHERE id = ?", (order_id,))


# --------------------------------------------------------------------------- order again


async def test_order_card_has_order_again(h: BotHarness) -> None:
    order_id = await place_likes(h)
    calls = await h.press(OrderCb(action="view", order_id=order_id))
    assert ("🔁 Order again", f"o:again:{order_id}:0") in h.buttons(text_call(calls))


def text_call(calls: list[Call]) -> Call:
    return last_shown(calls)


async def test_order_again_goes_straight_to_the_summary_at_todays_price(h: BotHarness) -> None:
    first = await place_likes(h)
    await finish(h, first)
    # the price doubled since: 0.072 per 1000
    await h.db.execute("UPDATE services SET rate = 72000 WHERE id = '2'")

    calls = await h.press(OrderCb(action="again", order_id=first))
    summary = text_of(calls)
    assert "Your order" in summary and LINK in summary and "1,000" in summary
    assert "0.072" in summary
    assert await state_of(h) == OrderDialog.confirm.state

    calls = await h.press(confirm_data(h, calls))
    assert_clean(h, calls)
    second = first + 1
    assert h.fake_panel.add_calls[-1] == {
        "action": "add", "service": "2", "link": LINK, "quantity": "1000",
    }  # fmt: skip
    assert len(h.fake_panel.add_calls) == 2
    first_row, second_row = await order_row(h.db, first), await order_row(h.db, second)
    assert second_row["confirm_token"] != first_row["confirm_token"]
    assert second_row["fields"] == first_row["fields"]
    assert (await ledger(h))[-1] == (
        -72_000,
        START_BALANCE - 36_000 - 72_000,
        "charge",
        f"order:{second}:charge",
        second,
    )
    await assert_ledger_consistent(h.db)


async def test_order_again_with_changed_limits_asks_the_quantity_again(h: BotHarness) -> None:
    first = await place_likes(h)
    await finish(h, first)
    await h.db.execute("UPDATE services SET min_qty = 2000 WHERE id = '2'")

    calls = await h.press(OrderCb(action="again", order_id=first))
    question = text_of(calls)
    assert f"changed since order #{first}" in question
    assert "from 2,000 to 50,000" in question
    assert "How many?" in question
    assert await state_of(h) == OrderDialog.quantity.state

    calls = await h.send("2000")  # the link is kept: on to the summary
    assert LINK in text_of(calls)
    await h.press(confirm_data(h, calls))
    assert h.fake_panel.add_calls[-1]["quantity"] == "2000"
    await assert_ledger_consistent(h.db)


async def test_order_again_when_the_type_now_needs_more_answers(h: BotHarness) -> None:
    first = await place_likes(h)
    await finish(h, first)
    await h.db.execute(
        "UPDATE services SET type = 'Mentions', kind = 'mentions', min_qty = 100 WHERE id = '2'"
    )
    calls = await h.press(OrderCb(action="again", order_id=first))
    assert "now needs one more answer" in text_of(calls)
    assert "Send the usernames" in text_of(calls)
    assert await state_of(h) == OrderDialog.usernames.state


async def test_order_again_of_a_hidden_or_vanished_service(h: BotHarness) -> None:
    first = await place_likes(h)
    await finish(h, first)
    for change in ("hidden = 1", "hidden = 0, available = 0"):
        await h.db.execute(f"UPDATE services SET {change} WHERE id = '2'")
        calls = await h.press(OrderCb(action="again", order_id=first))
        assert_clean(h, calls)
        [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
        assert "can no longer be ordered" in answer.params["text"]
        assert answer.params.get("show_alert") is True
        assert await state_of(h) is None
    assert len(h.fake_panel.add_calls) == 1


async def test_order_again_of_someone_elses_order(h: BotHarness) -> None:
    first = await place_likes(h)
    await add_user(h.db, 2002)
    calls = await h.press(OrderCb(action="again", order_id=first), user_id=2002)
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params.get("text") == "Order not found."
    assert await state_of(h, 2002) is None


# --------------------------------------------------------------------------- same link guard


async def test_same_link_guard_order_anyway(h: BotHarness) -> None:
    first = await place_likes(h)  # still pending at the panel
    calls = await walk_to_summary(h, "2", [LINK, "500"])
    warning = text_of(calls)
    assert f"You already have order #{first}" in warning and "Pending" in warning
    assert not any(data.startswith("odc:") for _, data in h.buttons(text_call(calls)))

    calls = await h.press(button(h, calls, "osl:anyway"))
    assert "Your order" in text_of(calls)
    calls = await h.press(confirm_data(h, calls))
    assert_clean(h, calls)
    assert [c["quantity"] for c in h.fake_panel.add_calls] == ["1000", "500"]
    await assert_ledger_consistent(h.db)


async def test_same_link_guard_open_the_earlier_order(h: BotHarness) -> None:
    first = await place_likes(h)
    calls = await walk_to_summary(h, "2", [LINK, "500"])
    calls = await h.press(button(h, calls, "osl:open"))
    assert f"Order #{first}" in text_of(calls)
    assert await state_of(h) is None  # the dialog is over, nothing ordered
    assert len(h.fake_panel.add_calls) == 1


async def test_same_link_guard_also_on_order_again(h: BotHarness) -> None:
    first = await place_likes(h)
    calls = await h.press(OrderCb(action="again", order_id=first))
    assert f"You already have order #{first}" in text_of(calls)


async def test_no_guard_for_another_link_a_finished_order_or_another_service(
    h: BotHarness,
) -> None:
    first = await place_likes(h)
    for service, link in (("2", OTHER_LINK), ("17", LINK)):
        calls = await walk_to_summary(h, service, [link, "1000"])
        assert "Your order" in text_of(calls), (service, link)
    await finish(h, first)
    calls = await h.press(OrderStartCb(service_id="2"))
    calls = await h.send(LINK)
    calls = await h.send("1000")
    assert "Your order" in text_of(calls)


async def test_unfinished_same_link_query(h: BotHarness) -> None:
    assert set(queries.UNFINISHED_STATUSES) == set(ORDER_STATUSES) - FINAL_STATUSES
    first = await place_likes(h)
    found = await queries.unfinished_same_link(h.db, USER, "2", LINK)
    assert found is not None and found.id == first
    assert await queries.unfinished_same_link(h.db, 2002, "2", LINK) is None
    assert await queries.unfinished_same_link(h.db, USER, "2", OTHER_LINK) is None
    for status in sorted(FINAL_STATUSES):
        await h.db.execute("UPDATE orders SET status = ? WHERE id = ?", (status, first))
        assert await queries.unfinished_same_link(h.db, USER, "2", LINK) is None


async def test_a_trailing_slash_is_the_same_link(h: BotHarness) -> None:
    first = await place_likes(h)
    found = await queries.unfinished_same_link(h.db, USER, "2", LINK + "/")
    assert found is not None and found.id == first


# --------------------------------------------------------------------------- refit (pure)

TODAY = date(2030, 6, 1)


def test_refit_keeps_every_answer_that_still_fits() -> None:
    limits = ServiceLimits(OrderKind.DEFAULT, 10, 10_000, dripfeed=True)
    fields = {"link": LINK, "quantity": 100, "runs": 5, "interval": 30}
    assert refit(limits, fields) == Refit(
        {Step.LINK: LINK, Step.QUANTITY: 100, Step.RUNS: 5, Step.INTERVAL: 30}
    )
    # drip-feed offered now, not used then: skipped, not asked
    fields = {"link": LINK, "quantity": 100}
    assert refit(limits, fields) == Refit({Step.LINK: LINK, Step.QUANTITY: 100, Step.RUNS: None})


def test_refit_when_drip_feed_is_gone_asks_from_the_quantity() -> None:
    limits = ServiceLimits(OrderKind.DEFAULT, 10, 10_000, dripfeed=False)
    fields = {"link": LINK, "quantity": 100, "runs": 5, "interval": 30}
    assert refit(limits, fields) == Refit({Step.LINK: LINK}, Step.QUANTITY, "type-changed")


def test_refit_of_lists_and_dates_checks_them_again() -> None:
    # custom comments: 3 lines, but the service now takes 5..100
    limits = ServiceLimits(OrderKind.CUSTOM_COMMENTS, 5, 100)
    result = refit(limits, {"link": LINK, "comments": "a\nb\nc"})
    assert (result.ask, result.change) == (Step.COMMENTS, "invalid")
    assert result.error is not None and result.error.code == "list-count"
    # a subscription whose end date has passed: asked again, the rest kept
    limits = ServiceLimits(OrderKind.SUBSCRIPTIONS, 100, 1000)
    fields = {"username": "chan", "min": 100, "max": 200, "delay": 30, "expiry": "31/12/2029"}
    result = refit(limits, fields, today=TODAY)
    assert (result.ask, result.change) == (Step.SUB_EXPIRY, "invalid")
    assert result.answers[Step.SUB_DELAY] == 30 and result.answers[Step.SUB_POSTS] is None
