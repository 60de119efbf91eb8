"""The ledger invariant over a seeded random mix of money movements through the real bot:
Stars top-ups (some updates delivered twice, some lost and found by reconciliation), Crypto
Pay top-ups (some polled twice at once), refunds (with and without enough balance, with and
without force, Telegram refusing once), operators' debits and orders. At the end every
balance equals the sum of its ledger rows, every ref is unique, and every payment's money
is in the ledger exactly once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.handlers.payments import star_transactions
from bot.keyboards.payments import TopupCb
from bot.money import format_amount
from bot.payments.loops import CryptoPoller, reconcile_stars_once
from bot.services.orders import placing
from bot.services.orders.placing import Draft
from tests.fakes.cryptopay import FakeCryptoPay
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import ADMIN_CHAT, BotHarness
from tests.payments_shop import MICRO, customer, payments_harness, stars_invoice

USERS = (1001, 1002, 1003)
REFUND_OUTCOMES = {  # what the operator is told -> what happened
    "refund-done": "⭐ refunded to user",
    "refund-short": "could not be taken",
    "refund-insufficient": "was not refunded",
    "refund-telegram-refused": "Telegram refused the refund",
    "refund-again": "is already refunded",
}
STEPS = 80


@pytest.fixture
async def cp() -> AsyncIterator[FakeCryptoPay]:
    async with FakeCryptoPay() as fake:
        yield fake


class Mix:
    def __init__(self, h: BotHarness, cp: FakeCryptoPay, rng: random.Random) -> None:
        self.h = h
        self.cp = cp
        self.rng = rng
        self.orders = 0
        self.paid_charges: list[str] = []
        self.counts: dict[str, int] = {}

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    async def stars(self, user: int) -> None:
        amount = self.rng.choice([1, 5, 10, 25]) * MICRO
        invoice = await stars_invoice(self.h, amount, user_id=user)
        tg = self.h.tg
        fate = self.rng.random()
        if fate < 0.2:  # the update is lost: only reconciliation can find it
            stars = invoice["prices"][0]["amount"]
            charge = tg.add_star_transaction(stars, invoice["payload"], user_id=user)
            self.count("stars-lost")
        else:
            query = tg.make_pre_checkout_query(user_id=user)
            await tg.feed(self.h.dp, self.h.bot, tg.make_update(pre_checkout_query=query))
            assert tg.pre_checkout_answers[query["id"]]["ok"]
            paid = tg.make_successful_payment(user_id=user)
            charge = paid["successful_payment"]["telegram_payment_charge_id"]
            await tg.feed(self.h.dp, self.h.bot, tg.make_update(message=paid))
            if fate < 0.45:  # delivered again
                await tg.feed(self.h.dp, self.h.bot, tg.make_update(message=paid))
                self.count("stars-twice")
            self.count("stars")
        self.paid_charges.append(charge)

    async def crypto(self, user: int) -> None:
        amount = self.rng.choice([1, 5, 10]) * MICRO
        before = set(self.cp.invoices)
        await self.h.press(TopupCb(action="crypto", amount=amount), user)
        [invoice_id] = set(self.cp.invoices) - before
        if self.rng.random() < 0.8:
            self.cp.pay(invoice_id)
            self.count("crypto")
        await self.poll()

    async def poll(self) -> None:
        polls = [
            CryptoPoller(self.h.db, self.h.dp["cryptopay"], self.h.dp["payments"])
            for _ in range(self.rng.choice([1, 2]))
        ]
        await asyncio.gather(*(p.once() for p in polls))

    async def reconcile(self) -> None:
        # as if run a few minutes later: past the grace left to updates on their way
        await reconcile_stars_once(
            self.h.db,
            self.h.dp["payments"],
            star_transactions(self.h.bot),
            now=int(time.time()) + 300,
        )
        self.count("reconcile")

    async def refund(self) -> None:
        if not self.paid_charges:
            return
        charge = self.rng.choice(self.paid_charges)
        if self.rng.random() < 0.5:  # the money was spent since
            owner = await self.h.db.fetchval(
                "SELECT user_id FROM payments WHERE provider_charge_id = ?", (charge,)
            )
            if owner is not None:
                await self.debit(int(owner))
        if self.rng.random() < 0.2:
            self.h.tg.fail_next("refundStarPayment", 400, "Bad Request: BALANCE_TOO_LOW")
        force = " force" if self.rng.random() < 0.4 else ""
        calls = await self.h.admin(f"/refund {charge}{force}")
        said = " ".join(c.text or "" for c in calls if c.chat_id == ADMIN_CHAT)
        for outcome, words in REFUND_OUTCOMES.items():
            if words in said:
                self.count(outcome)

    async def debit(self, user: int) -> None:
        """The customer spends most of the balance: later refunds may not be covered."""
        have = await self.h.db.fetchval("SELECT balance FROM users WHERE id = ?", (user,))
        spend = have * self.rng.randint(50, 100) // 100 // 10_000 * 10_000  # whole cents
        if spend > 0:
            await self.h.admin(f"/debit {user} {format_amount(spend)} spent")

    async def order(self, user: int) -> None:
        self.orders += 1
        link = f"https://instagram.com/p/{self.orders}"
        quantity = self.rng.choice([100, 1000, 5000])
        draft = Draft(user, "2", {"link": link, "quantity": quantity}, quantity, link)
        result = await placing.place_order(
            self.h.db, self.h.panel, self.h.settings, self.h.notices, draft, f"t{self.orders}"
        )
        self.count(f"order-{result.outcome}")

    async def step(self) -> None:
        user = self.rng.choice(USERS)
        action = self.rng.choices(
            ["stars", "crypto", "reconcile", "refund", "debit", "order"], [5, 3, 2, 3, 2, 2]
        )[0]
        if action in ("stars", "crypto", "debit", "order"):
            await getattr(self, action)(user)
        else:
            await getattr(self, action)()


async def check_invariant(h: BotHarness) -> None:
    db = h.db
    rows = await db.fetchall(
        "SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS total FROM users u"
        " LEFT JOIN ledger l ON l.user_id = u.id GROUP BY u.id"
    )
    for row in rows:
        assert row["balance"] == row["total"] >= 0, dict(row)
    assert await db.fetchval("SELECT COUNT(*) FROM ledger") == await db.fetchval(
        "SELECT COUNT(DISTINCT ref) FROM ledger"
    )
    payments = await db.fetchall(
        "SELECT id, method, status, credited, provider_charge_id, refund_debit FROM payments"
    )
    money_in = 0
    for p in payments:
        prefix = "stars" if p["method"] == "stars" else "cryptopay"
        credits = await db.fetchall(
            "SELECT amount FROM ledger WHERE ref = ?", (f"{prefix}:{p['provider_charge_id']}",)
        )
        refunds = await db.fetchall(
            "SELECT amount FROM ledger WHERE ref = ?", (f"stars-refund:{p['provider_charge_id']}",)
        )
        if p["status"] in ("paid", "refunding", "refunded"):
            assert [r["amount"] for r in credits] == [p["credited"]], dict(p)
            money_in += p["credited"]
        else:
            assert credits == [], dict(p)
        if p["status"] in ("refunding", "refunded") and p["refund_debit"]:
            assert [r["amount"] for r in refunds] == [-p["refund_debit"]], dict(p)
        else:
            assert refunds == [], dict(p)
    topups = await db.fetchval("SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind = 'topup'")
    assert topups == money_in
    refunded = await db.fetchall(
        "SELECT provider_charge_id FROM payments WHERE status = 'refunded'"
    )
    assert {r[0] for r in refunded} <= h.tg.refunded_charges
    # every receipt once: one per credited payment
    receipts = await db.fetchval("SELECT COUNT(*) FROM outbox WHERE key LIKE 'payments-receipt-%'")
    credited = await db.fetchval(
        "SELECT COUNT(*) FROM payments WHERE status IN ('paid', 'refunding', 'refunded')"
        " AND credited > 0"
    )
    assert receipts == credited


@pytest.mark.parametrize("seed", [7, 2024])
async def test_the_ledger_holds_over_a_random_mix(
    seed: int,
    tmp_path: Path,
    database_target: Path | str,
    fake_tg: FakeTelegram,
    fake_panel: FakePanel,
    cp: FakeCryptoPay,
) -> None:
    h = payments_harness(tmp_path, fake_tg, fake_panel, cp, database=database_target)
    await h.start()
    h.dp["flood"].limit = 10**9  # a busy mix of presses per user: not a flood test
    try:
        for user in USERS:
            await customer(h, user)
        mix = Mix(h, cp, random.Random(seed))
        for _ in range(STEPS):
            await mix.step()
            await check_invariant(h)
        # the end of the day: every lost payment found, every paid invoice polled
        await mix.reconcile()
        await mix.poll()
        await check_invariant(h)
        lost = await h.db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND key = 'payments-alert-recovered'",
            (ADMIN_CHAT,),
        )
        assert lost == mix.counts.get("stars-lost", 0)
        paid = await h.db.fetchval(
            "SELECT COUNT(*) FROM payments WHERE status IN ('paid', 'refunding', 'refunded')"
        )
        assert paid == len(mix.paid_charges) + mix.counts.get("crypto", 0)
        # the mix did what it is for
        assert mix.counts.get("stars-twice") and mix.counts.get("refund-done")
        assert mix.counts.get("refund-insufficient") or mix.counts.get("refund-short")
        assert h.errors == []
    finally:
        await h.stop()
