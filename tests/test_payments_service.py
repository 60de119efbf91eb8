"""Top-up money flows on a real SQLite file: Stars (credit, reconcile, refund) and Crypto Pay
(create, poll, credit) against the fake Bot API and the fake Crypto Pay API."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from aiogram.exceptions import TelegramBadRequest

from bot.db import Database
from bot.money import localize_params, to_micros
from bot.payments import crypto_service, reports, service
from bot.payments.amounts import TopupAmountError, parse_topup_amount
from bot.payments.cryptopay import CryptoPayClient
from bot.payments.models import PaymentConfig, PaymentUnavailable, StarTx
from bot.payments.stars import make_payload, parse_payload
from bot.services import wallet
from bot.texts import make_core
from tests.fakes.cryptopay import FakeCryptoPay, Fault
from tests.fakes.telegram import FakeTelegram
from tests.helpers import add_user

ADMIN = -1001234567890
USER = 1001
RATE = to_micros("0.013")
CONFIG = PaymentConfig(
    admin_chat_id=ADMIN,
    stars_rate=RATE,
    topup_min=to_micros("1"),
    topup_max=to_micros("500"),
    crypto_assets=("USDT", "TON"),
)


@pytest.fixture
async def shop(db: Database) -> Database:
    await add_user(db, USER)
    await db.execute("INSERT INTO kv (key, value) VALUES ('currency', 'USD')")
    return db


async def _balance(db: Database, user_id: int = USER) -> int:
    return int(await db.fetchval("SELECT balance FROM users WHERE id = ?", (user_id,)))


async def _outbox(db: Database, key_prefix: str) -> list[dict[str, object]]:
    rows = await db.fetchall(
        "SELECT chat_id, key, params FROM outbox WHERE key LIKE ? ORDER BY id", (key_prefix + "%",)
    )
    return [
        {"chat_id": r["chat_id"], "key": r["key"], **localize_params(json.loads(r["params"]), "en")}
        for r in rows
    ]


async def _invariant(db: Database) -> None:
    """Balance equals the sum of the ledger for everyone, refs are unique, and every credited
    payment has exactly the ledger row its provider id names."""
    rows = await db.fetchall(
        "SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS total FROM users u"
        " LEFT JOIN ledger l ON l.user_id = u.id GROUP BY u.id"
    )
    for row in rows:
        assert row["balance"] == row["total"] >= 0, dict(row)
    assert await db.fetchval("SELECT COUNT(*) - COUNT(DISTINCT ref) FROM ledger") == 0
    for p in await db.fetchall(
        "SELECT method, provider_charge_id, credited FROM payments WHERE credited > 0"
    ):
        prefix = "stars" if p["method"] == "stars" else "cryptopay"
        amounts = await db.fetchall(
            "SELECT amount FROM ledger WHERE ref = ?", (f"{prefix}:{p['provider_charge_id']}",)
        )
        assert [a["amount"] for a in amounts] == [p["credited"]]


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0", "not_positive"),
        ("-5", "not_positive"),
        ("1e9", "not_a_number"),
        ("abc", "not_a_number"),
        ("501", "too_large"),
        ("0.5", "too_small"),
        ("1.001", "too_precise"),
    ],
)
async def test_typed_amounts_are_refused_before_anything_is_written(
    shop: Database, text: str, code: str
) -> None:
    with pytest.raises(TopupAmountError) as info:
        amount = parse_topup_amount(text, min_micros=CONFIG.topup_min, max_micros=CONFIG.topup_max)
        await service.create_stars_topup(shop, CONFIG, USER, amount)
    assert info.value.code == code
    assert await shop.fetchval("SELECT COUNT(*) FROM payments") == 0


async def test_stars_limits_and_availability(shop: Database) -> None:
    tiny = PaymentConfig(admin_chat_id=ADMIN, stars_rate=to_micros("0.01"), topup_max=10**12)
    assert tiny.stars_max == to_micros("100")  # 10000 Stars at 0.01 carry at most 100.00
    with pytest.raises(TopupAmountError) as info:
        await service.create_stars_topup(shop, tiny, USER, to_micros("100.01"))
    assert info.value.code == "too_large" and info.value.limit == to_micros("100")
    with pytest.raises(PaymentUnavailable):
        await service.create_stars_topup(shop, PaymentConfig(admin_chat_id=ADMIN), USER, 10**6)


# --------------------------------------------------------------------------- Stars


async def test_create_stars_topup(shop: Database) -> None:
    invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("10"))
    assert invoice.stars == 770 and invoice.rate == RATE and invoice.currency == "USD"
    parsed = parse_payload(invoice.payload)
    assert parsed is not None and parsed.payment_id == invoice.payment_id
    [row] = await reports.list_payments(shop, USER)
    assert (row.status, row.method, row.amount, row.stars) == ("created", "stars", 10**7, 770)
    assert row.invoice_payload == invoice.payload and row.credited is None


async def test_pre_checkout_verdicts(shop: Database) -> None:
    invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("1"), now=1000)

    async def verdict(
        config: PaymentConfig = CONFIG,
        user_id: int = USER,
        payload: str = invoice.payload,
        total: int = invoice.stars,
        currency: str = "XTR",
        now: int = 1010,
    ) -> str:
        return await service.validate_pre_checkout(
            shop,
            config,
            user_id=user_id,
            payload=payload,
            total_amount=total,
            currency=currency,
            now=now,
        )

    assert await verdict() == "ok"
    assert await verdict(user_id=2002) == "invalid"
    assert await verdict(total=invoice.stars - 1) == "invalid"
    assert await verdict(currency="USD") == "invalid"
    assert await verdict(payload="topup:1:1:1") == "invalid"
    forged = make_payload(invoice.payment_id, to_micros("100"), RATE)  # more money, same row
    assert await verdict(payload=forged) == "invalid"
    assert await verdict(payload="garbage") == "invalid"
    assert await verdict(now=1000 + CONFIG.stars_invoice_ttl + 1) == "stale"
    cheaper = PaymentConfig(admin_chat_id=ADMIN, stars_rate=to_micros("0.02"))
    assert await verdict(config=cheaper) == "rate_changed"
    assert await verdict(config=PaymentConfig(admin_chat_id=ADMIN)) == "unavailable"
    await shop.execute("INSERT INTO kv (key, value) VALUES ('maintenance', 'on')")
    assert await verdict() == "maintenance"
    await shop.execute("UPDATE users SET is_banned = 1 WHERE id = ?", (USER,))
    assert await verdict() == "banned"
    await shop.execute("UPDATE users SET is_banned = 0 WHERE id = ?", (USER,))
    await shop.execute("DELETE FROM kv WHERE key = 'maintenance'")
    await service.credit_stars(
        shop,
        CONFIG,
        user_id=USER,
        charge_id="ch1",
        total_amount=invoice.stars,
        payload=invoice.payload,
    )
    assert await verdict() == "stale"  # paid already


async def test_credit_stars_twice_is_one_credit(shop: Database) -> None:
    invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("5"))
    args = {
        "user_id": USER,
        "charge_id": "stxONE",
        "total_amount": invoice.stars,
        "payload": invoice.payload,
    }
    first = await service.credit_stars(shop, CONFIG, **args)
    second = await service.credit_stars(shop, CONFIG, **args)
    assert first.outcome == "credited" and first.credited == to_micros("5")
    assert first.balance == to_micros("5") and first.payment_id == invoice.payment_id
    assert second.outcome == "duplicate" and second.payment_id == invoice.payment_id
    assert await _balance(shop) == to_micros("5")
    ledger = await shop.fetchall(
        "SELECT kind, ref, amount, note FROM ledger WHERE user_id = ?", (USER,)
    )
    assert [tuple(r) for r in ledger] == [("topup", "stars:stxONE", 5_000_000, "stars")]
    [row] = await reports.list_payments(shop, USER)
    assert (row.status, row.provider_charge_id, row.credited) == ("paid", "stxONE", 5_000_000)
    assert (row.paid_amount, row.paid_asset) == (str(invoice.stars), "XTR")
    [receipt] = await _outbox(shop, "payments-receipt")
    assert receipt == {
        "chat_id": USER,
        "key": "payments-receipt-stars",
        "amount": "5.00 USD",
        "balance": "5.00 USD",
        "stars": invoice.stars,
    }
    await _invariant(shop)


async def test_same_charge_at_once_is_one_credit(shop: Database) -> None:
    invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("3"))
    results = await asyncio.gather(
        *(
            service.credit_stars(
                shop,
                CONFIG,
                user_id=USER,
                charge_id="stxRACE",
                total_amount=invoice.stars,
                payload=invoice.payload,
            )
            for _ in range(5)
        )
    )
    assert sorted(r.outcome for r in results) == ["credited"] + ["duplicate"] * 4
    assert await _balance(shop) == to_micros("3")
    await _invariant(shop)


async def test_odd_stars_payments_are_credited_and_flagged(shop: Database) -> None:
    await add_user(shop, 2002)
    invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("2"))
    await service.credit_stars(
        shop,
        CONFIG,
        user_id=USER,
        charge_id="a",
        total_amount=invoice.stars,
        payload=invoice.payload,
    )
    twice = await service.credit_stars(
        shop,
        CONFIG,
        user_id=USER,
        charge_id="b",
        total_amount=invoice.stars,
        payload=invoice.payload,
    )
    other = await service.credit_stars(
        shop,
        CONFIG,
        user_id=2002,
        charge_id="c",
        total_amount=invoice.stars,
        payload=invoice.payload,
    )
    stranger = await service.credit_stars(  # a payer the bot never saw: the money is kept
        shop, CONFIG, user_id=3003, charge_id="d", total_amount=100, payload="???", first_name="Bo"
    )
    assert (twice.outcome, twice.note, twice.credited) == ("flagged", "paid-twice", 2_000_000)
    assert (other.outcome, other.note, other.user_id) == ("flagged", "other-payer", 2002)
    assert (stranger.note, stranger.credited) == ("unmatched", 100 * RATE)
    assert await _balance(shop) == 4_000_000
    assert await _balance(shop, 2002) == 2_000_000
    assert await shop.fetchval("SELECT first_name FROM users WHERE id = 3003") == "Bo"
    alerts = await _outbox(shop, "payments-alert")
    assert [(a["key"], a["chat_id"]) for a in alerts] == [
        ("payments-alert-paid-twice", ADMIN),
        ("payments-alert-other-payer", ADMIN),
        ("payments-alert-unmatched", ADMIN),
    ]
    flagged = [p.id for p in await reports.list_payments(shop) if p.flagged]
    assert len(flagged) == 3
    await _invariant(shop)


async def test_reconcile_credits_a_lost_payment_once(shop: Database, fake_tg: FakeTelegram) -> None:
    invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("1"))
    # paid through the normal path: nothing to recover for it
    ok_charge = fake_tg.add_star_transaction(invoice.stars, invoice.payload, user_id=USER)
    await service.credit_stars(
        shop,
        CONFIG,
        user_id=USER,
        charge_id=ok_charge,
        total_amount=invoice.stars,
        payload=invoice.payload,
    )
    lost_invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("4"))
    lost = fake_tg.add_star_transaction(lost_invoice.stars, lost_invoice.payload, user_id=USER)
    bot = fake_tg.make_bot()
    try:

        async def one_pass() -> service.ReconcileResult:
            offset = await service.stars_cursor(shop)
            answer = await bot.get_star_transactions(offset=offset, limit=100)
            txs = [StarTx.from_api(t) for t in answer.transactions]
            return await service.reconcile_stars(shop, CONFIG, txs, offset)

        first = await one_pass()
        assert [r.charge_id for r in first.recovered] == [f"stars:{lost}"]
        assert first.next_offset == 2 and await service.stars_cursor(shop) == 2
        again = await one_pass()
        assert again.recovered == [] and again.next_offset == 2
        # the whole history again (cursor lost): still nothing twice
        txs = [StarTx.from_api(t) for t in (await bot.get_star_transactions()).transactions]
        assert (await service.reconcile_stars(shop, CONFIG, txs, 0)).recovered == []
    finally:
        await bot.session.close()
    forgotten = await service.create_stars_topup(shop, CONFIG, USER, to_micros("1"), now=1000)
    await service.reconcile_stars(shop, CONFIG, [], await service.stars_cursor(shop))
    row = await reports.find_payment(shop, str(forgotten.payment_id))
    assert row is not None and row.status == "expired"  # never paid, past its expiry
    late = await service.credit_stars(  # the update arrives after all
        shop,
        CONFIG,
        user_id=USER,
        charge_id=lost,
        total_amount=lost_invoice.stars,
        payload=lost_invoice.payload,
    )
    assert late.outcome == "duplicate"
    assert await _balance(shop) == to_micros("5")
    paid_late = await service.credit_stars(  # Telegram took the Stars: credit, even if expired
        shop,
        CONFIG,
        user_id=USER,
        charge_id="stxLate",
        total_amount=forgotten.stars,
        payload=forgotten.payload,
    )
    assert paid_late.outcome == "credited" and paid_late.payment_id == forgotten.payment_id
    assert await _balance(shop) == to_micros("6")
    [row] = [p for p in await reports.list_payments(shop) if p.provider_charge_id == lost]
    assert row.id == lost_invoice.payment_id and row.status == "paid"
    alerts = await _outbox(shop, "payments-alert-recovered")
    assert len(alerts) == 1 and alerts[0]["chat_id"] == ADMIN
    assert alerts[0]["payment_id"] == str(lost_invoice.payment_id)
    assert len(await _outbox(shop, "payments-receipt")) == 3
    await _invariant(shop)


async def _paid_stars(db: Database, amount: str, charge: str, tg: FakeTelegram) -> int:
    invoice = await service.create_stars_topup(db, CONFIG, USER, to_micros(amount))
    tg.add_star_transaction(invoice.stars, invoice.payload, user_id=USER, charge_id=charge)
    await service.credit_stars(
        db,
        CONFIG,
        user_id=USER,
        charge_id=charge,
        total_amount=invoice.stars,
        payload=invoice.payload,
    )
    return invoice.payment_id


async def test_refund_with_enough_balance(shop: Database, fake_tg: FakeTelegram) -> None:
    payment_id = await _paid_stars(shop, "5", "stxR1", fake_tg)
    plan = await service.refund_stars(shop, admin_id=7, ref="stxR1")
    assert plan.outcome == "refund" and plan.debited == to_micros("5") and plan.missing == 0
    assert (plan.user_id, plan.charge_id, plan.payment_id) == (USER, "stxR1", payment_id)
    assert await _balance(shop) == 0  # debited before Telegram is asked
    again = await service.refund_stars(shop, admin_id=7, ref=f"#{payment_id}")  # a retry
    assert again.outcome == "refund" and again.debited == to_micros("5")
    assert await _balance(shop) == 0  # ... without a second debit
    bot = fake_tg.make_bot()
    try:
        assert await bot.refund_star_payment(plan.user_id, plan.charge_id)
        with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
            await bot.refund_star_payment(plan.user_id, plan.charge_id)  # counts as done
    finally:
        await bot.session.close()
    assert await service.mark_stars_refunded(shop, payment_id)
    assert not await service.mark_stars_refunded(shop, payment_id)
    assert (await service.refund_stars(shop, admin_id=7, ref="stxR1")).outcome == "already_refunded"
    row = await reports.find_payment(shop, str(payment_id))
    assert row is not None and row.status == "refunded" and row.refund_debit == to_micros("5")
    ledger = await shop.fetchall("SELECT kind, ref, amount FROM ledger ORDER BY id")
    assert [tuple(r) for r in ledger][-1] == ("topup-refund", "stars-refund:stxR1", -5_000_000)
    [notice] = await _outbox(shop, "payments-refunded")
    assert notice["amount"] == "5.00 USD" and notice["balance"] == "0.00 USD"
    assert await shop.fetchval("SELECT action FROM admin_audit") == "stars-refund"
    await _invariant(shop)


async def test_refund_without_enough_balance(shop: Database, fake_tg: FakeTelegram) -> None:
    payment_id = await _paid_stars(shop, "5", "stxR2", fake_tg)
    async with shop.transaction() as conn:  # the customer spent most of it
        await wallet.apply(conn, USER, -to_micros("4"), kind="charge", ref="order:1:charge")
    plan = await service.refund_stars(shop, admin_id=7, ref="stxR2")
    assert plan.outcome == "insufficient" and plan.missing == to_micros("4")
    assert plan.balance == to_micros("1") and await _balance(shop) == to_micros("1")
    row = await reports.find_payment(shop, "stxR2")
    assert row is not None and row.status == "paid"  # nothing changed
    forced = await service.refund_stars(shop, admin_id=7, ref=str(payment_id), force=True)
    assert forced.outcome == "refund"
    assert forced.debited == to_micros("1") and forced.missing == to_micros("4")
    assert await _balance(shop) == 0
    row = await reports.find_payment(shop, "stxR2")
    assert row is not None and row.status == "refunding" and row.note == "refund-short:4000000"
    await _invariant(shop)


async def test_refund_refusals(shop: Database, fake_tg: FakeTelegram) -> None:
    assert (await service.refund_stars(shop, admin_id=7, ref="nope")).outcome == "not_found"
    assert (await service.refund_stars(shop, admin_id=7, ref="#999")).outcome == "not_found"
    created = await service.create_stars_topup(shop, CONFIG, USER, to_micros("1"))
    plan = await service.refund_stars(shop, admin_id=7, ref=str(created.payment_id))
    assert plan.outcome == "not_paid"  # no charge id: never paid


async def test_reconcile_finishes_a_refund_and_flags_an_outside_one(
    shop: Database, fake_tg: FakeTelegram
) -> None:
    ours = await _paid_stars(shop, "1", "stxMine", fake_tg)
    theirs = await _paid_stars(shop, "2", "stxTheirs", fake_tg)
    plan = await service.refund_stars(shop, admin_id=7, ref="stxMine")
    bot = fake_tg.make_bot()
    try:
        await bot.refund_star_payment(USER, plan.charge_id)  # ... and the bot crashed here
        await bot.refund_star_payment(USER, "stxTheirs")  # refunded by someone else
        txs = [StarTx.from_api(t) for t in (await bot.get_star_transactions()).transactions]
    finally:
        await bot.session.close()
    assert [t.incoming for t in txs] == [True, True, False, False]
    result = await service.reconcile_stars(shop, CONFIG, txs, 0)
    assert result.refunds_confirmed == 1 and result.recovered == []
    mine = await reports.find_payment(shop, str(ours))
    other = await reports.find_payment(shop, str(theirs))
    assert mine is not None and mine.status == "refunded"
    assert other is not None and other.status == "paid" and other.note == "external-refund"
    [alert] = await _outbox(shop, "payments-alert-external-refund")
    assert alert["payment_id"] == str(theirs)


# --------------------------------------------------------------------------- Crypto Pay


async def _crypto(
    db: Database, client: CryptoPayClient, amount: str = "10"
) -> crypto_service.CryptoTopup:
    return await crypto_service.create_crypto_topup(
        db, client, CONFIG, USER, to_micros(amount), description="Top-up"
    )


async def test_crypto_topup_paid_and_credited_once(
    shop: Database, fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    topup = await _crypto(shop, cryptopay_client, "10.50")
    assert topup.outcome == "created" and topup.url and topup.invoice_id in fake_cryptopay.invoices
    [asked] = fake_cryptopay.calls("createInvoice")
    assert (asked["amount"], asked["fiat"], asked["accepted_assets"]) == ("10.5", "USD", "USDT,TON")
    assert parse_payload(asked["payload"]) is not None
    result = await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG)
    assert result.credited == [] and await _balance(shop) == 0  # not paid yet
    fake_cryptopay.pay(topup.invoice_id, asset="TON", fiat_rate="3.5")
    result = await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG)
    [credit] = result.credited
    assert credit.outcome == "credited" and credit.credited == to_micros("10.50")
    assert await _balance(shop) == to_micros("10.50")
    row = await reports.find_payment(shop, str(topup.payment_id))
    assert row is not None and row.status == "paid" and row.paid_asset == "TON"
    assert row.paid_amount == "3.00000000"
    again = await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG)  # no longer open
    assert again.credited == []
    [receipt] = await _outbox(shop, "payments-receipt-cryptopay")
    assert receipt["paid"] == "3 TON" and receipt["amount"] == "10.50 USD"
    await _invariant(shop)


async def test_paid_invoice_seen_by_two_polls_at_once(
    shop: Database, fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    topup = await _crypto(shop, cryptopay_client, "7")
    fake_cryptopay.pay(topup.invoice_id)
    results = await asyncio.gather(
        *(crypto_service.poll_crypto(shop, cryptopay_client, CONFIG) for _ in range(2)),
        *(
            crypto_service.credit_crypto(shop, CONFIG, cp_invoice)
            for cp_invoice in await cryptopay_client.get_invoices(invoice_ids=[topup.invoice_id])
        ),
    )
    outcomes = sorted(
        c.outcome
        for r in results
        for c in (r.credited if isinstance(r, crypto_service.PollResult) else [r])
    )
    assert outcomes.count("credited") == 1 and set(outcomes) <= {"credited", "duplicate"}
    assert await _balance(shop) == to_micros("7")
    assert await shop.fetchval("SELECT COUNT(*) FROM ledger WHERE ref LIKE 'cryptopay:%'") == 1
    await _invariant(shop)


async def test_lost_create_answer_is_found_by_its_payload(
    shop: Database, fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    fake_cryptopay.fail_next(Fault.DROP, methods={"createInvoice"})
    topup = await _crypto(shop, cryptopay_client, "4")
    assert topup.outcome == "unknown"
    row = await reports.find_payment(shop, str(topup.payment_id))
    assert row is not None and row.status == "pending" and row.provider_charge_id is None
    [invoice] = (
        fake_cryptopay.invoices.values()
    )  # it was created after all, and the customer... paid
    assert len(fake_cryptopay.calls("createInvoice")) == 1
    fake_cryptopay.pay(invoice.invoice_id)
    result = await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG)
    assert result.found_lost == 1 and [c.outcome for c in result.credited] == ["credited"]
    row = await reports.find_payment(shop, str(topup.payment_id))
    assert row is not None and row.provider_charge_id == str(invoice.invoice_id)
    assert await _balance(shop) == to_micros("4")
    await _invariant(shop)


async def test_crypto_failures_and_expiry(
    shop: Database, fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    fake_cryptopay.fail_next(Fault.RATE_LIMIT, methods={"createInvoice"})
    refused = await _crypto(shop, cryptopay_client)
    assert refused.outcome == "failed" and not fake_cryptopay.invoices
    row = await reports.find_payment(shop, str(refused.payment_id))
    assert row is not None and row.status == "canceled"

    open_ = await _crypto(shop, cryptopay_client)
    fake_cryptopay.advance(CONFIG.crypto_invoice_ttl + 1)
    result = await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG)
    assert result.expired == 1
    row = await reports.find_payment(shop, str(open_.payment_id))
    assert row is not None and row.status == "expired"

    fake_cryptopay.fail_next(Fault.DROP, methods={"createInvoice"})
    lost = await _crypto(shop, cryptopay_client)
    fake_cryptopay.invoices.clear()  # ... and Crypto Pay never kept it
    later = int(row.created_at) + CONFIG.crypto_invoice_ttl + crypto_service.EXPIRY_GRACE + 10
    await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG, now=later)
    row = await reports.find_payment(shop, str(lost.payment_id))
    assert row is not None and row.status == "expired" and row.note == "never-found"
    assert await _balance(shop) == 0


async def test_crypto_paid_amount_differs_is_credited_and_flagged(
    shop: Database, fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    topup = await _crypto(shop, cryptopay_client, "10")
    fake_cryptopay.pay(topup.invoice_id, amount="9.999999")
    [credit] = (await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG)).credited
    assert (credit.outcome, credit.note, credit.credited) == (
        "flagged",
        "amount-differs",
        9_999_999,
    )
    assert await _balance(shop) == 9_999_999
    [alert] = await _outbox(shop, "payments-alert-amount-differs")
    assert alert["asked"] == "10.00 USD" and alert["paid"] == "9.999999 USD"
    await _invariant(shop)
    await _renders(shop)


async def test_crypto_other_currency_or_foreign_invoice_is_not_credited(
    shop: Database, fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    topup = await _crypto(shop, cryptopay_client, "10")
    fake_cryptopay.invoices[topup.invoice_id].fiat = "EUR"  # paid as another currency than asked
    fake_cryptopay.pay(topup.invoice_id)
    [credit] = (await crypto_service.poll_crypto(shop, cryptopay_client, CONFIG)).credited
    assert (credit.outcome, credit.note, credit.credited) == ("flagged", "currency-differs", 0)
    row = await reports.find_payment(shop, str(topup.payment_id))
    assert row is not None and row.status == "paid" and row.flagged and row.credited == 0
    foreign = await cryptopay_client.create_invoice(
        amount=Decimal(3),
        fiat="USD",
        accepted_assets=["USDT"],
        payload="made by another app of the operator",
        description="x",
        expires_in=60,
    )
    fake_cryptopay.pay(foreign.invoice_id)
    [paid] = await cryptopay_client.get_invoices(invoice_ids=[foreign.invoice_id])
    unknown = await crypto_service.credit_crypto(shop, CONFIG, paid)
    assert unknown.outcome == "unknown" and await _balance(shop) == 0
    assert {a["key"] for a in await _outbox(shop, "payments-alert")} == {
        "payments-alert-currency-differs",
        "payments-alert-crypto-unknown",
    }
    await _invariant(shop)
    await _renders(shop)


async def test_crypto_needs_a_token_and_a_currency_it_takes(
    shop: Database, cryptopay_client: CryptoPayClient
) -> None:
    with pytest.raises(PaymentUnavailable):
        await crypto_service.create_crypto_topup(
            shop, None, CONFIG, USER, to_micros("5"), description="x"
        )
    await shop.execute("UPDATE kv SET value = 'XYZ' WHERE key = 'currency'")
    with pytest.raises(PaymentUnavailable):
        await _crypto(shop, cryptopay_client)
    with pytest.raises(TopupAmountError):
        await crypto_service.create_crypto_topup(
            shop, cryptopay_client, CONFIG, USER, to_micros("501"), description="x"
        )
    assert await shop.fetchval("SELECT COUNT(*) FROM payments") == 0


# --------------------------------------------------------------------------- the whole mix


async def test_ledger_invariant_after_a_mix(
    shop: Database,
    fake_tg: FakeTelegram,
    fake_cryptopay: FakeCryptoPay,
    cryptopay_client: CryptoPayClient,
) -> None:
    await _paid_stars(shop, "3", "m1", fake_tg)
    await _paid_stars(shop, "2", "m2", fake_tg)
    await service.credit_stars(  # a duplicate delivery
        shop, CONFIG, user_id=USER, charge_id="m1", total_amount=231, payload="x"
    )
    plan = await service.refund_stars(shop, admin_id=1, ref="m2")
    await service.mark_stars_refunded(shop, plan.payment_id or 0)
    topup = await _crypto(shop, cryptopay_client, "6")
    fake_cryptopay.pay(topup.invoice_id)
    await asyncio.gather(
        *(crypto_service.poll_crypto(shop, cryptopay_client, CONFIG) for _ in range(3))
    )
    lost = await service.create_stars_topup(shop, CONFIG, USER, to_micros("1.5"))
    charge = fake_tg.add_star_transaction(lost.stars, lost.payload, user_id=USER)
    txs = [
        StarTx(id=t["id"], amount=t["amount"], date=t["date"], incoming="source" in t,
               user_id=USER, transaction_type="invoice_payment",
               payload=(t.get("source") or t.get("receiver"))["invoice_payload"])
        for t in fake_tg.star_transactions
    ]  # fmt: skip
    result = await service.reconcile_stars(shop, CONFIG, txs, 0)
    assert [r.charge_id for r in result.recovered] == [f"stars:{charge}"]
    assert await _balance(shop) == to_micros("3") + to_micros("6") + to_micros("1.5")
    await _invariant(shop)
    income = await reports.income(shop, since=0)
    by_method = {row.method: row for row in income}
    assert by_method["stars"].count == 3 and by_method["stars"].credited == to_micros("6.5")
    assert by_method["stars"].refunded == to_micros("2")
    assert by_method["cryptopay"].credited == to_micros("6")
    assert Decimal(by_method["cryptopay"].count) == 1
    await _renders(shop)


async def _renders(db: Database) -> None:
    """Every message the payments queued renders in every language with its placeholders
    filled (the sender renders them later; a missing key or variable would fail there)."""
    core = make_core("en")
    await core.startup()
    rows = await db.fetchall("SELECT key, params FROM outbox WHERE key LIKE 'payments-%'")
    assert rows
    for row in rows:
        for lang in ("en", "ru"):
            text = core.get(row["key"], lang, **localize_params(json.loads(row["params"]), lang))
            assert text != row["key"] and "{" not in text, (lang, row["key"], text)


async def test_every_alert_renders(shop: Database, fake_tg: FakeTelegram) -> None:
    await add_user(shop, 2002)
    invoice = await service.create_stars_topup(shop, CONFIG, USER, to_micros("2"))
    for charge, user, payload in (
        ("a", USER, invoice.payload),
        ("b", USER, invoice.payload),
        ("c", 2002, invoice.payload),
        ("d", USER, "x"),
    ):
        await service.credit_stars(
            shop,
            CONFIG,
            user_id=user,
            charge_id=charge,
            total_amount=invoice.stars,
            payload=payload,
        )
    plan = await service.refund_stars(shop, admin_id=1, ref="a")
    await service.mark_stars_refunded(shop, plan.payment_id or 0)
    txs = [StarTx("b", invoice.stars, 0, False, USER, "", "invoice_payment", invoice.payload),
           StarTx("z", 5, 0, True, USER, "", "invoice_payment", "topup:1:1:1")]  # fmt: skip
    await service.reconcile_stars(shop, CONFIG, txs, 0)
    keys = {r["key"] for r in await shop.fetchall("SELECT DISTINCT key FROM outbox")}
    assert keys >= {
        "payments-receipt-stars",
        "payments-refunded",
        "payments-alert-paid-twice",
        "payments-alert-other-payer",
        "payments-alert-unmatched",
        "payments-alert-recovered",
        "payments-alert-external-refund",
    }
    await _renders(shop)
