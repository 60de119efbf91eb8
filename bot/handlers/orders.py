""" "My orders", the order card and the balance screen.

The render functions here (`status_text`, `render_order_card`, ...) are the one place that
turns an order into text; notifications and the operators' screens reuse them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.db import Database
from bot.handlers.screen import show_for
from bot.keyboards.menu import MenuCb
from bot.keyboards.order_requests import order_request_rows
from bot.keyboards.orders import (
    OrderCb,
    balance_keyboard,
    order_card_keyboard,
    orders_list_keyboard,
)
from bot.money import format_amount
from bot.panel import PanelClient, PanelError
from bot.services import catalog, wallet
from bot.services.alerts import Notices
from bot.services.orders import queries, requests
from bot.services.orders.queries import OrderView, Page
from bot.services.orders.status import ORDER_STATUSES, refresh_order
from bot.services.users import User

log = logging.getLogger(__name__)

router = Router(name="orders")

HISTORY_LIMIT = 10
BAR_CELLS = 10
LINK_LIMIT = 300
NAME_LIMIT = 200
LEDGER_KINDS = frozenset({"charge", "refund", "credit", "debit", "topup"})
# Statuses where a delivery progress means something.
PROGRESS_STATUSES = frozenset(
    {"pending", "in_progress", "processing", "completed", "partial", "canceled", "active"}
)


# --------------------------------------------------------------------------- rendering


def format_date(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def status_text(i18n: I18nContext, status: str) -> str:
    """An order status in words, in the user's language."""
    if status in ORDER_STATUSES:
        return i18n.get(f"order-status-{status}")
    return i18n.get("order-status-other", status=status)


def progress_bar(percent: int, cells: int = BAR_CELLS) -> str:
    percent = min(max(percent, 0), 100)
    filled = percent * cells // 100
    return "▓" * filled + "░" * (cells - filled)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def signed_amount(micros: int, currency: str) -> str:
    sign = "+" if micros >= 0 else "−"
    return f"{sign}{format_amount(abs(micros), currency)}"


def render_order_card(i18n: I18nContext, view: OrderView, currency: str) -> str:
    """The order card text: service, link, quantity, price, status, counts, progress, date."""
    lines = [
        i18n.get("orders-card-title", order_id=str(view.id)),
        i18n.get("orders-card-service", service=_clip(view.service_name, NAME_LIMIT)),
    ]
    link = view.link or view.fields.get("username")
    if link:
        lines.append(i18n.get("orders-card-link", link=_clip(str(link), LINK_LIMIT)))
    lines.append(i18n.get("orders-card-quantity", quantity=str(view.quantity)))
    lines.append(i18n.get("orders-card-price", price=format_amount(view.charge, currency)))
    if view.refunded > 0:
        lines.append(
            i18n.get("orders-card-refunded", amount=format_amount(view.refunded, currency))
        )
    lines.append(i18n.get("orders-card-status", status=status_text(i18n, view.status)))
    if view.start_count is not None:
        lines.append(i18n.get("orders-card-start-count", start_count=str(view.start_count)))
    if view.remains is not None:
        lines.append(i18n.get("orders-card-remains", remains=str(view.remains)))
    percent = view.progress
    if percent is not None and view.status in PROGRESS_STATUSES:
        lines.append(
            i18n.get("orders-card-progress", bar=progress_bar(percent), percent=str(percent))
        )
    lines.append(i18n.get("orders-card-created", date=format_date(view.created_at)))
    if view.status in {"unknown", "submitting"}:
        lines.append("")
        lines.append(i18n.get("orders-card-unknown-note"))
    return "\n".join(lines)


def render_orders_page(i18n: I18nContext, page: Page) -> str:
    if not page.items:
        return i18n.get("orders-list-empty")
    lines = [
        i18n.get("orders-list-title", page=str(page.page + 1), pages=str(page.pages)),
        "",
    ]
    for order in page.items:
        lines.append(
            i18n.get(
                "orders-list-line",
                order_id=str(order.id),
                service=_clip(order.service_name, 60),
                status=status_text(i18n, order.status),
            )
        )
    return "\n".join(lines)


def render_balance(
    i18n: I18nContext, balance: int, history: list[wallet.LedgerEntry], currency: str
) -> str:
    lines = [i18n.get("orders-balance-title", balance=format_amount(balance, currency)), ""]
    if history:
        lines.append(i18n.get("orders-balance-history-title"))
        for entry in history:
            kind_key = entry.kind if entry.kind in LEDGER_KINDS else "other"
            params: dict[str, Any] = {
                "date": format_date(entry.created_at),
                "kind": i18n.get(f"orders-ledger-kind-{kind_key}"),
                "amount": signed_amount(entry.amount, currency),
            }
            if entry.order_id is not None:
                lines.append(
                    i18n.get("orders-balance-line-order", order_id=str(entry.order_id), **params)
                )
            else:
                lines.append(i18n.get("orders-balance-line", **params))
    else:
        lines.append(i18n.get("orders-balance-history-empty"))
    lines.append("")
    lines.append(i18n.get("orders-balance-topup"))
    return "\n".join(lines)


# --------------------------------------------------------------------------- handlers


@router.callback_query(MenuCb.filter(F.action == "balance"))
async def cb_balance(query: CallbackQuery, i18n: I18nContext, db: Database, user: User) -> None:
    balance = await wallet.balance(db, user.id)
    history = await wallet.history(db, user.id, HISTORY_LIMIT)
    currency = await catalog.currency(db)
    await show_for(query, render_balance(i18n, balance, history, currency), balance_keyboard(i18n))


async def _show_list(
    query: CallbackQuery, i18n: I18nContext, db: Database, user: User, page: int
) -> None:
    orders_page = await queries.list_orders(db, user.id, page)
    await show_for(
        query, render_orders_page(i18n, orders_page), orders_list_keyboard(i18n, orders_page)
    )


@router.callback_query(MenuCb.filter(F.action == "orders"))
async def cb_orders(query: CallbackQuery, i18n: I18nContext, db: Database, user: User) -> None:
    await _show_list(query, i18n, db, user, 0)


@router.callback_query(OrderCb.filter(F.action == "list"))
async def cb_orders_page(
    query: CallbackQuery, callback_data: OrderCb, i18n: I18nContext, db: Database, user: User
) -> None:
    await _show_list(query, i18n, db, user, callback_data.page)


async def _card_keyboard(
    i18n: I18nContext, db: Database, user: User, view: OrderView, page: int
) -> InlineKeyboardMarkup:
    """The card's keyboard with Refill / Cancel where the order and its service allow it."""
    actions = await requests.available_actions(db, user.id, view.id)
    return order_card_keyboard(i18n, view, order_request_rows(i18n, view.id, actions), page=page)


@router.callback_query(OrderCb.filter(F.action == "view"))
async def cb_order_view(
    query: CallbackQuery,
    callback_data: OrderCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    user: User,
) -> None:
    view = await queries.get_order(db, user.id, callback_data.order_id)
    if view is None:
        callback_answer.text = i18n.get("orders-not-found")
        callback_answer.show_alert = True
        return
    currency = await catalog.currency(db)
    await show_for(
        query,
        render_order_card(i18n, view, currency),
        await _card_keyboard(i18n, db, user, view, callback_data.page),
    )


@router.callback_query(OrderCb.filter(F.action == "refresh"))
async def cb_order_refresh(
    query: CallbackQuery,
    callback_data: OrderCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    panel: PanelClient,
    notices: Notices,
    user: User,
) -> None:
    view = await queries.get_order(db, user.id, callback_data.order_id)
    if view is None:
        callback_answer.text = i18n.get("orders-not-found")
        callback_answer.show_alert = True
        return
    # The panel may take seconds: answer the button now, then edit the card.
    callback_answer.disable()
    await query.answer()
    note = ""
    try:
        fresh = await refresh_order(db, panel, notices, user.id, view.id)
    except PanelError as exc:
        log.warning("refresh of order %s failed: %s", view.id, exc)
        fresh = None
        note = "\n\n" + i18n.get("orders-refresh-failed")
    view = fresh or view
    currency = await catalog.currency(db)
    await show_for(
        query,
        render_order_card(i18n, view, currency) + note,
        await _card_keyboard(i18n, db, user, view, callback_data.page),
    )
