"""Placing an order: quote, charge the wallet, send `add` once, settle the outcome.

An order goes `submitting -> pending | failed | unknown` (the status machine, status.py, takes
it from there). The debit and the `submitting` row are one `BEGIN IMMEDIATE` transaction
written before the panel is called, so a crash mid-call leaves a `submitting` row that
start-up (`recover_submitting`) turns into `unknown` (money held, operators asked). `add` is
sent once per confirmation; only an attempt that provably never reached the panel
(`PanelNotSent`) is sent a second time. A confirm token places at most one order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from bot import logctx
from bot.config import Settings
from bot.crashpoints import crashpoint
from bot.db import Database, for_update
from bot.panel import (
    AddResult,
    PanelClient,
    PanelInsufficientFunds,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRateLimited,
    PanelRejected,
    ReasonCode,
    normalize_kind,
)
from bot.panel.models import OrderKind
from bot.services import catalog, pricing, promo, wallet
from bot.services.alerts import Notices, order_alert
from bot.services.maintenance import maintenance_on
from bot.services.orders import notify
from bot.services.orders.status import (
    cost_micros,
    fail_order,
    mark_unknown,
    set_order_status,
)

log = logging.getLogger(__name__)

RESERVED_FIELDS = frozenset({"key", "action", "service"})
# A rate-limited first attempt is retried after at most this many seconds.
MAX_NOT_SENT_WAIT = 3.0

Outcome = Literal[
    "placed",
    "failed",
    "unknown",
    "insufficient",
    "duplicate",
    "unavailable",
    "maintenance",
    "price_changed",
]


@dataclass(frozen=True)
class Draft:
    user_id: int
    service_id: str
    fields: dict[str, str | int]  # exactly the panel `add` fields except key/action/service
    quantity: int  # units charged for (quantity x runs for drip-feed; 1 for packages)
    link: str | None = None


@dataclass(frozen=True)
class Quote:
    charge: int  # micro-units the user pays, markup included, rounded up, discount taken off
    balance: int  # wallet now
    balance_after: int  # may be negative = not enough
    currency: str
    discount: int = 0  # what the customer's pending promo code takes off the price
    promo_code: str | None = None


@dataclass(frozen=True)
class PlaceResult:
    outcome: Outcome
    order_id: int | None = None
    panel_order_id: str | None = None
    charge: int = 0
    missing: int = 0  # for "insufficient": how much more the wallet needs
    # "failed": why, from a fixed set a customer text is chosen by (the panel's own words go
    # to operators and orders.error only: they may name the upstream panel or echo the key)
    reason: ReasonCode | None = None
    panel_out_of_funds: bool = False  # "failed" because the operator's panel account is empty


class ServiceUnavailable(LookupError):
    """The service is not offered for ordering (gone, hidden, unknown type, bad quantity)."""


@dataclass(frozen=True)
class _Offer:
    service_id: str
    name: str
    kind: OrderKind
    rate: int
    charge: int


# A confirm token is its dialog's id followed by a random part: the order a dialog produced is
# found from any of the dialog's buttons (queries.order_of_dialog), with no column for it.
DIALOG_ID_CHARS = 8


def new_dialog_id() -> str:
    """A short random id of one order dialog (fits in callback data next to an action)."""
    return secrets.token_hex(DIALOG_ID_CHARS // 2)


def new_confirm_token(dialog: str | None = None) -> str:
    """A short random token for one summary's Confirm button (fits in callback data); it
    begins with the id of the dialog the summary belongs to."""
    if dialog is None or len(dialog) != DIALOG_ID_CHARS:
        dialog = new_dialog_id()
    return dialog + secrets.token_hex(4)


def dialog_of_token(token: str) -> str:
    """The id of the dialog a confirm token was made for."""
    return token[:DIALOG_ID_CHARS]


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


async def _offer(db: Database, settings: Settings, draft: Draft) -> _Offer:
    """Re-read the service and price the draft; raises ServiceUnavailable if not orderable."""
    if RESERVED_FIELDS & set(draft.fields):
        raise ValueError("draft fields must not contain key/action/service")
    row = await db.fetchone(
        "SELECT id, name, kind, rate, min_qty, max_qty, available, hidden FROM services"
        " WHERE id = ?",
        (str(draft.service_id),),
    )
    if row is None or not row["available"] or row["hidden"]:
        raise ServiceUnavailable(draft.service_id)
    kind = normalize_kind(row["kind"])
    if kind is None or draft.quantity < 1:
        raise ServiceUnavailable(draft.service_id)
    if not pricing.is_package(kind):
        # min..max bounds one run (drip-feed) or the subscription's max; else the quantity.
        if kind is OrderKind.SUBSCRIPTIONS:
            per_run = _int(draft.fields.get("max"))
        elif "quantity" in draft.fields:
            per_run = _int(draft.fields["quantity"])
        else:
            per_run = draft.quantity
        if per_run is None or not int(row["min_qty"]) <= per_run <= int(row["max_qty"]):
            raise ServiceUnavailable(draft.service_id)
    markup = await pricing.service_markup(db, str(row["id"]), settings.markup_percent)
    charge = pricing.order_price(int(row["rate"]), kind, draft.quantity, markup)
    return _Offer(str(row["id"]), str(row["name"]), kind, int(row["rate"]), charge)


async def quote(
    db: Database, settings: Settings, draft: Draft, *, with_promo: bool = True
) -> Quote:
    """The price of a draft and the wallet before/after. Raises ServiceUnavailable.
    `with_promo`: the customer's pending order discount counts (the single-order dialog);
    a mass order's lines are priced without it (one code cannot pay off every line)."""
    offer = await _offer(db, settings, draft)
    balance = await wallet.balance(db, draft.user_id)
    discount = await promo.order_discount(db, draft.user_id, offer.charge) if with_promo else None
    off = discount.amount if discount else 0
    return Quote(
        charge=offer.charge - off,
        balance=balance,
        balance_after=balance - (offer.charge - off),
        currency=await catalog.currency(db),
        discount=off,
        promo_code=discount.pending.code if discount else None,
    )


class _DiscountGone(Exception):
    """The promo discount the price counted on was spent by another order meanwhile."""


# --------------------------------------------------------------------------- placing


async def _send_add(panel: PanelClient, service_id: str, fields: dict[str, str | int]) -> AddResult:
    """`add`, sent a second time only if the first attempt provably never left."""
    try:
        return await panel.add(service_id, fields)
    except PanelNotSent as exc:
        log.warning("add for service %s not sent (%s); sending once more", service_id, exc)
        if isinstance(exc, PanelRateLimited) and exc.retry_after:
            await asyncio.sleep(min(exc.retry_after, MAX_NOT_SENT_WAIT))
    return await panel.add(service_id, fields)


async def _unknown(
    db: Database, notices: Notices, order_id: int, error: str, currency: str
) -> None:
    async with db.transaction() as conn:
        await mark_unknown(conn, notices, order_id, error, currency=currency)


async def place_order(
    db: Database,
    panel: PanelClient,
    settings: Settings,
    notices: Notices,
    draft: Draft,
    confirm_token: str,
    *,
    max_charge: int | None = None,
    with_promo: bool = True,
) -> PlaceResult:
    """Charge the wallet and place the order at the panel. See the module docstring.

    `max_charge`: the price the user saw on the summary they confirmed. The price is
    computed again here (a catalog sync or /markup may have changed it meanwhile); if it
    is now higher, nothing is charged and the outcome is "price_changed" (ask again)."""
    if await maintenance_on(db):
        return PlaceResult("maintenance")
    try:
        offer = await _offer(db, settings, draft)
    except ServiceUnavailable:
        return PlaceResult("unavailable")
    discount = await promo.order_discount(db, draft.user_id, offer.charge) if with_promo else None
    charge = offer.charge - (discount.amount if discount else 0)
    if max_charge is not None and charge > max_charge:
        log.info("price of %s rose from %s to %s since the summary", offer.service_id,
                 max_charge, charge)  # fmt: skip
        return PlaceResult("price_changed", charge=charge)
    currency = await catalog.currency(db)
    fields = dict(draft.fields)
    now = int(time.time())

    try:
        async with db.transaction() as conn:
            # A second confirm of the same summary (another tap, another replica) inserts
            # nothing: ON CONFLICT waits for the first one's transaction and yields no row.
            order_id = await conn.fetchval(
                "INSERT INTO orders (user_id, service_id, confirm_token, status, link, quantity,"
                " fields, charge, status_changed_at, created_at, updated_at)"
                " VALUES (?, ?, ?, 'submitting', ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (confirm_token) DO NOTHING RETURNING id",
                (
                    draft.user_id,
                    offer.service_id,
                    confirm_token,
                    draft.link,
                    draft.quantity,
                    json.dumps(fields, ensure_ascii=False),
                    charge,
                    now,
                    now,
                    now,
                ),
            )
            if order_id is None:
                existing = await conn.fetchone(
                    "SELECT id, panel_order_id, charge FROM orders WHERE confirm_token = ?",
                    (confirm_token,),
                )
                assert existing is not None
                return PlaceResult(
                    "duplicate",
                    order_id=int(existing["id"]),
                    panel_order_id=existing["panel_order_id"],
                    charge=int(existing["charge"]),
                )
            if discount and not await promo.use_discount(
                conn, discount, draft.user_id, order_id, now
            ):
                raise _DiscountGone
            await wallet.apply(
                conn,
                draft.user_id,
                -charge,
                kind="charge",
                ref=f"order:{order_id}:charge",
                order_id=order_id,
            )
    except wallet.InsufficientFunds as exc:
        return PlaceResult("insufficient", charge=charge, missing=exc.missing)
    except _DiscountGone:
        return PlaceResult("price_changed", charge=offer.charge)
    crashpoint("place:charged")
    logctx.mark(order_id=order_id)  # on every line logged for this update from here on

    # From here on the money is held: every path ends in pending, failed or unknown.
    try:
        result = await _send_add(panel, offer.service_id, fields)
    except PanelInsufficientFunds as exc:
        log.error("order %s: the panel account is out of funds: %s", order_id, exc.message)
        await fail_order(
            db, notices, order_id, exc.message, panel_out_of_funds=True, currency=currency
        )
        return PlaceResult(
            "failed", order_id, charge=charge, reason=exc.reason_code, panel_out_of_funds=True
        )
    except PanelRejected as exc:
        crashpoint("place:rejected")
        log.info("order %s rejected by the panel: %s", order_id, exc.message)
        await fail_order(db, notices, order_id, exc.message, currency=currency)
        return PlaceResult("failed", order_id, charge=charge, reason=exc.reason_code)
    except PanelNotSent as exc:
        log.warning("order %s: the panel could not be reached twice: %s", order_id, exc)
        await fail_order(db, notices, order_id, f"not sent: {exc.message}", currency=currency)
        return PlaceResult("failed", order_id, charge=charge, reason=exc.reason_code)
    except PanelOutcomeUnknown as exc:
        log.error("order %s: outcome unknown: %s", order_id, exc)
        await _unknown(db, notices, order_id, exc.message, currency)
        return PlaceResult("unknown", order_id, charge=charge)
    except Exception as exc:
        log.exception("order %s: unexpected error while placing", order_id)
        await _unknown(db, notices, order_id, f"unexpected: {type(exc).__name__}", currency)
        return PlaceResult("unknown", order_id, charge=charge)
    crashpoint("place:answered")

    try:
        cost = cost_micros(result.charge)
        async with db.transaction() as conn:
            # Only from `submitting`: if anything settled the order meanwhile (start-up
            # recovery of another process made it `unknown`), that decision stands and the
            # panel id goes where the operators resolving it will see it.
            row = await conn.fetchone(
                f"SELECT status FROM orders WHERE id = ?{for_update(conn)}", (order_id,)
            )
            recorded = row is not None and row["status"] == "submitting"
            if recorded:
                await set_order_status(
                    conn, order_id, "pending", panel_order_id=result.order_id, cost=cost
                )
                if result.warning:
                    # the panel gave an order id and an error at once: the order stands
                    # (never refunded on a guess), an operator checks it
                    await order_alert(
                        conn, notices, order_id, "warning", currency=currency,
                        reason=result.warning,
                    )  # fmt: skip
            else:
                await conn.execute(
                    "UPDATE orders SET error = substr(? || coalesce(' | ' || error, ''), 1, 500)"
                    " WHERE id = ?",
                    (f"placed at the panel as #{result.order_id}", order_id),
                )
        if not recorded:
            log.error("order %s placed as panel order %s after it was settled as %s",
                      order_id, result.order_id, row["status"] if row else None)  # fmt: skip
            return PlaceResult("unknown", order_id, result.order_id, charge=charge)
    except Exception as exc:
        # The panel has the order but we could not record it: the money stays held and the
        # operators get the panel id now (if even that fails, start-up recovery does it).
        log.exception("order %s placed as panel order %s but not recorded", order_id,
                      result.order_id)  # fmt: skip
        try:
            await _unknown(
                db,
                notices,
                order_id,
                f"placed at the panel as #{result.order_id} but not recorded: {type(exc).__name__}",
                currency,
            )
        except Exception:
            log.exception("order %s: could not mark it unknown either", order_id)
        return PlaceResult("unknown", order_id, result.order_id, charge=charge)
    crashpoint("place:recorded")
    log.info("order %s placed: panel order %s", order_id, result.order_id)
    return PlaceResult("placed", order_id, result.order_id, charge=charge)


async def recover_submitting(
    db: Database, notices: Notices, *, older_than: int | None = None
) -> int:
    """At start-up: every order still `submitting` (the process died around `add`) becomes
    `unknown` with an operator alert, and its customer, whose screen still says "placing",
    is told it is being checked and the money is safe (once: the dedup of an `unknown`
    notification). Returns how many. With replicas, only orders last changed before
    `older_than` (unix time): a younger one may be in the hands of a live replica."""
    currency = await catalog.currency(db)
    async with db.transaction() as conn:
        rows = [
            (int(row[0]), int(row[1]))
            for row in await conn.fetchall(
                "SELECT id, user_id FROM orders WHERE status = 'submitting' AND updated_at < ?",
                (older_than if older_than is not None else 2**62,),
            )
        ]
        for order_id, user_id in rows:
            reason = "interrupted while placing (found at start-up)"
            await mark_unknown(conn, notices, order_id, reason, currency=currency)
            await notify.status_changed(
                conn, notices, user_id, order_id, "unknown", "order-interrupted",
                {"order_id": str(order_id)},
            )  # fmt: skip
    if rows:
        log.warning("%d order(s) left submitting became unknown, customers told: %s",
                    len(rows), [order_id for order_id, _ in rows])  # fmt: skip
    return len(rows)
