"""The customer's orders and wallet: the order card, "My orders", the balance screen."""

from __future__ import annotations

from typing import Any

from bot.money import format_amount
from bot.services.orders.queries import OrderView, Page
from bot.services.orders.status import ORDER_STATUSES
from bot.services.wallet import LedgerEntry
from bot.text import shorten
from bot.views.common import Translator, count, format_time, signed_amount

BAR_CELLS = 10
LINK_LIMIT = 300
NAME_LIMIT = 200
LIST_NAME_LIMIT = 60
LEDGER_KINDS = frozenset({"charge", "refund", "credit", "debit", "topup", "topup-refund"})
# A top-up's ledger note names the method it came by (bot/payments: "stars", "cryptopay").
TOPUP_METHODS = frozenset({"stars", "cryptopay"})
# Statuses where a delivery progress means something.
PROGRESS_STATUSES = frozenset(
    {"pending", "in_progress", "processing", "completed", "partial", "canceled", "active"}
)


def status_text(i18n: Translator, status: str) -> str:
    """An order status in words, in the user's language."""
    if status in ORDER_STATUSES:
        return i18n.get(f"order-status-{status}")
    return i18n.get("order-status-other", status=status)


def progress_bar(percent: int, cells: int = BAR_CELLS) -> str:
    percent = min(max(percent, 0), 100)
    filled = percent * cells // 100
    return "▓" * filled + "░" * (cells - filled)


def order_card(i18n: Translator, view: OrderView, currency: str) -> str:
    """The order card text: service, link, quantity, price, status, counts, progress, date."""
    lines = [
        i18n.get("orders-card-title", order_id=str(view.id)),
        i18n.get("orders-card-service", service=shorten(view.service_name, NAME_LIMIT)),
    ]
    link = view.link or view.fields.get("username")
    if link:
        lines.append(i18n.get("orders-card-link", link=shorten(str(link), LINK_LIMIT)))
    lines.append(i18n.get("orders-card-quantity", quantity=count(i18n, view.quantity)))
    lines.append(
        i18n.get("orders-card-price", price=format_amount(view.charge, currency, i18n.locale))
    )
    if view.refunded > 0:
        lines.append(
            i18n.get(
                "orders-card-refunded", amount=format_amount(view.refunded, currency, i18n.locale)
            )
        )
    lines.append(i18n.get("orders-card-status", status=status_text(i18n, view.status)))
    if view.start_count is not None:
        lines.append(i18n.get("orders-card-start-count", start_count=count(i18n, view.start_count)))
    if view.remains is not None:
        lines.append(i18n.get("orders-card-remains", remains=count(i18n, view.remains)))
    percent = view.progress
    if percent is not None and view.status in PROGRESS_STATUSES:
        lines.append(
            i18n.get("orders-card-progress", bar=progress_bar(percent), percent=str(percent))
        )
    lines.append(i18n.get("orders-card-created", date=format_time(view.created_at)))
    if view.status in {"unknown", "submitting"}:
        lines.append("")
        lines.append(i18n.get("orders-card-unknown-note"))
    return "\n".join(lines)


def orders_page(i18n: Translator, page: Page) -> str:
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
                service=shorten(order.service_name, LIST_NAME_LIMIT),
                status=status_text(i18n, order.status),
            )
        )
    return "\n".join(lines)


def ledger_kind(i18n: Translator, entry: LedgerEntry) -> str:
    """A balance movement's kind in words; a top-up says how it was paid."""
    if entry.kind == "topup" and entry.note in TOPUP_METHODS:
        return i18n.get(f"orders-ledger-kind-topup-{entry.note}")
    kind_key = entry.kind if entry.kind in LEDGER_KINDS else "other"
    return i18n.get(f"orders-ledger-kind-{kind_key}")


def balance(
    i18n: Translator,
    amount: int,
    history: list[LedgerEntry],
    currency: str,
    *,
    can_top_up: bool = False,
    contact: str = "",
) -> str:
    """The balance screen: the balance, its last movements, how to top up (the Top up
    button when a payment method is on, else how to reach the operators)."""
    lines = [
        i18n.get("orders-balance-title", balance=format_amount(amount, currency, i18n.locale)),
        "",
    ]
    if history:
        lines.append(i18n.get("orders-balance-history-title"))
        for entry in history:
            params: dict[str, Any] = {
                "date": format_time(entry.created_at),
                "kind": ledger_kind(i18n, entry),
                "amount": signed_amount(entry.amount, currency, i18n.locale),
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
    if can_top_up:
        lines.append(i18n.get("orders-balance-topup"))
    else:
        lines.append(i18n.get("orders-balance-topup-support"))
        if contact:
            lines.append(i18n.get("support-contact", contact=contact))
    return "\n".join(lines)
