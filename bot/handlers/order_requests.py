"""Refill and cancel buttons of the order card. The service decides; bot/views/order_requests.py
says what came of it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.db import Database
from bot.handlers.screen import alert
from bot.keyboards.order_requests import OrderRequestCb, back_to_order, cancel_confirm_keyboard
from bot.keyboards.orders import OrderCb
from bot.panel import PanelClient
from bot.services.orders import requests
from bot.services.orders.requests import Outcome
from bot.services.users import User
from bot.views import order_requests as views

router = Router(name="order_requests")


async def _reply(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    """A new message under the pressed one (to the user when that one is out of reach)."""
    if query.message is None or isinstance(query.message, InaccessibleMessage):
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr]
        return
    await query.message.answer(text, reply_markup=markup)


# what each button of the card asks the panel for
SEND = {"refill": requests.request_refill, "cancel": requests.request_cancel}


@router.callback_query(OrderCb.filter(F.action == "refill"))
@router.callback_query(OrderRequestCb.filter(F.action == "cancel_yes"))
async def cb_request(
    query: CallbackQuery,
    callback_data: OrderCb | OrderRequestCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    panel: PanelClient,
    user: User,
) -> None:
    """Refill straight from the card; cancel once confirmed (it cannot be undone)."""
    kind = "refill" if isinstance(callback_data, OrderCb) else "cancel"
    order_id = callback_data.order_id
    result = await SEND[kind](db, panel, user.id, order_id)
    if result.outcome is Outcome.NOT_FOUND:
        alert(callback_answer, i18n.get("track-request-not-found"))
        return
    await _reply(
        query, views.request_result(i18n, kind, order_id, result), back_to_order(i18n, order_id)
    )


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
        alert(
            callback_answer,
            i18n.get("track-request-not-allowed", order_id=str(callback_data.order_id)),
        )
        return
    text = i18n.get("track-cancel-confirm", order_id=str(callback_data.order_id))
    await _reply(query, text, cancel_confirm_keyboard(i18n, callback_data.order_id))
