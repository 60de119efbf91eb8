"""Refill and cancel buttons of the order card. The service decides; this only renders."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InaccessibleMessage
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.db import Database
from bot.keyboards.order_requests import OrderRequestCb, back_to_order, cancel_confirm_keyboard
from bot.keyboards.orders import OrderCb
from bot.panel import PanelClient
from bot.services.orders import requests
from bot.services.orders.requests import Outcome, RequestResult
from bot.services.users import User

router = Router(name="order_requests")


def _result_text(i18n: I18nContext, kind: str, order_id: int, result: RequestResult) -> str:
    oid = str(order_id)
    match result.outcome:
        case Outcome.ACCEPTED:
            return i18n.get(f"track-{kind}-accepted", order_id=oid)
        case Outcome.REJECTED if result.message:
            return i18n.get("track-request-rejected", order_id=oid, reason=result.message[:500])
        case Outcome.REJECTED:
            return i18n.get("track-request-rejected-no-reason", order_id=oid)
        case Outcome.IN_PROGRESS:
            return i18n.get("track-request-in-progress", order_id=oid)
        case Outcome.NOT_ALLOWED:
            return i18n.get("track-request-not-allowed", order_id=oid)
        case Outcome.UNAVAILABLE:
            return i18n.get("track-request-unavailable")
        case Outcome.UNKNOWN:
            return i18n.get("track-request-unknown", order_id=oid)
    return i18n.get("track-request-not-found")


async def _reply(query: CallbackQuery, text: str, i18n: I18nContext, order_id: int) -> None:
    if query.message is None or isinstance(query.message, InaccessibleMessage):
        await query.bot.send_message(  # type: ignore[union-attr]
            query.from_user.id, text, reply_markup=back_to_order(i18n, order_id)
        )
        return
    await query.message.answer(text, reply_markup=back_to_order(i18n, order_id))


@router.callback_query(OrderCb.filter(F.action == "refill"))
async def cb_refill(
    query: CallbackQuery,
    callback_data: OrderCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    panel: PanelClient,
    user: User,
) -> None:
    result = await requests.request_refill(db, panel, user.id, callback_data.order_id)
    if result.outcome is Outcome.NOT_FOUND:
        callback_answer.text = i18n.get("track-request-not-found")
        callback_answer.show_alert = True
        return
    await _reply(query, _result_text(i18n, "refill", callback_data.order_id, result), i18n,
                 callback_data.order_id)  # fmt: skip


@router.callback_query(OrderCb.filter(F.action == "cancel"))
async def cb_cancel_ask(
    query: CallbackQuery,
    callback_data: OrderCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    user: User,
) -> None:
    actions = await requests.available_actions(db, user.id, callback_data.order_id)
    if "cancel" not in actions:
        callback_answer.text = i18n.get(
            "track-request-not-allowed", order_id=str(callback_data.order_id)
        )
        callback_answer.show_alert = True
        return
    text = i18n.get("track-cancel-confirm", order_id=str(callback_data.order_id))
    markup = cancel_confirm_keyboard(i18n, callback_data.order_id)
    if query.message is None or isinstance(query.message, InaccessibleMessage):
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr]
        return
    await query.message.answer(text, reply_markup=markup)


@router.callback_query(OrderRequestCb.filter(F.action == "cancel_yes"))
async def cb_cancel(
    query: CallbackQuery,
    callback_data: OrderRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    panel: PanelClient,
    user: User,
) -> None:
    result = await requests.request_cancel(db, panel, user.id, callback_data.order_id)
    if result.outcome is Outcome.NOT_FOUND:
        callback_answer.text = i18n.get("track-request-not-found")
        callback_answer.show_alert = True
        return
    await _reply(query, _result_text(i18n, "cancel", callback_data.order_id, result), i18n,
                 callback_data.order_id)  # fmt: skip
