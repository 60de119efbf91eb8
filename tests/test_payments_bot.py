"""Top-ups through the real dispatcher: the balance screen, amounts, a Stars invoice, the
pre-checkout answer (also while the user's previous update is stuck), the successful
payment (also twice), Crypto Pay invoices, and the background reconciliation and polling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bot.keyboards.menu import MenuCb
from bot.keyboards.orders import OrderCb
from bot.keyboards.payments import SupportCb, TopupCb
from bot.payments.loops import CryptoPoller
from bot.services.maintenance import set_maintenance
from bot.services.orders import placing
from bot.services.orders.placing import Draft
from tests.fakes.cryptopay import FakeCryptoPay, Fault
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import ADMIN_CHAT, BotHarness
from tests.payments_shop import (
    MICRO,
    USER,
    alerts,
    balance,
    balance_screen,
    customer,
    ledger,
    outbox,
    pay_stars,
    payment_id_of,
    payments_harness,
    pre_checkout,
    run_for,
    shown,
    stars_invoice,
)


@pytest.fixture
async def cp() -> AsyncIterator[FakeCryptoPay]:
    async with FakeCryptoPay() as fake:
        yield fake


@pytest.fixture
async def shop(
    tmp_path: Path,
    database_target: Path | str,
    fake_tg: FakeTelegram,
    fake_panel: FakePanel,
    cp: FakeCryptoPay,
) -> AsyncIterator[BotHarness]:
    h = payments_harness(tmp_path, fake_tg, fake_panel, cp, database=database_target)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


# --------------------------------------------------------------------------- screens


async def test_balance_screen_offers_top_up_when_a_method_is_on(shop: BotHarness) -> None:
    await customer(shop)
    screen = await balance_screen(shop)
    assert "press “➕ Top up”" in (screen.text or "")
    data = [d for _, d in shop.buttons(screen)]
    assert data[0] == TopupCb(action="menu").pack()
    amounts = shown(await shop.press(TopupCb(action="menu")))
    assert "from 1.00 USD to 500.00 USD" in (amounts.text or "")
    buttons = shop.buttons(amounts)
    assert [t for t, _ in buttons[:4]] == ["1.00 USD", "5.00 USD", "10.00 USD", "25.00 USD"]
    assert ("✏️ Other amount", TopupCb(action="other").pack()) in buttons


async def test_balance_screen_without_methods_points_to_support(harness: BotHarness) -> None:
    await customer(harness)
    screen = await balance_screen(harness)
    text = screen.text or ""
    assert "Write to support" in text and "Top up”" not in text
    data = [d for _, d in harness.buttons(screen)]
    assert TopupCb(action="menu").pack() not in data  # no dead button
    assert SupportCb(topic="payments").pack() in data
    # an old Top up button says the method is off instead of showing an empty screen
    calls = await harness.press(TopupCb(action="menu"))
    assert alerts(calls) == ["This way to pay is not available right now."]


async def test_pay_screen_shows_the_price_in_stars(shop: BotHarness) -> None:
    await customer(shop)
    screen = shown(await shop.press(TopupCb(action="amount", amount=10 * MICRO)))
    text = screen.text or ""
    assert "Top-up of 10.00 USD" in text
    assert "770 ⭐ (1 ⭐ = 0.013 USD)" in text  # 10 / 0.013 = 769.2, rounded up
    assert "USDT, TON, BTC" in text
    labels = [t for t, _ in shop.buttons(screen)]
    assert labels[:2] == ["⭐ Pay 770 Stars", "💎 Pay with crypto (CryptoBot)"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0", "The amount must be more than zero."),
        ("-5", "The amount must be more than zero."),
        ("1e9", "Please send just the amount as a number"),
        ("abc", "Please send just the amount as a number"),
        ("501", "The largest top-up is 500.00 USD."),
        ("0.5", "The smallest top-up is 1.00 USD."),
        ("1.234", "at most two decimals"),
    ],
)
async def test_typed_amounts_that_cannot_be_used(
    shop: BotHarness, typed: str, expected: str
) -> None:
    await customer(shop)
    await shop.press(TopupCb(action="other"))
    answer = shown(await shop.send(typed))
    assert expected in (answer.text or "")
    assert "Send the amount in USD" in (answer.text or "")  # asked again
    # still waiting for an amount: a good one goes on to the payment screen
    assert "Top-up of 12.50 USD" in (shown(await shop.send("12,50")).text or "")


async def test_typed_amount_errors_in_russian_and_the_stars_only_limit(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    # Stars only: one invoice carries at most 10000 Stars = 130 USD at 0.013
    h = payments_harness(tmp_path, fake_tg, fake_panel, database=database_target)
    await h.start()
    try:
        await customer(h, lang="ru")
        await h.press(TopupCb(action="other"), language_code="ru")
        answer = shown(await h.send("200", language_code="ru"))
        assert "Максимальное пополнение — 130,00 USD." in (answer.text or "")
        answer = shown(await h.send("abc", language_code="ru"))
        assert "Пришлите только сумму числом" in (answer.text or "")
    finally:
        await h.stop()


# --------------------------------------------------------------------------- Stars


async def test_a_full_stars_top_up(shop: BotHarness) -> None:
    await customer(shop)
    invoice = await stars_invoice(shop, 10 * MICRO)
    assert invoice["currency"] == "XTR"
    assert not invoice.get("provider_token")  # Stars: no payment provider
    assert invoice["prices"] == [{"label": "Top-up 10.00 USD", "amount": 770}]
    assert invoice["start_parameter"]
    assert invoice["title"] == "Balance top-up"
    answer, paid = await pay_stars(shop)
    assert answer["after"] < 1.0
    charge = paid["successful_payment"]["telegram_payment_charge_id"]
    assert await ledger(shop) == [(f"stars:{charge}", 10 * MICRO, "topup")]
    assert await balance(shop) == 10 * MICRO
    receipts = await outbox(shop, USER, "payments-receipt-stars")
    assert receipts == [{"amount": "10.00 USD", "balance": "10.00 USD", "stars": 770}]
    row = await shop.db.fetchone(
        "SELECT status, credited, stars, provider_charge_id FROM payments WHERE id = ?",
        (payment_id_of(invoice),),
    )
    assert tuple(row) == ("paid", 10 * MICRO, 770, charge)
    history = (await balance_screen(shop)).text or ""
    assert "Top-up (Telegram Stars) · +10.00 USD" in history


async def test_the_receipt_goes_out_through_the_sender(shop: BotHarness) -> None:
    await customer(shop)
    await stars_invoice(shop, 5 * MICRO)
    sender = asyncio.ensure_future(shop.supervisor.factories["outbox-sender"]())
    try:
        await asyncio.sleep(1.2)  # the sender's start delay
        await pay_stars(shop)
        sent = await shop.tg.wait_for(
            "sendMessage",
            predicate=lambda c: c.chat_id == USER and "Payment received" in (c.text or ""),
        )
        assert sent[0].text == "✅ Payment received: 385 ⭐ → 5.00 USD. Your balance: 5.00 USD."
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)


async def test_the_same_successful_payment_twice_credits_once(shop: BotHarness) -> None:
    await customer(shop)
    await stars_invoice(shop, 10 * MICRO)
    _, paid = await pay_stars(shop)
    again = shop.tg.make_update(message=dict(paid, message_id=paid["message_id"] + 1))
    await shop.tg.feed(shop.dp, shop.bot, again)
    await shop.tg.feed(shop.dp, shop.bot, shop.tg.make_update(message=paid))
    assert len(await ledger(shop)) == 1
    assert await balance(shop) == 10 * MICRO
    assert len(await outbox(shop, USER, "payments-receipt-stars")) == 1
    assert shop.errors == []


async def test_a_banned_customer_who_paid_is_still_credited(shop: BotHarness) -> None:
    await customer(shop)
    await stars_invoice(shop, 5 * MICRO)
    query = shop.tg.make_pre_checkout_query()
    await shop.tg.feed(shop.dp, shop.bot, shop.tg.make_update(pre_checkout_query=query))
    await shop.db.execute("UPDATE users SET is_banned = 1 WHERE id = ?", (USER,))
    paid = shop.tg.make_successful_payment()
    await shop.tg.feed(shop.dp, shop.bot, shop.tg.make_update(message=paid))
    assert await balance(shop) == 5 * MICRO


async def test_pre_checkout_says_no_with_a_reason_for_each_problem(shop: BotHarness) -> None:
    await customer(shop)
    invoice = await stars_invoice(shop, 5 * MICRO)
    payment_id = payment_id_of(invoice)

    wrong = await pre_checkout(shop, invoice_payload="topup:1:2:3", total_amount=385)
    assert wrong["ok"] is False
    assert wrong["error_message"] == "This invoice is not valid. Please start a new top-up."

    await set_maintenance(shop.db, 777, True)
    answer = await pre_checkout(shop)
    assert answer["error_message"].startswith("The shop is under maintenance")
    await set_maintenance(shop.db, 777, False)

    await shop.db.execute("UPDATE users SET is_banned = 1 WHERE id = ?", (USER,))
    answer = await pre_checkout(shop, lang="ru")
    assert answer["error_message"] == (
        "С вашего аккаунта нельзя пополнять баланс. Напишите в поддержку."
    )
    await shop.db.execute("UPDATE users SET is_banned = 0 WHERE id = ?", (USER,))

    await shop.db.execute(
        "UPDATE payments SET expires_at = ? WHERE id = ?", (int(time.time()) - 1, payment_id)
    )
    answer = await pre_checkout(shop)
    assert answer["error_message"].startswith("This invoice has expired")
    await shop.db.execute(
        "UPDATE payments SET expires_at = ? WHERE id = ?", (int(time.time()) + 3600, payment_id)
    )

    # the operator changes STARS_RATE: the old invoice's price no longer holds
    shop.overrides["stars_rate"] = Decimal("0.02")
    await shop.restart()
    answer = await pre_checkout(shop)
    assert answer["error_message"].startswith("The Stars price has changed")

    # ... or turns Stars off
    shop.overrides["stars_rate"] = None
    await shop.restart()
    answer = await pre_checkout(shop)
    assert answer["error_message"] == "Payments in Stars are not available right now."
    assert all(a["after"] < 1.0 for a in shop.tg.pre_checkout_answers.values())
    assert shop.errors == []


async def test_pre_checkout_is_answered_while_the_users_previous_update_waits_on_the_panel(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    h = payments_harness(
        tmp_path, fake_tg, fake_panel, panel_read_timeout=10.0, database=database_target
    )
    await h.start()
    try:
        await customer(h)
        await h.db.execute("UPDATE users SET balance = ? WHERE id = ?", (5 * MICRO, USER))
        await h.db.execute(
            "INSERT INTO ledger (user_id, amount, balance_after, kind, ref, created_at)"
            " VALUES (?, ?, ?, 'credit', 'test:seed', 0)",
            (USER, 5 * MICRO, 5 * MICRO),
        )
        link = "https://instagram.com/p/1"
        draft = Draft(USER, "2", {"link": link, "quantity": 1000}, 1000, link)
        placed = await placing.place_order(h.db, h.panel, h.settings, h.notices, draft, "tok-1")
        assert placed.order_id is not None
        await stars_invoice(h, 5 * MICRO)
        fake_panel.delay = 3.0  # the panel is slow: Refresh holds the user's lock for 3 s
        refresh = asyncio.ensure_future(
            h.press(OrderCb(action="refresh", order_id=placed.order_id))
        )
        await asyncio.sleep(0.3)
        assert not refresh.done()
        answer = await asyncio.wait_for(pre_checkout(h), 2.0)
        assert answer["ok"] is True
        assert answer["after"] < 1.0
        assert not refresh.done()  # answered ahead of the update still holding the lock
        await refresh
        assert h.errors == []
    finally:
        fake_panel.delay = 0
        await h.stop()


# --------------------------------------------------------------------------- reconciliation


async def test_a_lost_payment_is_credited_by_reconciliation_once(shop: BotHarness) -> None:
    await customer(shop)
    invoice = await stars_invoice(shop, 10 * MICRO)
    # paid an hour ago; its update never reached the bot
    charge = shop.tg.add_star_transaction(
        770, invoice["payload"], user_id=USER, date=int(time.time()) - 3600
    )
    # and a payment of a moment ago, whose update is still on its way: left for later
    fresh = await stars_invoice(shop, 1 * MICRO)
    shop.tg.add_star_transaction(77, fresh["payload"], user_id=USER)
    reconcile = shop.supervisor.factories["stars-reconcile"]

    async def credited() -> bool:
        return len(await ledger(shop)) == 1

    await run_for(reconcile, credited, timeout=5)
    assert await ledger(shop) == [(f"stars:{charge}", 10 * MICRO, "topup")]
    alerts_sent = await outbox(shop, ADMIN_CHAT, "payments-alert-recovered")
    assert len(alerts_sent) == 1 and alerts_sent[0]["stars"] == 770
    assert len(await outbox(shop, USER, "payments-receipt-stars")) == 1

    calls = len(shop.tg.calls_of("getStarTransactions"))

    async def passed_again() -> bool:
        return len(shop.tg.calls_of("getStarTransactions")) > calls

    await run_for(reconcile, passed_again, timeout=5)
    await asyncio.sleep(0.1)
    assert await ledger(shop) == [(f"stars:{charge}", 10 * MICRO, "topup")]
    assert len(await outbox(shop, ADMIN_CHAT, "payments-alert-recovered")) == 1
    # the late update of the recovered payment changes nothing either
    paid = shop.tg.make_successful_payment(770, invoice["payload"], charge_id=charge)
    await shop.tg.feed(shop.dp, shop.bot, shop.tg.make_update(message=paid))
    assert len(await ledger(shop)) == 1
    assert len(await outbox(shop, USER, "payments-receipt-stars")) == 1


# --------------------------------------------------------------------------- Crypto Pay


async def test_a_full_crypto_pay_top_up(shop: BotHarness, cp: FakeCryptoPay) -> None:
    await customer(shop)
    calls = await shop.press(TopupCb(action="crypto", amount=10 * MICRO))
    screen = shown(calls)
    assert "Your invoice for 10.00 USD is ready" in (screen.text or "")
    [created] = cp.calls("createInvoice")
    assert (created["currency_type"], created["fiat"], created["amount"]) == ("fiat", "USD", "10")
    assert created["accepted_assets"] == "USDT,TON,BTC"
    [invoice] = cp.invoices.values()
    url_buttons = [b for row in screen.reply_markup["inline_keyboard"] for b in row if b.get("url")]
    assert url_buttons[0]["url"] == f"https://t.me/CryptoBot?start={invoice.hash}"
    assert url_buttons[0]["text"] == "💎 Pay 10.00 USD in CryptoBot"

    cp.pay(invoice.invoice_id, asset="TON", fiat_rate="5")

    async def credited() -> bool:
        return await balance(shop) == 10 * MICRO

    await run_for(shop.supervisor.factories["cryptopay-poll"], credited, timeout=5)
    assert await ledger(shop) == [(f"cryptopay:{invoice.invoice_id}", 10 * MICRO, "topup")]
    receipts = await outbox(shop, USER, "payments-receipt-cryptopay")
    assert receipts == [{"amount": "10.00 USD", "balance": "10.00 USD", "paid": "2 TON"}]
    history = (await balance_screen(shop)).text or ""
    assert "Top-up (crypto) · +10.00 USD" in history


async def test_a_paid_invoice_seen_by_two_polls_at_once_credits_once(
    shop: BotHarness, cp: FakeCryptoPay
) -> None:
    await customer(shop)
    await shop.press(TopupCb(action="crypto", amount=25 * MICRO))
    [invoice] = cp.invoices.values()
    cp.pay(invoice.invoice_id)
    cp.delay = 0.05  # both polls have their answer in hand before either credits
    client = shop.dp["cryptopay"]
    polls = [CryptoPoller(shop.db, client, shop.dp["payments"]) for _ in range(2)]
    changed = await asyncio.gather(*(p.once() for p in polls))
    assert sorted(changed) == [False, True]
    assert len(cp.calls("getInvoices")) >= 2
    assert await ledger(shop) == [(f"cryptopay:{invoice.invoice_id}", 25 * MICRO, "topup")]
    assert len(await outbox(shop, USER, "payments-receipt-cryptopay")) == 1


async def test_crypto_pay_not_answering_says_we_are_checking(
    shop: BotHarness, cp: FakeCryptoPay
) -> None:
    await customer(shop)
    cp.fail_next(Fault.DROP, methods={"createInvoice"})
    screen = shown(await shop.press(TopupCb(action="crypto", amount=5 * MICRO)))
    assert "there is no payment link this time; we are checking" in (screen.text or "")
    assert len(cp.calls("createInvoice")) == 1  # never sent twice
    cp.fail_next(Fault.RATE_LIMIT, methods={"createInvoice"})
    screen = shown(await shop.press(TopupCb(action="crypto", amount=5 * MICRO)))
    assert "could not make the invoice" in (screen.text or "")
    assert shop.errors == []


async def test_a_button_for_an_amount_out_of_range_is_refused(shop: BotHarness) -> None:
    await customer(shop)
    calls = await shop.press(TopupCb(action="amount", amount=5000 * MICRO))
    assert alerts(calls) == ["The largest top-up is 500.00 USD."]
    calls = await shop.press(TopupCb(action="stars", amount=300 * MICRO))  # > 10000 Stars
    assert alerts(calls) == ["The largest top-up is 130.00 USD."]
    assert shop.tg.calls_of("sendInvoice") == []
    menu = await shop.press(MenuCb(action="balance"))
    assert menu
