"""Texts of the operators' room: user and order cards, lists, and the answers to commands."""

from __future__ import annotations

from collections.abc import Sequence

from bot.money import format_amount
from bot.services.accounts import MoneyResult, Profile
from bot.services.audit import AuditEntry
from bot.services.broadcast import BroadcastCounts
from bot.services.catalog_admin import MarkupOverview
from bot.services.orders.queries import OrderView, StatusEvent
from bot.services.orders.status import RefundOutcome
from bot.services.wallet import LedgerEntry
from bot.views.common import NONE, Translator, count, format_time

# --------------------------------------------------------------------------- lines


def audit_line(i18n: Translator, entry: AuditEntry) -> str:
    return i18n.get(
        "admin-audit-line",
        when=format_time(entry.created_at),
        admin=str(entry.admin_id),
        action=entry.action,
        target=entry.target or NONE,
        details=entry.details or "",
    )


def ledger_line(i18n: Translator, entry: LedgerEntry, currency: str) -> str:
    return i18n.get(
        "admin-ledger-line",
        when=format_time(entry.created_at),
        amount=("+" if entry.amount > 0 else "")
        + format_amount(entry.amount, currency, i18n.locale),
        kind=entry.kind,
        ref=entry.ref,
    )


def audit_list(i18n: Translator, entries: Sequence[AuditEntry]) -> str:
    if not entries:
        return i18n.get("admin-audit-empty")
    lines = [audit_line(i18n, e) for e in entries]
    return i18n.get("admin-audit-title") + "\n" + "\n".join(lines)


# --------------------------------------------------------------------------- users and money


def user_card(i18n: Translator, info: Profile, currency: str) -> str:
    user = info.user
    orders = [
        i18n.get(
            "admin-order-line",
            id=str(o.id),
            status=o.status,
            service=o.service_name[:40],
            charge=format_amount(o.charge, currency, i18n.locale),
        )
        for o in info.orders
    ]
    flags = []
    if user.is_banned:
        flags.append(i18n.get("admin-flag-banned"))
    if user.is_blocked:
        flags.append(i18n.get("admin-flag-blocked"))
    return i18n.get(
        "admin-user-card",
        id=str(user.id),
        username=f"@{user.username}" if user.username else NONE,
        name=user.first_name or NONE,
        language=user.language or user.tg_language or NONE,
        balance=format_amount(user.balance, currency, i18n.locale),
        first_seen=format_time(user.first_seen),
        last_seen=format_time(user.last_seen),
        flags=", ".join(flags) or NONE,
        ledger="\n".join(ledger_line(i18n, e, currency) for e in info.ledger) or NONE,
        orders="\n".join(orders) or NONE,
    )


def user_not_found(i18n: Translator, query: str) -> str:
    return i18n.get("admin-user-not-found", query=query[:64])


def money_result(
    i18n: Translator,
    kind: str,
    result: MoneyResult,
    *,
    query: str,
    user_id: int,
    amount: int,
    currency: str,
) -> str:
    """The answer to /credit or /debit (`kind`) of `amount` to the user `query` found."""
    if result.outcome == "unknown_user":
        return user_not_found(i18n, query)
    key = {
        "applied": f"admin-{kind}-done",
        "duplicate": "admin-money-duplicate",
        "insufficient": "admin-debit-insufficient",
    }[result.outcome]
    return i18n.get(
        key,
        user=str(user_id),
        amount=format_amount(amount, currency, i18n.locale),
        balance=format_amount(result.balance, currency, i18n.locale),
    )


def ban_result(i18n: Translator, banned: bool, changed: bool, user_id: int) -> str:
    key = ("admin-banned" if banned else "admin-unbanned") if changed else "admin-ban-unchanged"
    return i18n.get(key, user=str(user_id))


# --------------------------------------------------------------------------- orders


def order_card(
    i18n: Translator,
    order: OrderView,
    currency: str,
    *,
    events: Sequence[StatusEvent],
    ledger: Sequence[LedgerEntry],
    audit: Sequence[AuditEntry],
) -> str:
    """The operators' card of an order, with its history: status changes, money and operator
    actions, in the order they happened."""
    history: list[tuple[int, str]] = [
        (
            e.at,
            i18n.get(
                "admin-status-line",
                when=format_time(e.at),
                old=e.old_status or NONE,
                new=e.new_status,
            ),
        )
        for e in events
    ]
    history += [(e.created_at, ledger_line(i18n, e, currency)) for e in ledger]
    history += [(e.created_at, audit_line(i18n, e)) for e in audit]
    lines = [text for _, text in sorted(history, key=lambda event: event[0])]
    return i18n.get(
        "admin-order-card",
        id=str(order.id),
        status=order.status,
        user=str(order.user_id),
        service=f"{order.service_name[:60]} (#{order.service_id})",
        panel_order_id=order.panel_order_id or NONE,
        link=(order.link or NONE)[:200],
        quantity=count(i18n, order.quantity),
        charge=format_amount(order.charge, currency, i18n.locale),
        refunded=format_amount(order.refunded, currency, i18n.locale),
        cost=NONE if order.cost is None else format_amount(order.cost, currency, i18n.locale),
        start_count=NONE if order.start_count is None else count(i18n, order.start_count),
        remains=NONE if order.remains is None else count(i18n, order.remains),
        error=(order.error or NONE)[:300],
        created=format_time(order.created_at),
        changed=format_time(order.status_changed_at),
        history="\n".join(lines) or NONE,
    )


def unknown_list(i18n: Translator, orders: Sequence[OrderView], total: int, currency: str) -> str:
    """/unknown: the orders whose placement nobody knows the outcome of."""
    if not orders:
        return i18n.get("admin-unknown-none")
    lines = [
        i18n.get(
            "admin-unknown-line",
            id=str(o.id),
            user=str(o.user_id),
            service=f"{o.service_name[:40]} (#{o.service_id})",
            charge=format_amount(o.charge, currency, i18n.locale),
            created=format_time(o.created_at),
            error=(o.error or NONE)[:120],
        )
        for o in orders
    ]
    title = i18n.get("admin-unknown-title", shown=str(len(orders)), total=str(total))
    return title + "\n\n" + "\n\n".join(lines)


def refund_result(
    i18n: Translator, outcome: RefundOutcome, order_id: int, amount: int, currency: str
) -> str:
    key = {
        "refunded": "admin-refund-done",
        "already": "admin-refund-already",
        "busy": "admin-refund-busy",
        "not_found": "admin-order-not-found",
    }[outcome]
    return i18n.get(
        key,
        id=str(order_id),
        amount=format_amount(amount, currency, i18n.locale),
        query=str(order_id),
    )


def resolve_placed_result(
    i18n: Translator, outcome: str, order_id: int, other: int | None, panel_order_id: str
) -> str:
    """The answer to the panel id typed after "It was placed"."""
    if outcome == "bad_id":
        return i18n.get("admin-bad-panel-id")
    if outcome == "taken":
        return i18n.get("admin-panel-id-taken", other=str(other))
    if outcome == "done":
        return i18n.get(
            "admin-resolved-placed",
            id=str(order_id),
            panel_order_id=panel_order_id.strip().lstrip("#"),
        )
    return i18n.get("admin-not-unknown", id=str(order_id))


# --------------------------------------------------------------------------- catalog and pricing


def markup_overview(i18n: Translator, view: MarkupOverview) -> str:
    lines = [
        i18n.get("admin-markup-cat-line", id=str(i), name=n[:40], percent=p)
        for i, n, p in view.categories
    ]
    lines += [
        i18n.get("admin-markup-svc-line", id=s, name=n[:40], percent=p) for s, n, p in view.services
    ]
    source = i18n.get(
        "admin-markup-from-settings" if view.from_settings else "admin-markup-from-command"
    )
    return i18n.get(
        "admin-markup-overview",
        percent=str(view.global_markup),
        source=source,
        overrides="\n".join(lines) or NONE,
    )


def hide_result(i18n: Translator, hide: bool, changed: bool | None, service_id: str) -> str:
    """The answer to /hide or /show (`changed`: None when there is no such service)."""
    if changed is None:
        key = "admin-service-not-found"
    elif not changed:
        key = "admin-service-unchanged"
    else:
        key = "admin-service-hidden" if hide else "admin-service-shown"
    return i18n.get(key, id=service_id)


# --------------------------------------------------------------------------- broadcast


def broadcast_progress(i18n: Translator, counts: BroadcastCounts) -> str:
    key = "admin-broadcast-done" if counts.done else "admin-broadcast-progress"
    return i18n.get(
        key,
        total=str(counts.total),
        sent=str(counts.sent),
        blocked=str(counts.blocked),
        failed=str(counts.failed),
        queued=str(counts.queued),
    )
