"""Operators and payments through the real dispatcher: /refund (with and without enough
balance, force, Telegram refusing, already refunded), /payments, income in /stats, and
`python -m bot check` reporting Stars and Crypto Pay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services import wallet
from tests.fakes.cryptopay import FakeCryptoPay
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import Call, FakeTelegram
from tests.harness import ADMIN_CHAT, BotHarness
from tests.helpers import bot_env, run_bot
from tests.payments_shop import (
    MICRO,
    USER,
    balance,
    balance_screen,
    customer,
    ledger,
    outbox,
    pay_stars,
    payments_harness,
    stars_invoice,
)


@pytest.fixture
async def shop(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    h = payments_harness(tmp_path, fake_tg, fake_panel, database=database_target)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def paid(h: BotHarness, amount: int) -> tuple[int, str]:
    """A Stars top-up of `amount`: (payment number, charge id)."""
    invoice = await stars_invoice(h, amount)
    _, message = await pay_stars(h)
    payment_id = int(
        await h.db.fetchval(
            "SELECT id FROM payments WHERE invoice_payload = ?", (invoice["payload"],)
        )
    )
    return payment_id, message["successful_payment"]["telegram_payment_charge_id"]


def answer(calls: list[Call]) -> str:
    texts = [c.text for c in calls if c.method == "sendMessage" and c.chat_id == ADMIN_CHAT]
    assert texts, calls
    return str(texts[-1])


async def test_refund_with_enough_balance(shop: BotHarness) -> None:
    await customer(shop)
    payment_id, charge = await paid(shop, 10 * MICRO)
    text = answer(await shop.admin(f"/refund #{payment_id}"))
    assert text == (
        f"↩️ Payment #{payment_id}: 770 ⭐ refunded to user 1001; 10.00 USD taken from their"
        " balance (now 0.00 USD)."
    )
    [call] = shop.tg.calls_of("refundStarPayment")
    assert call.params == {"user_id": USER, "telegram_payment_charge_id": charge}
    assert await ledger(shop) == [
        (f"stars:{charge}", 10 * MICRO, "topup"),
        (f"stars-refund:{charge}", -10 * MICRO, "topup-refund"),
    ]
    status = await shop.db.fetchval("SELECT status FROM payments WHERE id = ?", (payment_id,))
    assert status == "refunded"
    assert len(await outbox(shop, USER, "payments-refunded")) == 1
    assert "Stars refund · −10.00 USD" in ((await balance_screen(shop)).text or "")
    # again: nothing more happens
    again = answer(await shop.admin(f"/refund {charge}"))
    assert again == f"Payment #{payment_id} is already refunded."
    assert len(shop.tg.calls_of("refundStarPayment")) == 1


async def test_refund_without_enough_balance_needs_force(shop: BotHarness) -> None:
    await customer(shop)
    payment_id, charge = await paid(shop, 10 * MICRO)
    await shop.admin(f"/debit {USER} 6")  # spent since
    text = answer(await shop.admin(f"/refund {payment_id}"))
    assert "was not refunded: user 1001 has 4.00 USD, 6.00 USD less than the 10.00 USD" in text
    assert f"/refund {payment_id} force" in text
    assert shop.tg.calls_of("refundStarPayment") == []
    assert await balance(shop) == 4 * MICRO

    text = answer(await shop.admin(f"/refund {payment_id} force"))
    assert "4.00 USD taken from their balance (now 0.00 USD), 6.00 USD could not be taken" in text
    assert len(shop.tg.calls_of("refundStarPayment")) == 1
    assert await balance(shop) == 0
    assert charge in shop.tg.refunded_charges


async def test_telegram_refusing_leaves_it_refunding_and_a_retry_debits_once(
    shop: BotHarness,
) -> None:
    await customer(shop)
    payment_id, charge = await paid(shop, 5 * MICRO)
    shop.tg.fail_next("refundStarPayment", 400, "Bad Request: BALANCE_TOO_LOW")
    text = answer(await shop.admin(f"/refund {payment_id}"))
    assert "Telegram refused the refund (Bad Request: BALANCE_TOO_LOW)" in text
    status = await shop.db.fetchval("SELECT status FROM payments WHERE id = ?", (payment_id,))
    assert status == "refunding" and await balance(shop) == 0
    text = answer(await shop.admin(f"/refund {payment_id}"))
    assert "refunded to user 1001; 5.00 USD taken" in text
    refunds = [r for r in await ledger(shop) if r[2] == "topup-refund"]
    assert refunds == [(f"stars-refund:{charge}", -5 * MICRO, "topup-refund")]
    assert len(shop.tg.calls_of("refundStarPayment")) == 2


async def test_already_refunded_at_telegram_counts_as_done(shop: BotHarness) -> None:
    await customer(shop)
    payment_id, charge = await paid(shop, 5 * MICRO)
    await shop.bot.refund_star_payment(user_id=USER, telegram_payment_charge_id=charge)
    text = answer(await shop.admin(f"/refund {payment_id}"))
    assert "refunded to user 1001" in text
    status = await shop.db.fetchval("SELECT status FROM payments WHERE id = ?", (payment_id,))
    assert status == "refunded"


async def test_refund_usage_and_unknown_payments(shop: BotHarness) -> None:
    await customer(shop)
    assert answer(await shop.admin("/refund")).startswith("Usage: /refund")
    assert answer(await shop.admin("/refund 1 please")).startswith("Usage: /refund")
    assert "No payment “nope”" in answer(await shop.admin("/refund nope"))
    invoice = await stars_invoice(shop, 5 * MICRO)  # sent, never paid
    number = await shop.db.fetchval(
        "SELECT id FROM payments WHERE invoice_payload = ?", (invoice["payload"],)
    )
    assert "was never paid" in answer(await shop.admin(f"/refund {number}"))


async def test_payments_list_and_income_in_stats(shop: BotHarness) -> None:
    await customer(shop)
    await customer(shop, 1002)
    first, _ = await paid(shop, 10 * MICRO)
    await stars_invoice(shop, 5 * MICRO, user_id=1002)
    await pay_stars(shop, user_id=1002)
    await shop.admin(f"/refund {first}")
    everyone = answer(await shop.admin("/payments"))
    assert everyone.startswith("💳 Recent payments (UTC):")
    assert f"#{first} ·" in everyone and "770 ⭐ → 10.00 USD · refunded · user 1001" in everyone
    assert "385 ⭐ → 5.00 USD · paid · user 1002" in everyone
    one = answer(await shop.admin("/payments 1002"))
    assert "user 1001" not in one and "user 1002" in one
    assert answer(await shop.admin("/payments @nobody")).startswith("No user “@nobody”")
    stats = answer(await shop.admin("/stats"))
    assert "💳 Top-ups, last 7 days (UTC):" in stats
    assert "⭐ Stars: 2 → 15.00 USD (refunded 10.00 USD)" in stats


async def test_stats_without_payments(shop: BotHarness) -> None:
    assert "No top-ups in the last 7 days." in answer(await shop.admin("/stats"))


async def test_check_reports_payment_methods(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    async with FakeCryptoPay() as cp:
        env = bot_env(
            tmp_path,
            fake_tg.url,
            fake_panel.url,
            fake_panel.key,
            STARS_RATE="0.013",
            TOPUP_MAX="500",
            CRYPTO_PAY_TOKEN=cp.token,
            CRYPTO_PAY_API_URL=cp.url,
        )
        code, out, err = await run_bot(env, "check", cwd=tmp_path)
        assert code == 0, err
        assert "Telegram Stars: OK, 1 Star = 0.013" in out
        assert "top-ups up to 130.00 (10000 Stars per invoice)" in out
        assert "Crypto Pay: OK, app 'Test shop'" in out
        assert fake_tg.calls_of("getStarTransactions")[0].params == {"limit": 1}
        assert cp.token not in out + err

        env["CRYPTO_PAY_TOKEN"] = "12345:AAwrongToken"
        code, out, err = await run_bot(env, "check", cwd=tmp_path)
        assert code == 1
        assert "CRYPTO_PAY_TOKEN: Crypto Pay rejected the token" in err
        assert "AAwrongToken" not in out + err

    env.pop("STARS_RATE")
    env.pop("CRYPTO_PAY_TOKEN")
    code, out, err = await run_bot(env, "check", cwd=tmp_path)
    assert code == 0, err
    assert "Telegram Stars: off" in out and "Crypto Pay: off" in out


async def test_balance_history_names_the_method(shop: BotHarness) -> None:
    await customer(shop)
    await wallet.top_up(shop.db, USER, MICRO, ref="legacy:1")  # a top-up of unknown method
    await paid(shop, 5 * MICRO)
    text = (await balance_screen(shop)).text or ""
    assert "Top-up · +1.00 USD" in text
    assert "Top-up (Telegram Stars) · +5.00 USD" in text
