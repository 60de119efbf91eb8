"""What the operators' group is told without asking: order alerts (failed, unknown outcome,
the panel's Fail, a Partial without remains, an order the panel keeps erring on), the catalog
sync report, a low panel balance, the panel going down and coming back.

Every alert is an outbox row, queued in the transaction of the change it reports where there
is one, with a dedup key so that a repeat of the change does not alert twice. Buttons come
from `Notices`, which the app builds: services never spell a button's callback data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.config import Settings
from bot.db import Database, Tx
from bot.money import amount_param, format_amount, to_micros
from bot.panel import PanelError
from bot.services import catalog, kv, outbox
from bot.services.catalog import CatalogPanel, SyncReport
from bot.services.orders.queries import order_row
from bot.services.outbox import Button

log = logging.getLogger(__name__)

LOW_BALANCE_KEY = "admin_low_balance_alerted"
PANEL_DOWN_KEY = "tracking:panel_down_since"

OrderAlert = Literal["failed", "unknown", "panel-funds", "warning"]
_ORDER_ALERT_KEYS: dict[OrderAlert, str] = {
    "failed": "alert-order-failed",
    "unknown": "alert-order-unknown",
    "panel-funds": "alert-panel-funds",
    "warning": "alert-order-warning",
}


@dataclass(frozen=True)
class Notices:
    """Where news about orders goes and which buttons it carries. Built once by the app
    (bot/app.py), which knows the Telegram side, and handed to the order services."""

    admin_chat_id: int
    # callback data of the customer's "open the order" button under a notification
    order_button: Callable[[int], str]
    # the operators' "placed as #…" / "not placed, refund" buttons of an unknown-outcome alert
    resolve_buttons: Callable[[int], list[list[Button]]]
    admin_lang: str | None = None  # None: the sender's default language


async def _to_operators(
    conn: Tx,
    notices: Notices,
    key: str,
    params: dict[str, Any],
    dedup: str,
    buttons: list[list[Button]] | None = None,
) -> bool:
    return await outbox.enqueue(
        conn,
        notices.admin_chat_id,
        key,
        params,
        buttons=buttons,
        lang=notices.admin_lang,
        dedup=dedup,
    )


# --------------------------------------------------------------------------- orders


async def _order_params(
    conn: Tx, order_id: int, currency: str, reason: str | None = None
) -> dict[str, Any]:
    row = await order_row(conn, order_id)
    # Ids as strings: Fluent would group digits of numbers ("23,501"); the charge is
    # written in the operators' language when the alert is sent.
    return {
        "order_id": str(row["id"]),
        "user_id": str(row["user_id"]),
        "service": f"{row['service_name']} (#{row['service_id']})",
        "charge": amount_param(int(row["charge"]), currency),
        "panel_order_id": row["panel_order_id"] or "—",
        "link": row["link"] or "—",
        "reason": reason or row["error"] or "—",
    }


async def order_alert(
    conn: Tx,
    notices: Notices,
    order_id: int,
    kind: OrderAlert,
    *,
    currency: str,
    reason: str | None = None,
) -> bool:
    """An order failed while placing, has an unknown outcome (with the resolution buttons),
    or failed because the panel account is empty: at most once per order and kind."""
    return await _to_operators(
        conn,
        notices,
        _ORDER_ALERT_KEYS[kind],
        await _order_params(conn, order_id, currency, reason),
        dedup=f"alert:order:{order_id}:{kind}",
        buttons=notices.resolve_buttons(order_id) if kind == "unknown" else None,
    )


async def panel_failed_order(
    conn: Tx, notices: Notices, order_id: int, params: dict[str, Any]
) -> bool:
    """The panel reports Fail/Error: it may or may not have refunded us; nothing moved."""
    return await _to_operators(
        conn, notices, "track-alert-order-failed", params, dedup=f"order:{order_id}:panel-failed"
    )


async def partial_without_remains(
    conn: Tx, notices: Notices, order_id: int, params: dict[str, Any]
) -> bool:
    """Partial with no usable `remains`: nothing refunded by rule, an operator decides."""
    return await _to_operators(
        conn,
        notices,
        "track-alert-partial-no-remains",
        params,
        dedup=f"order:{order_id}:partial-no-remains",
    )


def _errors(ids: dict[str, str], count: int, error: str) -> dict[str, Any]:
    return {**ids, "count": count, "error": error[:300]}


async def poll_errors(
    conn: Tx,
    notices: Notices,
    order_id: int,
    panel_order_id: str,
    count: int,
    error: str,
) -> bool:
    """The panel keeps answering an error for one order."""
    ids = {"order_id": str(order_id), "panel_order_id": panel_order_id}
    return await _to_operators(
        conn, notices, "track-alert-order-errors", _errors(ids, count, error),
        dedup=f"order:{order_id}:poll-errors",
    )  # fmt: skip


async def request_interrupted(
    conn: Tx,
    notices: Notices,
    request_id: int,
    params: dict[str, str],
) -> bool:
    """A refill or cancel request was cut off between being opened and the panel's answer
    (found at start-up): it may or may not have reached the panel. Once per request."""
    return await _to_operators(
        conn,
        notices,
        "track-alert-request-interrupted",
        params,
        dedup=f"alert:request:{request_id}:interrupted",
    )


async def refill_poll_errors(
    conn: Tx,
    notices: Notices,
    request_id: int,
    order_id: int,
    refill_id: str,
    count: int,
    error: str,
) -> bool:
    """The panel keeps answering an error for one refill."""
    ids = {"order_id": str(order_id), "refill_id": refill_id}
    return await _to_operators(
        conn, notices, "track-alert-refill-errors", _errors(ids, count, error),
        dedup=f"refill:{request_id}:poll-errors",
    )  # fmt: skip


# --------------------------------------------------------------------------- the panel


async def panel_down(db: Database, notices: Notices, error: str, now: int) -> bool:
    """One alert when the panel stops answering; True if this call queued it."""
    if await kv.get(db, PANEL_DOWN_KEY) is not None:
        return False
    async with db.transaction() as conn:
        await kv.put_new(conn, PANEL_DOWN_KEY, str(now))
        await _to_operators(
            conn, notices, "track-alert-panel-down", {"error": error[:300]}, f"panel:down:{now}"
        )
    return True


async def panel_back(db: Database, notices: Notices, now: int) -> bool:
    """One alert when the panel answers again after `panel_down`; True if queued."""
    since = await kv.get(db, PANEL_DOWN_KEY)
    if since is None:
        return False
    minutes = max(0, (now - int(since)) // 60)
    async with db.transaction() as conn:
        await kv.delete(conn, PANEL_DOWN_KEY)
        await _to_operators(
            conn, notices, "track-alert-panel-back", {"minutes": minutes}, f"panel:back:{since}"
        )
    return True


async def check_panel_balance(db: Database, panel: CatalogPanel, settings: Settings) -> bool:
    """Alert once when the panel balance falls under PANEL_LOW_BALANCE; re-arm when it is
    back above. Returns True if an alert was queued."""
    if settings.panel_low_balance <= 0:
        return False
    try:
        answer = await panel.balance()
    except PanelError as exc:
        log.warning("could not read the panel balance: %s", exc)
        return False
    low = answer.amount < settings.panel_low_balance
    alerted = await kv.get(db, LOW_BALANCE_KEY) == "1"
    if low == alerted:
        return False
    async with db.transaction() as conn:
        await kv.put(conn, LOW_BALANCE_KEY, "1" if low else "0")
        if low:
            await outbox.enqueue(
                conn,
                settings.admin_chat_id,
                "admin-alert-low-balance",
                {
                    "balance": amount_param(to_micros(answer.amount), answer.currency),
                    "threshold": amount_param(
                        to_micros(settings.panel_low_balance), answer.currency
                    ),
                },
                lang=settings.default_language,
            )
    return low


# --------------------------------------------------------------------------- the catalog


def report_params(
    report: SyncReport, code: str, biggest: int = 5, locale: str = "en"
) -> dict[str, str]:
    """A catalog sync report as message parameters (the alert and /sync's answer)."""

    def _money(micros: int) -> str:
        return format_amount(micros, code, locale)

    lines = [
        f"#{sid} {name[:40]}: {_money(old)} → {_money(new)}"
        for sid, name, old, new in report.price_changes[:biggest]
    ]
    return {
        "total": str(report.total),
        "added": str(len(report.added)),
        "removed": str(len(report.removed)),
        "restored": str(len(report.restored)),
        "price_changes": str(len(report.price_changes)),
        "unknown_types": str(len(report.unknown_types)),
        "biggest": "\n".join(lines) or "—",
        "unknown_list": ", ".join(f"#{sid} {kind!r}" for sid, kind in report.unknown_types[:10])
        + (" …" if len(report.unknown_types) > 10 else "")
        or "—",
        "skipped": str(len(report.skipped)),
        "skipped_list": "\n".join(
            f"#{s.service_id or '?'} {(s.name or '')[:40]}: {s.reason[:120]}"
            for s in report.skipped[:biggest]
        )
        + ("\n…" if len(report.skipped) > biggest else "")
        or "—",
    }


SKIPPED_KEY = "catalog:skipped"


async def _skipped_changed(db: Database, report: SyncReport) -> bool:
    """Whether the set of unusable catalog entries differs from the last sync's (so the
    same bad entry is reported once, not at every sync); remembers the new set."""
    ids = ",".join(sorted(s.service_id or f"?{s.name}" for s in report.skipped))
    if await kv.get(db, SKIPPED_KEY) == ids:
        return False
    async with db.transaction() as conn:
        await kv.put(conn, SKIPPED_KEY, ids)
    return bool(ids)


def catalog_reporter(
    db: Database, panel: CatalogPanel, settings: Settings
) -> Callable[[SyncReport], Awaitable[None]]:
    """The catalog sync loop's `on_report`: posts what changed to the admin group and, as
    the loop runs periodically anyway, checks the panel balance."""

    async def on_report(report: SyncReport) -> None:
        # the very first import (an empty catalog filled) is not news, unless it brought
        # types the shop cannot sell: the operator should know those are not offered
        first_import = len(report.added) == report.total
        skipped_news = await _skipped_changed(db, report)
        if (
            (report.changed and not first_import)
            or (first_import and report.unknown_types)
            or skipped_news
        ):
            code = await catalog.currency(db)
            await outbox.notify(
                db,
                settings.admin_chat_id,
                "admin-alert-catalog",
                report_params(report, code, locale=settings.default_language),
                lang=settings.default_language,
            )
        await check_panel_balance(db, panel, settings)

    return on_report
