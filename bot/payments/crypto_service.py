"""Crypto Pay top-ups: the money side (no aiogram).

The payments row is written first, then the invoice is asked for: an answer lost on the way
leaves a `pending` row without an invoice id, which `poll_crypto` later finds by its payload
among the app's invoices (or expires). Paid invoices are credited exactly once with the ledger
ref cryptopay:<invoice id>: two polls at once meet the same ref in serialized transactions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from bot.db import Database, Tx
from bot.money import amount_param, from_micros, to_micros
from bot.payments.amounts import check_topup_amount
from bot.payments.cryptopay import (
    FIAT_CURRENCIES,
    CryptoPayClient,
    CryptoPayError,
    CryptoPayOutcomeUnknown,
    Invoice,
)
from bot.payments.models import CreditResult, PaymentConfig, PaymentUnavailable
from bot.payments.service import (
    alert,
    balance_of,
    ledger_has,
    payment_where,
    receipt,
)
from bot.payments.stars import make_payload, parse_payload
from bot.services import catalog, promo, wallet

log = logging.getLogger(__name__)

LOST_SEARCH_PAGES = 5  # pages of 100 recent invoices searched for a lost createInvoice answer
EXPIRY_GRACE = 300  # seconds after expires_at before a never-seen invoice is given up

CreateOutcome = Literal["created", "failed", "unknown"]


@dataclass(frozen=True)
class CryptoTopup:
    """ "created": send the customer to `url`. "failed": nothing was created (`reason` is
    Crypto Pay's). "unknown": the answer was lost; the poller will find out."""

    outcome: CreateOutcome
    payment_id: int
    amount: int
    currency: str
    invoice_id: int | None = None
    url: str | None = None
    reason: str | None = None


@dataclass
class PollResult:
    credited: list[CreditResult] = field(default_factory=list)
    expired: int = 0
    found_lost: int = 0


async def create_crypto_topup(
    db: Database,
    client: CryptoPayClient | None,
    config: PaymentConfig,
    user_id: int,
    amount: int,
    *,
    description: str,
    now: int | None = None,
) -> CryptoTopup:
    """A Crypto Pay invoice for `amount` micro-units of the shop currency.

    `description` is shown to the customer in CryptoBot (the handler translates it).
    Raises PaymentUnavailable (no token, or a currency Crypto Pay does not take) and
    TopupAmountError outside TOPUP_MIN/TOPUP_MAX.
    """
    if client is None or not config.crypto_assets:
        raise PaymentUnavailable("cryptopay")
    check_topup_amount(amount, min_micros=config.topup_min, max_micros=config.topup_max)
    currency = (await catalog.currency(db)).upper()
    if currency not in FIAT_CURRENCIES:
        raise PaymentUnavailable(f"cryptopay does not take {currency}")
    now = now or int(time.time())
    ttl = config.crypto_invoice_ttl
    async with db.transaction() as conn:
        found = await conn.fetchone(
            "INSERT INTO payments (user_id, method, status, amount, currency, expires_at,"
            " created_at, updated_at) VALUES (?, 'cryptopay', 'pending', ?, ?, ?, ?, ?)"
            " RETURNING id",
            (user_id, amount, currency, now + ttl, now, now),
        )
        assert found is not None
        payment_id = int(found[0])
        payload = make_payload(payment_id, amount)
        await conn.execute(
            "UPDATE payments SET invoice_payload = ? WHERE id = ?", (payload, payment_id)
        )
    try:
        invoice = await client.create_invoice(
            amount=from_micros(amount),
            fiat=currency,
            accepted_assets=config.crypto_assets,
            payload=payload,
            description=description,
            expires_in=ttl,
        )
    except CryptoPayOutcomeUnknown as exc:
        log.warning("payment #%d: %s; the poller will look for the invoice", payment_id, exc)
        return CryptoTopup("unknown", payment_id, amount, currency)
    except CryptoPayError as exc:  # rejected or never sent: nothing exists at Crypto Pay
        await db.execute(
            "UPDATE payments SET status = 'canceled', note = ?, updated_at = ? WHERE id = ?",
            (f"create-failed:{type(exc).__name__}", now, payment_id),
        )
        return CryptoTopup("failed", payment_id, amount, currency, reason=exc.message)
    url = invoice.bot_invoice_url or invoice.mini_app_invoice_url
    await _attach(db, payment_id, invoice, now)
    return CryptoTopup("created", payment_id, amount, currency, invoice.invoice_id, url)


async def _attach(db: Database, payment_id: int, invoice: Invoice, now: int) -> None:
    expires = int(invoice.expiration_date.timestamp()) if invoice.expiration_date else None
    await db.execute(
        "UPDATE payments SET provider_charge_id = ?, invoice_url = ?,"
        " expires_at = COALESCE(?, expires_at), updated_at = ?"
        " WHERE id = ? AND provider_charge_id IS NULL",
        (str(invoice.invoice_id), invoice.bot_invoice_url or None, expires, now, payment_id),
    )


async def credit_crypto(
    db: Database, config: PaymentConfig, invoice: Invoice, now: int | None = None
) -> CreditResult:
    """Credit a paid invoice exactly once (ledger ref cryptopay:<invoice id>).

    Crypto Pay's amount is what is credited; if it differs from what we asked, the payment
    is flagged for the operators. An invoice in another currency than asked is not credited
    (flagged: an operator settles it).
    """
    if not invoice.is_paid:
        raise ValueError(f"invoice {invoice.invoice_id} is {invoice.status}, not paid")
    now = now or int(time.time())
    async with db.transaction() as conn:
        return await _credit(conn, config, invoice, now)


async def _credit(conn: Tx, config: PaymentConfig, invoice: Invoice, now: int) -> CreditResult:
    invoice_id = str(invoice.invoice_id)
    ref = f"cryptopay:{invoice_id}"
    row = await payment_where(
        conn, "method = 'cryptopay' AND provider_charge_id = ?", (invoice_id,)
    )
    if row is None:  # the answer to createInvoice was lost: the payload names the row
        parsed = parse_payload(invoice.payload)
        if parsed is not None and parsed.rate is None:
            row = await payment_where(
                conn,
                "id = ? AND method = 'cryptopay' AND provider_charge_id IS NULL AND amount = ?",
                (parsed.payment_id, parsed.amount),
            )
    if row is None:
        log.warning("paid Crypto Pay invoice %s matches no payment of ours", invoice_id)
        await alert(
            conn,
            config,
            "payments-alert-crypto-unknown",
            f"alert:crypto-unknown:{invoice_id}",
            invoice_id=invoice_id,
            amount=f"{invoice.amount} {invoice.currency}",
        )
        return CreditResult("unknown", charge_id=ref)
    if row.status == "paid" or await ledger_has(conn, ref):
        return CreditResult(
            "duplicate",
            row.id,
            row.user_id,
            row.credited or 0,
            await balance_of(conn, row.user_id),
            row.currency,
            ref,
        )
    note: str | None = None
    amount = to_micros(invoice.amount)
    if invoice.currency_type != "fiat" or invoice.currency.upper() != row.currency.upper():
        note, amount = "currency-differs", 0
    elif amount != row.amount:
        note = "amount-differs"
    if amount > 0 and not await wallet.apply(
        conn, row.user_id, amount, kind="topup", ref=ref, note="cryptopay", now=now
    ):
        raise RuntimeError(f"{ref} was applied inside this transaction")  # checked above
    await conn.execute(
        "UPDATE payments SET status = 'paid', credited = ?, provider_charge_id = ?,"
        " paid_amount = ?, paid_asset = ?, flagged = ?, note = ?, paid_at = ?, updated_at = ?"
        " WHERE id = ?",
        (
            amount,
            invoice_id,
            None if invoice.paid_amount is None else str(invoice.paid_amount),
            invoice.paid_asset,
            int(note is not None),
            note,
            now,
            now,
            row.id,
        ),
    )
    result = CreditResult(
        "flagged" if note else "credited",
        row.id,
        row.user_id,
        amount,
        await balance_of(conn, row.user_id),
        row.currency,
        ref,
        note,
    )
    if amount > 0:
        await receipt(
            conn,
            result,
            "payments-receipt-cryptopay",
            paid=_paid_text(invoice),
        )
    if note is None:  # a clean top-up earns a pending promo bonus (told after the receipt)
        await promo.topup_bonus(conn, row.user_id, amount, now)
    if note:
        await alert(
            conn,
            config,
            f"payments-alert-{note}",
            f"alert:{note}:{ref}",
            payment_id=str(row.id),
            user_id=str(row.user_id),
            asked=amount_param(row.amount, row.currency),
            paid=f"{invoice.amount} {invoice.currency}",
        )
    return result


def _paid_text(invoice: Invoice) -> str:
    """For the receipt: "2 TON", not Crypto Pay's "2.00000000 TON"."""
    if invoice.paid_amount is not None and invoice.paid_asset:
        return f"{_plain(invoice.paid_amount)} {invoice.paid_asset}"
    return f"{_plain(invoice.amount)} {invoice.currency}"


def _plain(amount: Decimal) -> str:
    return f"{amount.normalize():f}"


async def poll_crypto(
    db: Database, client: CryptoPayClient, config: PaymentConfig, now: int | None = None
) -> PollResult:
    """One pass over our open invoices: credit the paid, close the expired, find the lost.

    Crypto Pay errors propagate (the supervising loop logs them and tries again later).
    """
    now = now or int(time.time())
    result = PollResult()
    rows = await db.fetchall(
        "SELECT id, provider_charge_id, expires_at FROM payments"
        " WHERE method = 'cryptopay' AND status = 'pending' ORDER BY id"
    )
    known = {str(r["provider_charge_id"]): r for r in rows if r["provider_charge_id"]}
    lost = {int(r["id"]): r for r in rows if not r["provider_charge_id"]}
    seen: dict[str, Invoice] = {}
    ids = [int(i) for i in known]
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        for invoice in await client.get_invoices(invoice_ids=chunk, count=len(chunk)):
            seen[str(invoice.invoice_id)] = invoice
    if lost:
        for invoice in await _recent(client):
            parsed = parse_payload(invoice.payload)
            if parsed is not None and parsed.payment_id in lost:
                del lost[parsed.payment_id]
                await _attach(db, parsed.payment_id, invoice, now)
                seen[str(invoice.invoice_id)] = invoice
                result.found_lost += 1
    for invoice_id, invoice in seen.items():
        if invoice.is_paid:
            result.credited.append(await credit_crypto(db, config, invoice, now))
        elif invoice.is_expired:
            result.expired += await _expire(db, invoice_id, "expired", now)
    # Deleted at Crypto Pay, or never created (a lost answer nobody can find): give up late.
    for invoice_id, row in known.items():
        if invoice_id not in seen and (row["expires_at"] or 0) + EXPIRY_GRACE < now:
            result.expired += await _expire(db, invoice_id, "vanished", now)
    for payment_id, row in lost.items():
        if (row["expires_at"] or 0) + EXPIRY_GRACE < now:
            result.expired += await db.execute(
                "UPDATE payments SET status = 'expired', note = 'never-found', updated_at = ?"
                " WHERE id = ? AND status = 'pending' AND provider_charge_id IS NULL",
                (now, payment_id),
            )
    return result


async def _recent(client: CryptoPayClient) -> Iterable[Invoice]:
    found: list[Invoice] = []
    for page in range(LOST_SEARCH_PAGES):
        batch = await client.get_invoices(offset=page * 100, count=100)
        found.extend(batch)
        if len(batch) < 100:
            break
    return found


async def _expire(db: Database, invoice_id: str, note: str, now: int) -> int:
    return await db.execute(
        "UPDATE payments SET status = 'expired', note = ?, updated_at = ?"
        " WHERE method = 'cryptopay' AND provider_charge_id = ? AND status = 'pending'",
        (note, now, invoice_id),
    )
