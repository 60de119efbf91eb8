"""Promo codes through the real dispatcher: operators make, list and switch off codes;
customers redeem them (button or deep link) with a distinct answer for each refusal; the last
use goes to exactly one of two customers racing for it; once per customer; the brute-force
lock; a top-up bonus credited with a paid top-up and an order discount on the summary and the
charge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.keyboards.menu import MenuCb
from bot.payments import crypto_service
from bot.payments.cryptopay import CryptoPayClient
from bot.payments.models import PaymentConfig
from bot.services import promo, wallet
from tests.fakes.cryptopay import FakeCryptoPay
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import Call, FakeTelegram
from tests.harness import BotHarness
from tests.helpers import add_user, assert_ledger_consistent
from tests.payments_shop import customer, outbox, pay_stars, payments_harness, stars_invoice
from tests.test_mass_order import confirm_buttons, open_mass_order
from tests.test_order_dialog import LINK, confirm_data, text_of, walk_to_summary

A = 3001
B = 3002


def text(calls: list[Call]) -> str:
    return next(c.text for c in reversed(calls) if c.text)


async def promo_rows(h: BotHarness, user_id: int) -> list[tuple[str, int]]:
    rows = await h.db.fetchall(
        "SELECT ref, amount FROM ledger WHERE user_id = ? AND kind = 'promo' ORDER BY id",
        (user_id,),
    )
    return [(str(r[0]), int(r[1])) for r in rows]


@pytest.fixture
async def h(harness: BotHarness) -> BotHarness:
    for user in (A, B):
        await harness.send("/start", user)
    return harness


async def test_amount_code_by_button_and_by_link_case_insensitive(h: BotHarness) -> None:
    answer = text(await h.admin("/promo add Welcome5 5 uses=10"))
    assert "Promo code welcome5 created: 5.00 USD" in answer
    # the balance screen's button, then the code typed in other letters
    calls = await h.press(MenuCb(action="balance"), A)
    buttons = [label for call in calls for label, _ in h.buttons(call)]
    assert "🎟 Promo code" in buttons
    assert "Type your promo code" in text(await h.press(MenuCb(action="promo"), A))
    assert "5.00 USD added to your balance" in text(await h.send("WELCOME5", A))
    assert await promo_rows(h, A) == [(f"promo:welcome5:{A}", 5_000_000)]
    # the deep link
    assert "5.00 USD added" in text(await h.send("/start promo-welcome5", B))
    # once per customer
    assert "already used this promo code" in text(await h.send("/start promo-WELCOME5", A))
    assert await wallet.balance(h.db, A) == 5_000_000
    await assert_ledger_consistent(h.db)
    listing = text(await h.admin("/promo list"))
    assert "welcome5 · 5.00 USD · 2/10 · — · active" in listing
    assert not h.errors


async def test_distinct_answers_unknown_expired_used_up_off(h: BotHarness) -> None:
    answer = text(await h.admin("/promo add old 1 until=2020-01-31"))
    assert "already past, so it is expired" in answer
    await h.admin("/promo add once 1 uses=1")
    await h.admin("/promo add gone 1")
    assert "switched off" in text(await h.admin("/promo off GONE"))
    assert "No active promo code" in text(await h.admin("/promo off gone"))
    assert "expired" not in text(await h.admin("/promo add later 2 until=2999-12-31"))

    assert "no such promo code" in text(await h.send("/start promo-nope", A))
    assert "has expired" in text(await h.send("/start promo-old", A))
    assert "has expired" in text(await h.send("/start promo-gone", A))  # off
    assert "added to your balance" in text(await h.send("/start promo-once", A))
    assert "has been used up" in text(await h.send("/start promo-once", B))
    assert "added to your balance" in text(await h.send("/start promo-later", B))
    assert await promo_rows(h, B) == [(f"promo:later:{B}", 2_000_000)]
    listing = text(await h.admin("/promo list"))
    assert "old · 1.00 USD · 0/∞ · 2020-01-31 · expired" in listing
    assert "once · 1.00 USD · 1/1 · — · used up" in listing
    assert "gone · 1.00 USD · 0/∞ · — · off" in listing
    # Russian answers are their own texts
    ru = await h.send("/start promo-nope", 3003, language_code="ru")
    assert "Такого промокода нет" in text(ru)
    assert not h.errors


async def test_last_use_goes_to_exactly_one_of_two_racing_customers(h: BotHarness) -> None:
    await h.admin("/promo add last 3 uses=2")
    await h.send("/start promo-last", 3003)  # one use is left
    results = await asyncio.gather(h.send("/start promo-last", A), h.send("/start promo-last", B))
    answers = sorted(text(calls) for calls in results)
    assert sum("added to your balance" in a for a in answers) == 1, answers
    assert sum("has been used up" in a for a in answers) == 1, answers
    assert await h.db.fetchval("SELECT used FROM promo_codes WHERE code = 'last'") == 2
    winners = await h.db.fetchval("SELECT COUNT(*) FROM ledger WHERE ref LIKE 'promo:last:%'")
    assert winners == 2
    await assert_ledger_consistent(h.db)


async def test_same_customer_twice_at_once_gets_it_once(h: BotHarness) -> None:
    await h.admin("/promo add twice 1 uses=5")
    outcomes = await asyncio.gather(*(promo.redeem(h.db, A, "twice") for _ in range(2)))
    assert sorted(o.outcome for o in outcomes) == ["already", "credited"]
    assert await h.db.fetchval("SELECT used FROM promo_codes WHERE code = 'twice'") == 1


async def test_ten_wrong_codes_lock_the_entry_for_an_hour(h: BotHarness) -> None:
    h.dp["flood"].limit = 10**9  # many messages quickly: not a flood test
    await h.admin("/promo add real 1")
    for n in range(10):
        assert "no such promo code" in text(await h.send(f"/start promo-wrong{n}", A))
    locked = text(await h.send("/start promo-real", A))
    assert "locked for 60 minutes" in locked
    await h.press(MenuCb(action="promo"), A)
    assert "locked" in text(await h.send("real", A))
    assert "added to your balance" in text(await h.send("/start promo-real", B))  # others not
    # an hour later the entry opens again (the attempts are rows: move them back in time)
    await h.db.execute("UPDATE promo_attempts SET at = at - 3601")
    assert "added to your balance" in text(await h.send("/start promo-real", A))
    # ten wrong codes spread over more than 10 minutes lock nothing
    await h.db.execute("DELETE FROM promo_attempts")
    await h.admin("/promo add real2 1")
    for n in range(10):
        await h.send(f"/start promo-wrong{n}", A)
        await h.db.execute("UPDATE promo_attempts SET at = at - 70")
    assert "added to your balance" in text(await h.send("/start promo-real2", A))
    assert not h.errors


async def test_admin_syntax_errors(h: BotHarness) -> None:
    cases = {
        "/promo": "Usage:",
        "/promo add x": "Usage:",
        "/promo add ab 10%": "10%:topup",
        "/promo add ab 0%:order": "is not a percent code",
        "/promo add ab 101%:order": "is not a percent code",
        "/promo add ab abc": "is not an amount",
        "/promo add a! 5": "cannot be a code",
        "/promo add ab 5 uses=0": "not a valid option",
        "/promo add ab 5 per_user=2": "not a valid option",
        "/promo add ab 5 until=tomorrow": "not a valid option",
        "/promo add ab 5 colour=red": "not a valid option",
    }
    for command, expected in cases.items():
        assert expected in text(await h.admin(command)), command
    await h.admin("/promo add dup 5")
    assert "exists already" in text(await h.admin("/promo add DUP 6"))
    assert "admin-promo-add" not in text(await h.admin("/audit"))
    assert "promo-add dup" in text(await h.admin("/audit"))


async def test_order_discount_on_the_summary_and_the_charge(h: BotHarness) -> None:
    await add_user(h.db, 1001, balance=100_000_000)
    await h.admin("/promo add sale 20%:order")
    assert "next order is 20% cheaper" in text(await h.send("/start promo-sale"))
    calls = await walk_to_summary(h, "3", [LINK])  # a package: 2.50
    summary = text_of(calls)
    assert "Promo code sale: −0.50 USD" in summary and "Total: 2.00 USD" in summary
    await h.press(confirm_data(h, calls))
    order = await h.db.fetchone("SELECT id, charge FROM orders WHERE user_id = 1001")
    assert order is not None and order["charge"] == 2_000_000
    assert await promo_rows(h, 1001) == [("promo:sale:1001", 0)]  # the use; the money: charge
    assert await wallet.balance(h.db, 1001) == 98_000_000
    # spent: the next summary is at full price
    calls = await walk_to_summary(h, "3", [LINK + "2"])
    assert "Promo code" not in text_of(calls) and "Total: 2.50 USD" in text_of(calls)
    await assert_ledger_consistent(h.db)


async def test_a_mass_order_leaves_the_order_discount_pending(h: BotHarness) -> None:
    """A pending order discount is for one order: a mass order's lines are priced and
    charged without it (else every line would show it and all but one would fail at
    Confirm), and it still waits for the next single order."""
    await add_user(h.db, 1001, balance=100_000_000)
    await h.admin("/promo add sale 20%:order")
    await h.send("/start promo-sale")
    await open_mass_order(h)
    calls = await h.send("\n".join(f"2 | https://instagram.com/p/m{n} | 1000" for n in range(3)))
    assert "Promo code" not in text(calls)
    [(_, confirm)] = confirm_buttons(h, calls)
    await h.press(confirm)
    assert len(h.fake_panel.add_calls) == 3
    charges = await h.db.fetchall("SELECT charge FROM orders WHERE user_id = 1001")
    assert [int(r[0]) for r in charges] == [36_000] * 3  # 0.036 per 1000: full price
    assert await promo_rows(h, 1001) == []  # not used
    calls = await walk_to_summary(h, "3", [LINK])
    assert "Promo code sale: −0.50 USD" in text_of(calls)
    await assert_ledger_consistent(h.db)


@pytest.fixture
async def shop(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    h = payments_harness(tmp_path, fake_tg, fake_panel)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def test_topup_bonus_credited_with_the_payment(shop: BotHarness) -> None:
    h = shop
    await customer(h, A)
    await h.admin("/promo add boost 10%:topup min_topup=20")
    answer = text(await h.send("/start promo-boost", A))
    assert "next top-up of at least 20.00 USD gets a 10% bonus" in answer
    await h.admin("/promo add more 5%:topup")
    assert "already have a promo bonus" in text(await h.send("/start promo-more", A))
    await stars_invoice(h, 10_000_000, user_id=A)  # below the minimum: no bonus yet
    await pay_stars(h, A)
    assert await promo_rows(h, A) == []
    await stars_invoice(h, 25_000_000, user_id=A)
    await pay_stars(h, A)
    assert await promo_rows(h, A) == [(f"promo:boost:{A}", 2_500_000)]
    assert await wallet.balance(h.db, A) == 37_500_000
    told = await outbox(h, A, "promo-bonus-credited")
    assert told == [{"code": "boost", "amount": "2.50 USD", "balance": "37.50 USD"}]
    await stars_invoice(h, 25_000_000, user_id=A)  # used: the next top-up has none
    await pay_stars(h, A)
    assert await wallet.balance(h.db, A) == 62_500_000
    await assert_ledger_consistent(h.db)
    assert not h.errors


async def test_topup_bonus_with_a_crypto_payment(
    db: Database, fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    """The Crypto Pay credit path gives the bonus too, in the payment's transaction."""
    await add_user(db, A)
    await db.execute("INSERT INTO kv (key, value) VALUES ('currency', 'USD')")
    assert await promo.create(db, 777, promo.parse_spec(["cb", "12.5%:topup"]))
    assert (await promo.redeem(db, A, "CB")).outcome == "pending"
    config = PaymentConfig(
        admin_chat_id=-100, topup_min=1_000_000, topup_max=500_000_000, crypto_assets=("USDT",)
    )
    topup = await crypto_service.create_crypto_topup(
        db, cryptopay_client, config, A, 8_000_000, description="Top-up"
    )
    fake_cryptopay.pay(topup.invoice_id, asset="USDT", fiat_rate="1")
    await crypto_service.poll_crypto(db, cryptopay_client, config)
    assert await wallet.balance(db, A) == 9_000_000  # 8.00 + 12.5%
    rows = await db.fetchall("SELECT ref, amount FROM ledger WHERE user_id = ? ORDER BY id", (A,))
    assert [tuple(r) for r in rows][-1] == (f"promo:cb:{A}", 1_000_000)
    await assert_ledger_consistent(db)
