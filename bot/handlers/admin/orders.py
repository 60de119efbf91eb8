"""Orders: /order, /unknown, the order card's buttons, and settling an unknown outcome
(placed: the operator types the panel's order id; not placed: refunded)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.commands import ORDER, UNKNOWN
from bot.db import Database
from bot.handlers.admin.common import one_argument, reply
from bot.handlers.screen import alert, show
from bot.keyboards.admin import AdminCb, order_card, unknown_list
from bot.money import format_amount
from bot.panel import PanelClient, PanelError
from bot.services import catalog
from bot.services.alerts import Notices
from bot.services.orders import notify, queries, status
from bot.services.orders.queries import OrderView
from bot.states import AdminDialog
from bot.views import admin as views

log = logging.getLogger(__name__)

router = Router(name="admin-orders")

UNKNOWN_LIST = 20


async def _card(i18n: I18nContext, db: Database, order: OrderView) -> str:
    return views.order_card(
        i18n,
        order,
        await catalog.currency(db),
        events=await queries.order_events(db, order.id),
        ledger=await queries.order_ledger(db, order.id),
        audit=await queries.order_audit(db, order.id),
    )


async def _show_order(query: CallbackQuery, i18n: I18nContext, db: Database, order_id: int) -> None:
    order = await queries.get_order_any(db, order_id)
    if order is None or query.message is None:
        return
    await show(
        query.message, await _card(i18n, db, order), order_card(i18n, order.id, order.status)
    )


def _not_unknown(i18n: I18nContext, order_id: int) -> str:
    return i18n.get("admin-not-unknown", id=str(order_id))


@router.message(Command(ORDER.name))
async def cmd_order(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    query = await one_argument(message, command, i18n.get("admin-usage-order"))
    if query is None:
        return
    order = await queries.find_order(db, query)
    if order is None:
        await reply(message, i18n.get("admin-order-not-found", query=query[:64]))
        return
    await reply(message, await _card(i18n, db, order), order_card(i18n, order.id, order.status))


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
    order = await queries.get_order_any(db, callback_data.id)
    if order is None:
        callback_answer.text = i18n.get("admin-order-not-found", query=str(callback_data.id))
        return
    if order.panel_order_id is None:
        alert(callback_answer, i18n.get("admin-refresh-no-panel-id"))
    else:
        try:
            await status.refresh_order(db, panel, notices, order.user_id, order.id)
        except PanelError as exc:
            log.warning("refresh of order %s failed: %s", order.id, exc)
            alert(callback_answer, i18n.get("admin-panel-error"))
            return
        callback_answer.text = i18n.get("admin-refreshed")
    await _show_order(query, i18n, db, order.id)


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
    alert(callback_answer, views.refund_result(i18n, outcome, callback_data.id, amount, code))
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
    alert(callback_answer, i18n.get("admin-renotify-done" if done else "admin-renotify-none"))


@router.message(Command(UNKNOWN.name))
async def cmd_unknown(message: Message, i18n: I18nContext, db: Database) -> None:
    orders, total = await queries.list_unknown(db, UNKNOWN_LIST)
    text = views.unknown_list(i18n, orders, total, await catalog.currency(db))
    await reply(message, text, unknown_list(i18n, [o.id for o in orders]) if orders else None)


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
        alert(callback_answer, _not_unknown(i18n, callback_data.id))
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
        alert(callback_answer, _not_unknown(i18n, callback_data.id))
        return
    code = await catalog.currency(db)
    text = i18n.get(
        "admin-resolved-not-placed",
        id=str(callback_data.id),
        amount=format_amount(amount, code, i18n.locale),
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
    await reply(message, views.resolve_placed_result(i18n, outcome, order_id, other, message.text))
