"""The operators' room through the real dispatcher: who may act, and every command."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.commands import ADMIN_HELP, ADMIN_MENU
from bot.keyboards.admin import AdminCb
from bot.money import localize_params, to_micros
from bot.services import alerts, audit, broadcast, maintenance, users, wallet
from bot.services.orders import placing, queries, status
from bot.services.orders.placing import Draft
from tests.fakes.panel import FakePanel, Fault
from tests.fakes.telegram import FakeTelegram
from tests.harness import ADMIN_CHAT, BotHarness
from tests.helpers import add_order, add_user

NON_ADMIN = 555


def sent(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.method in {"sendMessage", "editMessageText", "copyMessage"}]


async def as_non_admin(h: BotHarness, text: str) -> list[Any]:
    return await h.send(text, user_id=NON_ADMIN, chat_id=ADMIN_CHAT, chat_type="supergroup")


async def ledger_refs(h: BotHarness, user_id: int) -> list[str]:
    return [e.ref for e in await wallet.history(h.db, user_id, 50)]


async def outbox_rows(h: BotHarness, chat_id: int) -> list[dict[str, Any]]:
    rows = await h.db.fetchall("SELECT * FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [dict(r) for r in rows]


# --------------------------------------------------------------------------- who may act


async def test_help_in_group_lists_the_commands(harness: BotHarness) -> None:
    calls = await harness.admin("/help")
    text = sent(calls)[-1].text
    for command in ADMIN_MENU:
        if command is not ADMIN_HELP:
            assert f"/{command.name}" in text


SAMPLES = [
    "/stats",
    "/user 1001",
    "/credit 1001 10",
    "/debit 1001 1",
    "/order 1",
    "/unknown",
    "/sync",
    "/markup 50",
    "/hide 2",
    "/show 2",
    "/ban 1001",
    "/unban 1001",
    "/maintenance on",
    "/audit",
    "/help",
]


async def test_non_admin_in_group_gets_no_answer_and_changes_nothing(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, balance=to_micros(3))
    for text in [*SAMPLES, "/broadcast"]:
        calls = await as_non_admin(harness, text)
        assert not sent(calls), text
    assert await wallet.balance(harness.db, 1001) == to_micros(3)
    assert not await maintenance.maintenance_on(harness.db)
    assert await audit.recent(harness.db) == []
    # a forged button press by a non-admin does nothing either
    order_id = await add_order(harness, 1001, status="unknown", charge=to_micros(1))
    calls = await harness.press(
        AdminCb(action="notplaced", id=order_id), NON_ADMIN, chat_id=ADMIN_CHAT
    )
    assert not sent(calls)
    assert (await queries.get_order_any(harness.db, order_id)).status == "unknown"  # type: ignore[union-attr]


async def test_admin_commands_in_private_look_like_any_unknown_command(
    harness: BotHarness,
) -> None:
    await add_user(harness.db, 1001, balance=to_micros(3))
    baseline = [c.text for c in sent(await harness.send("/zzzz", 1001))]
    for text in SAMPLES[:-1]:  # /help is a user command too
        word = text.split()[0]
        answer = [c.text for c in sent(await harness.send(word, 1001))]
        assert answer == [t.replace("/zzzz", word) if t else t for t in baseline], text
    # from an operator too: the private chat never runs admin commands
    for text in ("/credit 1001 10", "/maintenance on"):
        await harness.send(text, 777)
    assert await wallet.balance(harness.db, 1001) == to_micros(3)
    assert not await maintenance.maintenance_on(harness.db)
    assert await audit.recent(harness.db) == []


async def test_other_group_is_ignored(harness: BotHarness) -> None:
    calls = await harness.send("/stats", 777, chat_id=-100999, chat_type="supergroup")
    assert not sent(calls)


async def test_group_administrators_are_asked_and_remembered(harness: BotHarness) -> None:
    harness.tg.set_admins(ADMIN_CHAT, [NON_ADMIN])
    calls = await as_non_admin(harness, "/audit")
    assert sent(calls)
    asks = len(harness.tg.calls_of("getChatMember"))
    assert asks == 1
    await as_non_admin(harness, "/audit")
    assert len(harness.tg.calls_of("getChatMember")) == asks  # cached
    # a plain member is asked once too, and refused
    calls = await harness.send("/audit", 556, chat_id=ADMIN_CHAT, chat_type="supergroup")
    assert not sent(calls)
    # an expired answer is asked again: demoted admins lose access
    await harness.db.execute("UPDATE admin_members SET checked_at = 0")
    harness.tg.set_admins(ADMIN_CHAT, [])
    calls = await as_non_admin(harness, "/audit")
    assert not sent(calls)


async def test_membership_check_failure_refuses_quietly(harness: BotHarness) -> None:
    harness.tg.fail_next("getChatMember", 400, "Bad Request: chat not found")
    calls = await as_non_admin(harness, "/stats")
    assert not sent(calls)


# --------------------------------------------------------------------------- /stats


async def test_stats_counts_users_orders_and_money(harness: BotHarness) -> None:
    now = int(time.time())
    await add_user(harness.db, 1001, balance=to_micros(100))
    await add_user(harness.db, 1002, balance=to_micros(100))
    await add_user(harness.db, 1003)
    await harness.db.execute("UPDATE users SET last_seen = ? WHERE id = 1001", (now,))
    await harness.db.execute("UPDATE users SET is_blocked = 1 WHERE id = 1002")
    await harness.db.execute("UPDATE users SET is_banned = 1 WHERE id = 1003")
    o1 = await add_order(harness, 1001, status="completed", charge=to_micros(10))
    await add_order(
        harness, 1002, status="pending", charge=to_micros(4), created_at=now - 3 * 86400
    )
    await add_order(
        harness, 1002, status="completed", charge=to_micros(2), created_at=now - 30 * 86400
    )
    await harness.db.execute("UPDATE orders SET cost = ? WHERE id = ?", (to_micros(6), o1))
    calls = await harness.admin("/stats")
    text = sent(calls)[-1].text
    assert "Users: 3 (active: 1 in 24 h, 1 in 7 days), blocked the bot: 1, banned: 1" in text
    assert "completed: 1 / 1 / 2" in text
    assert "pending: 0 / 1 / 1" in text
    assert "Turnover (charges minus refunds): 16.00 USD" in text
    assert "Panel cost: 6.00 USD" in text
    assert "Margin: 10.00 USD" in text
    assert "Panel balance: 100.84292 USD" in text


async def test_stats_survive_a_panel_outage(harness: BotHarness) -> None:
    harness.fake_panel.fail(Fault.HTML_502, times=None)
    calls = await harness.admin("/stats")
    text = sent(calls)[-1].text
    assert "Panel balance: unavailable" in text
    calls = await harness.send("/stats", 777, chat_id=ADMIN_CHAT, chat_type="supergroup",
                               language_code="ru")  # fmt: skip
    assert "Баланс панели: недоступен" in sent(calls)[-1].text


# --------------------------------------------------------------------------- money


async def test_credit_notifies_the_user_and_is_applied_once(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, language="ru")
    first = await harness.send(
        "/credit 1001 $10.50 welcome bonus",
        777,
        chat_id=ADMIN_CHAT,
        chat_type="supergroup",
        message_id=4242,
    )
    assert "Credited 10.50 USD to user 1001. New balance: 10.50 USD" in sent(first)[-1].text
    again = await harness.send(
        "/credit 1001 $10.50 welcome bonus",
        777,
        chat_id=ADMIN_CHAT,
        chat_type="supergroup",
        message_id=4242,
    )
    assert "already applied" in sent(again)[-1].text
    assert await wallet.balance(harness.db, 1001) == to_micros("10.5")
    entries = await wallet.history(harness.db, 1001)
    assert [(e.kind, e.ref, e.note) for e in entries] == [
        ("credit", f"credit:{ADMIN_CHAT}:4242", "welcome bonus")
    ]
    rows = await outbox_rows(harness, 1001)
    assert len(rows) == 1 and rows[0]["key"] == "admin-notify-credit"
    params = json.loads(rows[0]["params"])
    assert localize_params(params, "en")["amount"] == "10.50 USD"
    # the notice renders in the user's language, the amount written the Russian way
    text = harness.core.get("admin-notify-credit", "ru", **localize_params(params, "ru"))
    assert "зачислено 10,50 USD" in text
    entries = await audit.recent(harness.db)
    assert [(a.admin_id, a.action, a.target) for a in entries] == [(777, "credit", "1001")]


async def test_credit_by_username(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, username="Alice_X")
    calls = await harness.admin("/credit @alice_x 5")
    assert "Credited 5.00 USD" in sent(calls)[-1].text
    assert await wallet.balance(harness.db, 1001) == to_micros(5)


@pytest.mark.parametrize(
    "text",
    [
        "/credit 1001 0",
        "/credit 1001 -5",
        "/credit 1001 abc",
        "/credit 1001 5000000",
        "/credit 1001 1.1234567",
        "/credit 1001 1e3",
        "/debit 1001 0.0",
    ],
)
async def test_bad_amounts_are_refused(harness: BotHarness, text: str) -> None:
    await add_user(harness.db, 1001, balance=to_micros(1))
    calls = await harness.admin(text)
    assert "is not an amount I can accept" in sent(calls)[-1].text
    assert await wallet.balance(harness.db, 1001) == to_micros(1)


async def test_money_command_usage_and_unknown_user(harness: BotHarness) -> None:
    assert "Usage: /credit" in sent(await harness.admin("/credit"))[-1].text
    assert "Usage: /debit" in sent(await harness.admin("/debit 1001"))[-1].text
    calls = await harness.admin("/credit 4040 5")
    assert "No user “4040”" in sent(calls)[-1].text


async def test_debit_beyond_balance_is_refused_with_the_balance(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, balance=to_micros(3))
    calls = await harness.admin("/debit 1001 5")
    assert "has only 3.00 USD, less than 5.00 USD" in sent(calls)[-1].text
    assert await wallet.balance(harness.db, 1001) == to_micros(3)
    calls = await harness.admin("/debit 1001 2 correction")
    assert "Debited 2.00 USD from user 1001. New balance: 1.00 USD" in sent(calls)[-1].text
    rows = await outbox_rows(harness, 1001)
    assert [r["key"] for r in rows] == ["admin-notify-debit"]


async def test_user_card_with_buttons_and_ban(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, balance=to_micros(20), username="bob")
    await add_order(harness, 1001, status="completed", charge=to_micros(2))
    calls = await harness.admin("/user @bob")
    card = sent(calls)[-1]
    assert "User 1001 @bob" in card.text and "Balance: 18.00 USD" in card.text
    assert "order:1:charge" in card.text and "#1 completed" in card.text
    buttons = dict(harness.buttons(card))
    assert buttons["🚫 Ban"] == AdminCb(action="ban", id=1001).pack()
    calls = await harness.press(AdminCb(action="credit", id=1001), 777, chat_id=ADMIN_CHAT)
    assert "/credit 1001 <amount>" in sent(calls)[-1].text
    calls = await harness.press(AdminCb(action="ban", id=1001), 777, chat_id=ADMIN_CHAT)
    user = await users.get(harness.db, 1001)
    assert user is not None and user.is_banned
    assert "✅ Unban" in dict(harness.buttons(sent(calls)[-1]))
    # the banned user gets only the short notice
    calls = await harness.send("/start", 1001)
    assert len(sent(calls)) == 1 and "suspended" in sent(calls)[0].text
    assert "No user" in sent(await harness.admin("/user nobody"))[-1].text
    assert "Usage: /user" in sent(await harness.admin("/user"))[-1].text


async def test_ban_and_unban_commands(harness: BotHarness) -> None:
    await add_user(harness.db, 1001)
    assert "is banned" in sent(await harness.admin("/ban 1001"))[-1].text
    assert "Nothing to change" in sent(await harness.admin("/ban 1001"))[-1].text
    assert "is unbanned" in sent(await harness.admin("/unban 1001"))[-1].text
    assert "Usage: /ban" in sent(await harness.admin("/ban"))[-1].text
    actions = [a.action for a in await audit.recent(harness.db)]
    assert actions == ["unban", "ban"]


# --------------------------------------------------------------------------- orders


async def test_order_card_refund_once_and_renotify(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, balance=to_micros(10))
    order_id = await add_order(harness, 1001, status="in_progress", panel_order_id="777001")
    await harness.db.execute(
        "UPDATE orders SET refunded = ? WHERE id = ?", (to_micros(1), order_id)
    )
    for query in (str(order_id), "777001", f"#{order_id}"):
        calls = await harness.admin(f"/order {query}")
        assert f"Order #{order_id} — in_progress" in sent(calls)[-1].text
    card = sent(calls)[-1]
    assert "order:1:charge" in card.text and "Panel order: 777001" in card.text
    assert AdminCb(action="refund", id=order_id).pack() in dict(harness.buttons(card)).values()

    # the user had 1.00 refunded already (partial): 4.00 is left to give back
    refund = AdminCb(action="refund", id=order_id)
    calls = await harness.press(refund, 777, chat_id=ADMIN_CHAT)
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "4.00 USD refunded" in answer.params["text"]
    calls = await harness.press(refund, 777, chat_id=ADMIN_CHAT)
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "already been refunded" in answer.params["text"]
    refunds = [e for e in await wallet.history(harness.db, 1001) if e.kind == "refund"]
    assert [(e.ref, e.amount) for e in refunds] == [(f"order:{order_id}:refund", to_micros(4))]
    view = await queries.get_order_any(harness.db, order_id)
    assert view is not None and view.status == "refunded" and view.refunded == view.charge
    # the card's history shows every status the order went through, whoever changed it
    card = sent(await harness.admin(f"/order {order_id}"))[-1]
    assert "— → in_progress" in card.text and "in_progress → refunded" in card.text

    before = len(await outbox_rows(harness, 1001))
    calls = await harness.press(AdminCb(action="renotify", id=order_id), 777, chat_id=ADMIN_CHAT)
    rows = await outbox_rows(harness, 1001)
    assert len(rows) == before + 1 and rows[-1]["key"] == "admin-notify-order-refunded"
    assert "No order" in sent(await harness.admin("/order 99999"))[-1].text
    assert "Usage: /order" in sent(await harness.admin("/order"))[-1].text


async def test_refresh_button_asks_the_panel(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, balance=to_micros(10))
    fake = harness.fake_panel.add_order("2", link="https://instagram.com/p/x", quantity="100")
    order_id = await add_order(harness, 1001, status="pending", panel_order_id=str(fake.id))
    harness.fake_panel.set_status(str(fake.id), "In progress", start_count=10, remains=60)
    calls = await harness.press(AdminCb(action="refresh", id=order_id), 777, chat_id=ADMIN_CHAT)
    edits = [c for c in calls if c.method == "editMessageText"]
    assert edits and "in_progress" in edits[-1].text and "remains: 60" in edits[-1].text


async def _unknown_order(h: BotHarness) -> int:
    await add_user(h.db, 1001, balance=to_micros(10))
    order_id = await add_order(h, 1001, status="pending", charge=to_micros(5))
    async with h.db.transaction() as conn:
        await status.mark_unknown(conn, h.notices, order_id, "timeout")
    return order_id


async def test_unknown_alert_carries_the_resolution_buttons(harness: BotHarness) -> None:
    order_id = await _unknown_order(harness)
    rows = await outbox_rows(harness, ADMIN_CHAT)
    alert = next(r for r in rows if r["key"] == "alert-order-unknown")
    data = [b["data"] for row in json.loads(alert["buttons"]) for b in row]
    assert data == [
        AdminCb(action="placed", id=order_id).pack(),
        AdminCb(action="notplaced", id=order_id).pack(),
    ]


async def test_unknown_resolved_as_placed(harness: BotHarness) -> None:
    order_id = await _unknown_order(harness)
    calls = await harness.admin("/unknown")
    listing = sent(calls)[-1]
    assert f"#{order_id}" in listing.text and "timeout" in listing.text
    assert (f"✅ #{order_id} placed", AdminCb(action="placed", id=order_id).pack()) in (
        harness.buttons(listing)
    )
    calls = await harness.press(AdminCb(action="placed", id=order_id), 777, chat_id=ADMIN_CHAT)
    assert "Send the panel's order id" in sent(calls)[-1].text
    calls = await harness.admin("not an id!")
    assert "does not look like a panel order id" in sent(calls)[-1].text
    assert (await queries.get_order_any(harness.db, order_id)).status == "unknown"  # type: ignore[union-attr]
    await harness.press(AdminCb(action="placed", id=order_id), 777, chat_id=ADMIN_CHAT)
    calls = await harness.admin("#23577")
    assert "is panel order #23577" in sent(calls)[-1].text
    view = await queries.get_order_any(harness.db, order_id)
    assert view is not None and view.status == "pending" and view.panel_order_id == "23577"
    row = await harness.db.fetchone("SELECT next_poll_at FROM orders WHERE id = ?", (order_id,))
    assert row is not None and row[0] == 0
    # the money stays charged, once; the user hears about it
    assert await ledger_refs(harness, 1001) == [f"order:{order_id}:charge", "test:seed:1001"]
    assert await wallet.balance(harness.db, 1001) == to_micros(5)
    assert [r["key"] for r in await outbox_rows(harness, 1001)] == ["admin-notify-order-placed"]
    # the other button now does nothing
    calls = await harness.press(AdminCb(action="notplaced", id=order_id), 777, chat_id=ADMIN_CHAT)
    assert await wallet.balance(harness.db, 1001) == to_micros(5)
    assert "No orders with an unknown outcome" in sent(await harness.admin("/unknown"))[-1].text


async def test_unknown_resolved_as_not_placed_refunds_once(harness: BotHarness) -> None:
    order_id = await _unknown_order(harness)
    button = AdminCb(action="notplaced", id=order_id)
    calls = await harness.press(button, 777, chat_id=ADMIN_CHAT)
    assert "5.00 USD refunded" in sent(calls)[-1].text
    calls = await harness.press(button, 777, chat_id=ADMIN_CHAT)
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "no longer waiting" in answer.params["text"]
    assert await wallet.balance(harness.db, 1001) == to_micros(10)
    assert await ledger_refs(harness, 1001) == [
        f"order:{order_id}:refund",
        f"order:{order_id}:charge",
        "test:seed:1001",
    ]
    view = await queries.get_order_any(harness.db, order_id)
    assert view is not None and view.status == "failed"
    assert [r["key"] for r in await outbox_rows(harness, 1001)] == ["admin-notify-order-not-placed"]


async def test_panel_id_already_used_is_refused(harness: BotHarness) -> None:
    await add_user(harness.db, 1002, balance=to_micros(10))
    await add_order(harness, 1002, panel_order_id="900")
    order_id = await _unknown_order(harness)
    await harness.press(AdminCb(action="placed", id=order_id), 777, chat_id=ADMIN_CHAT)
    calls = await harness.admin("900")
    assert "already belongs to our order #1" in sent(calls)[-1].text
    assert (await queries.get_order_any(harness.db, order_id)).status == "unknown"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- catalog


async def test_markup_hide_show(harness: BotHarness) -> None:
    calls = await harness.admin("/markup")
    assert "Global markup: 0% (from MARKUP_PERCENT)" in sent(calls)[-1].text
    assert "now 25%" in sent(await harness.admin("/markup 25"))[-1].text
    assert "now 12.5%" in sent(await harness.admin("/markup 12.5"))[-1].text
    for bad in ("/markup abc", "/markup 100000", "/markup -100", "/markup svc 2 x"):
        assert "not a markup I can accept" in sent(await harness.admin(bad))[-1].text, bad
    assert "Usage: /markup" in sent(await harness.admin("/markup foo 1 2"))[-1].text
    assert "No service #999" in sent(await harness.admin("/markup svc 999 5"))[-1].text
    assert "No category 999" in sent(await harness.admin("/markup cat 999 5"))[-1].text
    cat = await harness.db.fetchval("SELECT category_id FROM services WHERE id = '2'")
    assert "markup: 30" in sent(await harness.admin(f"/markup cat {cat} 30"))[-1].text
    assert "markup: 15" in sent(await harness.admin("/markup svc 2 15"))[-1].text
    from decimal import Decimal

    from bot.services import pricing

    assert await pricing.service_markup(harness.db, "2", Decimal(0)) == Decimal(15)
    assert await pricing.global_markup(harness.db, Decimal(0)) == Decimal("12.5")
    text = sent(await harness.admin("/markup"))[-1].text
    assert "Global markup: 12.5% (set with /markup)" in text and "service #2" in text
    await harness.admin("/markup svc 2 off")
    cat_markup = await pricing.service_markup(harness.db, "2", Decimal(0))
    assert cat_markup == Decimal(30)

    assert "is hidden" in sent(await harness.admin("/hide 2"))[-1].text
    assert "already" in sent(await harness.admin("/hide 2"))[-1].text
    assert await harness.db.fetchval("SELECT hidden FROM services WHERE id = '2'") == 1
    assert "back in the shop" in sent(await harness.admin("/show #2"))[-1].text
    assert "No service #nope" in sent(await harness.admin("/hide nope"))[-1].text
    assert "Usage: /show" in sent(await harness.admin("/show"))[-1].text
    actions = [a.action for a in await audit.recent(harness.db)]
    assert actions.count("markup") == 5 and "hide" in actions and "show" in actions


async def test_sync_reports_changes(harness: BotHarness) -> None:
    harness.fake_panel.services[1]["rate"] = "0.0720"
    harness.fake_panel.services.pop(0)
    calls = await harness.admin("/sync")
    text = sent(calls)[-1].text
    assert "removed: 1" in text and "price changes: 1" in text
    assert "#2 IG Likes: 0.036 USD → 0.072 USD" in text
    harness.fake_panel.fail(Fault.HTML_502, times=None)
    assert "sync failed" in sent(await harness.admin("/sync"))[-1].text


async def test_automatic_sync_report_and_low_balance_alerts(harness: BotHarness) -> None:
    from decimal import Decimal

    from bot.services import catalog

    settings = harness.settings.model_copy(update={"panel_low_balance": Decimal(200)})
    report_to_group = alerts.catalog_reporter(harness.db, harness.panel, settings)
    harness.fake_panel.services[1]["rate"] = "0.0720"
    await report_to_group(await catalog.sync(harness.db, harness.panel))
    await report_to_group(await catalog.sync(harness.db, harness.panel))  # nothing new
    keys = [r["key"] for r in await outbox_rows(harness, ADMIN_CHAT)]
    assert keys == ["admin-alert-catalog", "admin-alert-low-balance"]
    harness.fake_panel.balance = Decimal(500)
    await alerts.check_panel_balance(harness.db, harness.panel, settings)
    harness.fake_panel.balance = Decimal(5)
    await alerts.check_panel_balance(harness.db, harness.panel, settings)
    keys = [r["key"] for r in await outbox_rows(harness, ADMIN_CHAT)]
    assert keys.count("admin-alert-low-balance") == 2
    assert "catalog-sync" in harness.supervisor.factories


# --------------------------------------------------------------------------- maintenance


async def test_maintenance_blocks_ordering_and_tells_users(harness: BotHarness) -> None:
    await add_user(harness.db, 1001, balance=to_micros(10))
    assert "Maintenance is on" in sent(await harness.admin("/maintenance on"))[-1].text
    assert "is on" in sent(await harness.admin("/maintenance"))[-1].text
    assert "Usage" in sent(await harness.admin("/maintenance maybe"))[-1].text
    draft = Draft(1001, "2", {"link": "https://instagram.com/p/x", "quantity": 100}, 100)
    result = await placing.place_order(
        harness.db, harness.panel, harness.settings, harness.notices, draft, "t1"
    )
    assert result.outcome == "maintenance"
    assert harness.fake_panel.add_calls == []
    assert await wallet.balance(harness.db, 1001) == to_micros(10)
    calls = await harness.send("/start", 1001)
    assert any("under maintenance" in (c.text or "") for c in sent(calls))
    await harness.admin("/maintenance off")
    calls = await harness.send("/start", 1001)
    assert not any("under maintenance" in (c.text or "") for c in sent(calls))
    assert [a.details for a in await audit.recent(harness.db)] == ["off", "on"]


# --------------------------------------------------------------------------- broadcast


async def test_broadcast_copies_to_users_and_reports_counts(harness: BotHarness) -> None:
    from bot.sender import Sender, SenderLimits

    for uid in (2001, 2002, 2003, 2004):
        await add_user(harness.db, uid)
    async with harness.db.transaction() as conn:
        await users.set_blocked(conn, 2003)  # known to have blocked the bot: skipped
        await users.set_banned(conn, 2004, True)  # banned: skipped
    harness.tg.blocked_chats.add(2002)  # blocked the bot since: 403 at send time
    source = harness.tg.make_message(
        "Big sale today!", user_id=777, chat_id=ADMIN_CHAT, chat_type="supergroup"
    )
    harness.tg.messages[(ADMIN_CHAT, source["message_id"])] = source
    message = harness.tg.make_message(
        "/broadcast", user_id=777, chat_id=ADMIN_CHAT, chat_type="supergroup", reply_to=source
    )
    calls = await harness.send_message(message)
    assert "Broadcasting to 2" in sent(calls)[-1].text
    batch = broadcast.broadcast_batch(ADMIN_CHAT, source["message_id"])
    assert f"broadcast-{batch}" in harness.supervisor.factories
    # the same command delivered twice queues nothing more
    calls = await harness.send_message(message)
    assert "already been broadcast" in sent(calls)[-1].text

    stop = asyncio.Event()
    sender = Sender(
        harness.bot, harness.db, harness.core, harness.settings, SenderLimits(idle_poll=0.05)
    )
    task = asyncio.create_task(sender.run(stop))
    try:
        for _ in range(100):
            if (await broadcast.broadcast_counts(harness.db, batch)).done:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    await asyncio.wait_for(harness.supervisor.factories[f"broadcast-{batch}"](), 5)
    assert harness.tg.last_text(ADMIN_CHAT) == (
        "📣 Broadcast finished: 2 recipients, sent 1, blocked 1, failed 0."
    )
    copies = harness.tg.calls_of("copyMessage")
    assert [c.chat_id for c in copies if c.ok] == [2001]
    assert harness.tg.last_text(2001) == "Big sale today!"
    assert "Reply with /broadcast" in sent(await harness.admin("/broadcast"))[-1].text


async def test_audit_lists_actions(harness: BotHarness) -> None:
    assert "No admin actions" in sent(await harness.admin("/audit"))[-1].text
    await add_user(harness.db, 1001)
    await harness.admin("/credit 1001 3 thanks")
    await harness.admin("/ban 1001")
    text = sent(await harness.admin("/audit"))[-1].text
    lines = text.splitlines()[1:]
    assert "777 · ban 1001" in lines[0]
    assert "777 · credit 1001 3.00 USD thanks" in lines[1]


async def test_first_import_reports_only_unsellable_types(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    """The first import into an empty catalog is not news, unless it holds types the shop
    cannot sell: the operators hear about those once."""
    from bot.services import catalog

    fake_panel.services.append(
        {**fake_panel.services[0], "service": "99", "type": "Web Traffic", "name": "Odd"}
    )
    h = BotHarness(tmp_path, fake_tg, fake_panel, sync_catalog=False, database=database_target)
    await h.start()
    try:
        report_to_group = alerts.catalog_reporter(h.db, h.panel, h.settings)
        await report_to_group(await catalog.sync(h.db, h.panel))
        rows = await outbox_rows(h, ADMIN_CHAT)
        assert [r["key"] for r in rows] == ["admin-alert-catalog"]
        text = h.core.get("admin-alert-catalog", "en", **json.loads(rows[0]["params"]))
        assert "Unknown types: #99 'Web Traffic'" in text
    finally:
        await h.stop()


async def test_unusable_catalog_entries_are_reported_once(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    """One absurd entry does not stop the sync; the operators hear which one, once."""
    from bot.services import catalog

    h = BotHarness(tmp_path, fake_tg, fake_panel, sync_catalog=False, database=database_target)
    await h.start()
    try:
        report_to_group = alerts.catalog_reporter(h.db, h.panel, h.settings)
        await report_to_group(await catalog.sync(h.db, h.panel))
        fake_panel.services.append(
            {**fake_panel.services[0], "service": "98", "name": "Absurd", "rate": "1e13"}
        )
        await report_to_group(await catalog.sync(h.db, h.panel))
        await report_to_group(await catalog.sync(h.db, h.panel))
        rows = [r for r in await outbox_rows(h, ADMIN_CHAT) if r["key"] == "admin-alert-catalog"]
        assert len(rows) == 1
        text = h.core.get("admin-alert-catalog", "en", **json.loads(rows[0]["params"]))
        assert "skipped as unusable (not sold): 1" in text and "#98 Absurd" in text
        assert await h.db.fetchval("SELECT count(*) FROM services") == len(fake_panel.services) - 1
    finally:
        await h.stop()
