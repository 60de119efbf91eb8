"""The operators' room: commands and buttons in the admin group.

The admin-group router (bot/handlers/__init__.py) lets through only updates from the admin
chat; `IsAdmin` here lets through only its administrators and ADMIN_IDS. Anyone else gets no
answer at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.filters import IsAdmin
from bot.handlers.screen import show
from bot.keyboards.admin import AdminCb, order_card, user_card
from bot.money import AmountError, format_amount, parse_amount, to_micros
from bot.panel import PanelClient, PanelError
from bot.services import (
    accounts,
    alerts,
    audit,
    broadcast,
    catalog,
    catalog_admin,
    maintenance,
    stats,
    users,
)
from bot.services.alerts import Notices
from bot.services.broadcast import BroadcastCounts
from bot.services.orders import notify, queries, status
from bot.states import AdminDialog
from bot.tasks import Supervisor

log = logging.getLogger(__name__)

router = Router(name="admin")
router.message.filter(IsAdmin())
router.callback_query.filter(IsAdmin())

MAX_TEXT = 4000
# an operator typing more than this is a typo (the wallet takes up to money.MAX_AMOUNT)
MAX_ADMIN_AMOUNT = to_micros(1_000_000)
PROGRESS_EVERY = 3.0
UNKNOWN_LIST = 20


def _when(ts: int | None) -> str:
    if not ts:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _args(command: CommandObject) -> list[str]:
    return (command.args or "").split()


async def _reply(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await message.answer(_cut(text), reply_markup=markup)


# --------------------------------------------------------------------------- help, audit


@router.message(Command("help"))
async def cmd_help(message: Message, i18n: I18nContext) -> None:
    await _reply(message, i18n.get("admin-help"))


@router.message(Command("audit"))
async def cmd_audit(message: Message, i18n: I18nContext, db: Database) -> None:
    entries = await audit.recent(db, 20)
    if not entries:
        await _reply(message, i18n.get("admin-audit-empty"))
        return
    lines = [
        i18n.get(
            "admin-audit-line",
            when=_when(e.created_at),
            admin=str(e.admin_id),
            action=e.action,
            target=e.target or "—",
            details=e.details or "",
        )
        for e in entries
    ]
    await _reply(message, i18n.get("admin-audit-title") + "\n" + "\n".join(lines))


# --------------------------------------------------------------------------- stats


@router.message(Command("stats"))
async def cmd_stats(message: Message, i18n: I18nContext, db: Database, panel: PanelClient) -> None:
    numbers = await stats.collect(db)
    code = await catalog.currency(db)
    try:
        answer = await panel.balance()
        balance = format_amount(to_micros(answer.amount), answer.currency)
    except Exception as exc:  # the balance is a nice-to-have: /stats must answer anyway
        log.warning("panel balance unavailable for /stats: %s", exc)
        balance = i18n.get("admin-unavailable")
    lines = [
        i18n.get(
            "admin-stats-status-line",
            status=status,
            today=str(c.today),
            week=str(c.week),
            total=str(c.total),
        )
        for status, c in numbers.orders.items()
    ]
    u = numbers.users
    text = i18n.get(
        "admin-stats",
        users=str(u.total),
        active_day=str(u.active_day),
        active_week=str(u.active_week),
        blocked=str(u.blocked),
        banned=str(u.banned),
        orders_today=str(numbers.orders_today),
        orders_week=str(numbers.orders_week),
        orders_total=str(numbers.orders_total),
        by_status="\n".join(lines) or "—",
        turnover=format_amount(numbers.turnover, code),
        cost=format_amount(numbers.cost, code),
        margin=format_amount(numbers.margin, code),
        turnover_week=format_amount(numbers.turnover_week, code),
        margin_week=format_amount(numbers.margin_week, code),
        balance=balance,
    )
    await _reply(message, text)


# --------------------------------------------------------------------------- users, money


async def _user_text(i18n: I18nContext, db: Database, user_id: int) -> tuple[str, bool] | None:
    user = await users.find(db, str(user_id))
    if user is None:
        return None
    info = await accounts.profile(db, user)
    code = await catalog.currency(db)
    ledger = [
        i18n.get(
            "admin-ledger-line",
            when=_when(e.created_at),
            amount=("+" if e.amount > 0 else "") + format_amount(e.amount, code),
            kind=e.kind,
            ref=e.ref,
        )
        for e in info.ledger
    ]
    orders = [
        i18n.get(
            "admin-order-line",
            id=str(o.id),
            status=o.status,
            service=o.service_name[:40],
            charge=format_amount(o.charge, code),
        )
        for o in info.orders
    ]
    flags = []
    if user.is_banned:
        flags.append(i18n.get("admin-flag-banned"))
    if user.is_blocked:
        flags.append(i18n.get("admin-flag-blocked"))
    text = i18n.get(
        "admin-user-card",
        id=str(user.id),
        username=f"@{user.username}" if user.username else "—",
        name=user.first_name or "—",
        language=user.language or user.tg_language or "—",
        balance=format_amount(user.balance, code),
        first_seen=_when(user.first_seen),
        last_seen=_when(user.last_seen),
        flags=", ".join(flags) or "—",
        ledger="\n".join(ledger) or "—",
        orders="\n".join(orders) or "—",
    )
    return text, user.is_banned


@router.message(Command("user"))
async def cmd_user(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    args = _args(command)
    if len(args) != 1:
        await _reply(message, i18n.get("admin-usage-user"))
        return
    user = await users.find(db, args[0])
    card = None if user is None else await _user_text(i18n, db, user.id)
    if user is None or card is None:
        await _reply(message, i18n.get("admin-user-not-found", query=args[0][:64]))
        return
    text, banned = card
    await _reply(message, text, user_card(i18n, user.id, banned))


@router.message(Command("credit", "debit"))
async def cmd_money(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    kind: Literal["credit", "debit"] = "credit" if command.command.lower() == "credit" else "debit"
    args = (command.args or "").split(maxsplit=2)
    if len(args) < 2:
        await _reply(message, i18n.get(f"admin-usage-{kind}"))
        return
    try:
        amount = parse_amount(args[1])
    except AmountError:
        amount = 0
    if amount <= 0 or amount > MAX_ADMIN_AMOUNT:
        await _reply(message, i18n.get("admin-bad-amount", amount=args[1][:32]))
        return
    user = await users.find(db, args[0])
    if user is None:
        await _reply(message, i18n.get("admin-user-not-found", query=args[0][:64]))
        return
    assert message.from_user is not None
    result = await accounts.adjust_balance(
        db,
        message.from_user.id,
        user.id,
        amount,
        kind=kind,
        ref=f"{kind}:{message.chat.id}:{message.message_id}",
        note=args[2] if len(args) > 2 else None,
    )
    code = await catalog.currency(db)
    params = {
        "user": str(user.id),
        "amount": format_amount(amount, code),
        "balance": format_amount(result.balance, code),
    }
    key = {
        "applied": f"admin-{kind}-done",
        "duplicate": "admin-money-duplicate",
        "insufficient": "admin-debit-insufficient",
        "unknown_user": "admin-user-not-found",
    }[result.outcome]
    if result.outcome == "unknown_user":
        params = {"query": args[0][:64]}
    await _reply(message, i18n.get(key, **params))


@router.message(Command("ban", "unban"))
async def cmd_ban(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    banned = command.command.lower() == "ban"
    args = _args(command)
    if len(args) != 1:
        await _reply(message, i18n.get("admin-usage-ban" if banned else "admin-usage-unban"))
        return
    user = await users.find(db, args[0])
    if user is None:
        await _reply(message, i18n.get("admin-user-not-found", query=args[0][:64]))
        return
    assert message.from_user is not None
    changed = await accounts.set_banned(db, message.from_user.id, user.id, banned)
    key = ("admin-banned" if banned else "admin-unbanned") if changed else "admin-ban-unchanged"
    await _reply(message, i18n.get(key, user=str(user.id)))


# --------------------------------------------------------------------------- orders


async def _order_text(i18n: I18nContext, db: Database, order: Any) -> str:
    code = await catalog.currency(db)
    # status changes, money and operator actions, in the order they happened
    events: list[tuple[int, str]] = [
        (
            e.at,
            i18n.get(
                "admin-status-line",
                when=_when(e.at),
                old=e.old_status or "—",
                new=e.new_status,
            ),
        )
        for e in await queries.order_events(db, order.id)
    ]
    events += [
        (
            e.created_at,
            i18n.get(
                "admin-ledger-line",
                when=_when(e.created_at),
                amount=("+" if e.amount > 0 else "") + format_amount(e.amount, code),
                kind=e.kind,
                ref=e.ref,
            ),
        )
        for e in await queries.order_ledger(db, order.id)
    ]
    events += [
        (
            e.created_at,
            i18n.get(
                "admin-audit-line",
                when=_when(e.created_at),
                admin=str(e.admin_id),
                action=e.action,
                target=e.target or "—",
                details=e.details or "",
            ),
        )
        for e in await queries.order_audit(db, order.id)
    ]
    history = [text for _, text in sorted(events, key=lambda event: event[0])]
    return i18n.get(
        "admin-order-card",
        id=str(order.id),
        status=order.status,
        user=str(order.user_id),
        service=f"{order.service_name[:60]} (#{order.service_id})",
        panel_order_id=order.panel_order_id or "—",
        link=(order.link or "—")[:200],
        quantity=str(order.quantity),
        charge=format_amount(order.charge, code),
        refunded=format_amount(order.refunded, code),
        cost="—" if order.cost is None else format_amount(order.cost, code),
        start_count="—" if order.start_count is None else str(order.start_count),
        remains="—" if order.remains is None else str(order.remains),
        error=(order.error or "—")[:300],
        created=_when(order.created_at),
        changed=_when(order.status_changed_at),
        history="\n".join(history) or "—",
    )


@router.message(Command("order"))
async def cmd_order(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    args = _args(command)
    if len(args) != 1:
        await _reply(message, i18n.get("admin-usage-order"))
        return
    order = await queries.find_order(db, args[0])
    if order is None:
        await _reply(message, i18n.get("admin-order-not-found", query=args[0][:64]))
        return
    await _reply(
        message, await _order_text(i18n, db, order), order_card(i18n, order.id, order.status)
    )


async def _show_order(query: CallbackQuery, i18n: I18nContext, db: Database, order_id: int) -> None:
    order = await queries.get_order_any(db, order_id)
    if order is None or query.message is None:
        return
    await show(
        query.message,
        _cut(await _order_text(i18n, db, order)),
        order_card(i18n, order.id, order.status),
    )


@router.callback_query(AdminCb.filter(F.action == "refresh"))
async def cb_refresh(
    query: CallbackQuery,
    callback_data: AdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    panel: PanelClient,
    notices: Notices,
) -> None:
    # Every button here answers through `callback_answer` (the middleware sends it once,
    # after the handler): a second answerCallbackQuery is refused by Telegram.
    order = await queries.get_order_any(db, callback_data.id)
    if order is None:
        callback_answer.text = i18n.get("admin-order-not-found", query=str(callback_data.id))
        return
    if order.panel_order_id is None:
        _alert(callback_answer, i18n.get("admin-refresh-no-panel-id"))
    else:
        try:
            await status.refresh_order(db, panel, notices, order.user_id, order.id)
        except PanelError as exc:
            log.warning("refresh of order %s failed: %s", order.id, exc)
            _alert(callback_answer, i18n.get("admin-panel-error"))
            return
        callback_answer.text = i18n.get("admin-refreshed")
    await _show_order(query, i18n, db, order.id)


def _alert(callback_answer: CallbackAnswer, text: str) -> None:
    callback_answer.text = text
    callback_answer.show_alert = True


@router.callback_query(AdminCb.filter(F.action == "refund"))
async def cb_refund(
    query: CallbackQuery,
    callback_data: AdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
) -> None:
    outcome, amount = await status.operator_refund(db, query.from_user.id, callback_data.id)
    code = await catalog.currency(db)
    key = {
        "refunded": "admin-refund-done",
        "already": "admin-refund-already",
        "busy": "admin-refund-busy",
        "not_found": "admin-order-not-found",
    }[outcome]
    _alert(
        callback_answer,
        i18n.get(
            key,
            id=str(callback_data.id),
            amount=format_amount(amount, code),
            query=str(callback_data.id),
        ),
    )
    await _show_order(query, i18n, db, callback_data.id)


@router.callback_query(AdminCb.filter(F.action == "renotify"))
async def cb_renotify(
    query: CallbackQuery,
    callback_data: AdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
) -> None:
    done = await notify.requeue_notification(db, query.from_user.id, callback_data.id)
    _alert(callback_answer, i18n.get("admin-renotify-done" if done else "admin-renotify-none"))


@router.message(Command("unknown"))
async def cmd_unknown(message: Message, i18n: I18nContext, db: Database) -> None:
    orders, total = await queries.list_unknown(db, UNKNOWN_LIST)
    if not orders:
        await _reply(message, i18n.get("admin-unknown-none"))
        return
    code = await catalog.currency(db)
    from aiogram.utils.keyboard import InlineKeyboardBuilder

    builder = InlineKeyboardBuilder()
    lines = []
    for o in orders:
        lines.append(
            i18n.get(
                "admin-unknown-line",
                id=str(o.id),
                user=str(o.user_id),
                service=f"{o.service_name[:40]} (#{o.service_id})",
                charge=format_amount(o.charge, code),
                created=_when(o.created_at),
                error=(o.error or "—")[:120],
            )
        )
        builder.button(
            text=i18n.get("admin-btn-placed-n", id=str(o.id)),
            callback_data=AdminCb(action="placed", id=o.id),
        )
        builder.button(
            text=i18n.get("admin-btn-not-placed-n", id=str(o.id)),
            callback_data=AdminCb(action="notplaced", id=o.id),
        )
    builder.adjust(2)
    text = i18n.get("admin-unknown-title", shown=str(len(orders)), total=str(total))
    await _reply(message, text + "\n\n" + "\n\n".join(lines), builder.as_markup())


@router.callback_query(AdminCb.filter(F.action == "placed"))
async def cb_placed(
    query: CallbackQuery,
    callback_data: AdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    state: FSMContext,
) -> None:
    order = await queries.get_order_any(db, callback_data.id)
    if order is None or order.status != "unknown":
        _alert(callback_answer, i18n.get("admin-not-unknown", id=str(callback_data.id)))
        return
    await state.set_state(AdminDialog.unknown_panel_id)
    await state.update_data(order_id=order.id)
    if query.message is not None:
        await query.message.answer(i18n.get("admin-ask-panel-id", id=str(order.id)))


@router.callback_query(AdminCb.filter(F.action == "notplaced"))
async def cb_not_placed(
    query: CallbackQuery,
    callback_data: AdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
) -> None:
    outcome, amount = await status.resolve_not_placed(db, query.from_user.id, callback_data.id)
    if outcome != "done":
        _alert(callback_answer, i18n.get("admin-not-unknown", id=str(callback_data.id)))
        return
    code = await catalog.currency(db)
    text = i18n.get(
        "admin-resolved-not-placed", id=str(callback_data.id), amount=format_amount(amount, code)
    )
    if query.message is not None:
        await query.message.answer(text)


@router.message(AdminDialog.unknown_panel_id, F.text, ~F.text.startswith("/"))
async def on_panel_id(message: Message, i18n: I18nContext, db: Database, state: FSMContext) -> None:
    data = await state.get_data()
    order_id = int(data.get("order_id") or 0)
    assert message.from_user is not None and message.text is not None
    outcome, other = await status.resolve_placed(db, message.from_user.id, order_id, message.text)
    await state.clear()
    if outcome == "bad_id":
        await _reply(message, i18n.get("admin-bad-panel-id"))
    elif outcome == "taken":
        await _reply(message, i18n.get("admin-panel-id-taken", other=str(other)))
    elif outcome == "done":
        await _reply(
            message,
            i18n.get(
                "admin-resolved-placed",
                id=str(order_id),
                panel_order_id=message.text.strip().lstrip("#"),
            ),
        )
    else:
        await _reply(message, i18n.get("admin-not-unknown", id=str(order_id)))


@router.callback_query(AdminCb.filter(F.action.in_({"credit", "debit"})))
async def cb_money(query: CallbackQuery, callback_data: AdminCb, i18n: I18nContext) -> None:
    if query.message is not None:
        await query.message.answer(
            i18n.get(f"admin-how-{callback_data.action}", user=str(callback_data.id))
        )


@router.callback_query(AdminCb.filter(F.action.in_({"ban", "unban"})))
async def cb_ban(
    query: CallbackQuery,
    callback_data: AdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
) -> None:
    banned = callback_data.action == "ban"
    changed = await accounts.set_banned(db, query.from_user.id, callback_data.id, banned)
    key = ("admin-banned" if banned else "admin-unbanned") if changed else "admin-ban-unchanged"
    callback_answer.text = i18n.get(key, user=str(callback_data.id))
    card = await _user_text(i18n, db, callback_data.id)
    if card is not None and query.message is not None:
        await show(query.message, _cut(card[0]), user_card(i18n, callback_data.id, card[1]))


# --------------------------------------------------------------------------- catalog


@router.message(Command("sync"))
async def cmd_sync(message: Message, i18n: I18nContext, db: Database, panel: PanelClient) -> None:
    try:
        report = await catalog.sync(db, panel)
    except PanelError as exc:
        log.warning("manual catalog sync failed: %s", exc)
        await _reply(message, i18n.get("admin-sync-failed"))
        return
    assert message.from_user is not None
    await audit.record(db, message.from_user.id, "sync", None, f"{report.total} services")
    code = await catalog.currency(db)
    await _reply(message, i18n.get("admin-sync-done", **alerts.report_params(report, code, 10)))


@router.message(Command("markup"))
async def cmd_markup(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database, settings: Settings
) -> None:
    args = _args(command)
    assert message.from_user is not None
    admin_id = message.from_user.id
    if not args:
        view = await catalog_admin.markup_overview(db, settings.markup_percent)
        lines = [
            i18n.get("admin-markup-cat-line", id=str(i), name=n[:40], percent=p)
            for i, n, p in view.categories
        ]
        lines += [
            i18n.get("admin-markup-svc-line", id=s, name=n[:40], percent=p)
            for s, n, p in view.services
        ]
        await _reply(
            message,
            i18n.get(
                "admin-markup-overview",
                percent=str(view.global_markup),
                source=i18n.get(
                    "admin-markup-from-settings"
                    if view.from_settings
                    else "admin-markup-from-command"
                ),
                overrides="\n".join(lines) or "—",
            ),
        )
        return
    if len(args) == 1:
        percent = catalog_admin.parse_percent(args[0])
        if percent is None:
            await _reply(message, i18n.get("admin-bad-percent", value=args[0][:16]))
            return
        await catalog_admin.set_global_markup(db, admin_id, percent)
        await _reply(message, i18n.get("admin-markup-global-set", percent=str(percent)))
        return
    if len(args) != 3 or args[0].lower() not in {"cat", "svc"}:
        await _reply(message, i18n.get("admin-usage-markup"))
        return
    scope: Literal["cat", "svc"] = "cat" if args[0].lower() == "cat" else "svc"
    value: Any = None
    if args[2].lower() != "off":
        value = catalog_admin.parse_percent(args[2])
        if value is None:
            await _reply(message, i18n.get("admin-bad-percent", value=args[2][:16]))
            return
    name = await catalog_admin.set_override_markup(db, admin_id, scope, args[1].lstrip("#"), value)
    if name is None:
        await _reply(message, i18n.get(f"admin-markup-{scope}-not-found", id=args[1][:32]))
        return
    await _reply(
        message,
        i18n.get(
            f"admin-markup-{scope}-set",
            id=args[1].lstrip("#")[:32],
            name=name[:60],
            percent="off" if value is None else str(value),
        ),
    )


@router.message(Command("hide", "show"))
async def cmd_hide(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    hide = command.command.lower() == "hide"
    args = _args(command)
    if len(args) != 1:
        await _reply(message, i18n.get("admin-usage-hide" if hide else "admin-usage-show"))
        return
    service_id = args[0].lstrip("#")[:32]
    assert message.from_user is not None
    changed = await catalog_admin.set_hidden(db, message.from_user.id, service_id, hide)
    if changed is None:
        key = "admin-service-not-found"
    elif not changed:
        key = "admin-service-unchanged"
    else:
        key = "admin-service-hidden" if hide else "admin-service-shown"
    await _reply(message, i18n.get(key, id=service_id))


# --------------------------------------------------------------------------- maintenance


@router.message(Command("maintenance"))
async def cmd_maintenance(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    args = [a.lower() for a in _args(command)]
    if not args:
        on = await maintenance.maintenance_on(db)
        await _reply(message, i18n.get("admin-maintenance-state", state="on" if on else "off"))
        return
    if len(args) != 1 or args[0] not in {"on", "off"}:
        await _reply(message, i18n.get("admin-usage-maintenance"))
        return
    assert message.from_user is not None
    await maintenance.set_maintenance(db, message.from_user.id, args[0] == "on")
    await _reply(message, i18n.get(f"admin-maintenance-{args[0]}"))


# --------------------------------------------------------------------------- broadcast


def _progress_text(i18n: I18nContext, counts: BroadcastCounts) -> str:
    key = "admin-broadcast-done" if counts.done else "admin-broadcast-progress"
    return i18n.core.get(
        key,
        i18n.locale,
        total=str(counts.total),
        sent=str(counts.sent),
        blocked=str(counts.blocked),
        failed=str(counts.failed),
        queued=str(counts.queued),
    )


async def broadcast_progress(
    bot: Bot,
    db: Database,
    chat_id: int,
    message_id: int,
    batch: str,
    render: Callable[[BroadcastCounts], str],
    every: float = PROGRESS_EVERY,
) -> None:
    """Edit the progress message every few seconds until the batch is delivered."""
    shown = ""
    while True:
        counts = await broadcast.broadcast_counts(db, batch)
        text = render(counts)
        if text != shown:
            try:
                await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
                shown = text
            except TelegramAPIError as exc:
                log.warning("broadcast %s: could not update the progress: %s", batch, exc)
        if counts.done:
            return
        await asyncio.sleep(every)


@router.message(Command("broadcast"))
async def cmd_broadcast(
    message: Message, i18n: I18nContext, db: Database, bot: Bot, supervisor: Supervisor
) -> None:
    source = message.reply_to_message
    if source is None:
        await _reply(message, i18n.get("admin-usage-broadcast"))
        return
    assert message.from_user is not None
    batch, count, started = await broadcast.start_broadcast(
        db, message.from_user.id, message.chat.id, source.message_id
    )
    if not started:
        await _reply(message, i18n.get("admin-broadcast-repeat", total=str(count)))
        return
    counts = await broadcast.broadcast_counts(db, batch)
    progress = await message.answer(_progress_text(i18n, counts))
    if counts.done:
        return
    chat_id, progress_id = progress.chat.id, progress.message_id
    supervisor.start(
        f"broadcast-{batch}",
        lambda: broadcast_progress(
            bot, db, chat_id, progress_id, batch, lambda c: _progress_text(i18n, c)
        ),
    )
