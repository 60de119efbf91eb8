""" "My orders", the order card and the balance screen (their texts: bot/views/orders.py)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.order_flow import STATE_OF_STEP, ask, dialog_data, show_summary
from bot.handlers.screen import alert, show_for
from bot.keyboards.menu import MenuCb
from bot.keyboards.order_requests import order_request_rows
from bot.keyboards.orders import (
    OrderCb,
    balance_keyboard,
    order_card_keyboard,
    orders_list_keyboard,
)
from bot.keyboards.payments import support_button, topup_button
from bot.panel import PanelClient, PanelError
from bot.payments.models import PaymentConfig
from bot.ratelimit import Cooldown
from bot.services import catalog, wallet
from bot.services.alerts import Notices
from bot.services.orders import queries, reorder, requests
from bot.services.orders.queries import OrderView
from bot.services.orders.status import refresh_order
from bot.services.users import User
from bot.views import order_dialog as dialog_views
from bot.views import orders as views

log = logging.getLogger(__name__)

router = Router(name="orders")

HISTORY_LIMIT = 10


async def balance_screen(
    i18n: I18nContext, db: Database, user: User, payments: PaymentConfig, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """The balance screen (the menu button and /balance)."""
    balance = await wallet.balance(db, user.id)
    history = await wallet.history(db, user.id, HISTORY_LIMIT)
    currency = await catalog.currency(db)
    # Top up when a payment method is on; else the way to the operators (no dead button).
    can_top_up = bool(payments.methods(currency))
    text = views.balance(
        i18n, balance, history, currency, can_top_up=can_top_up, contact=settings.support_contact
    )
    first = topup_button(i18n) if can_top_up else support_button(i18n, "payments")
    return text, balance_keyboard(i18n, first)


@router.callback_query(MenuCb.filter(F.action == "balance"))
async def cb_balance(
    query: CallbackQuery,
    i18n: I18nContext,
    db: Database,
    user: User,
    payments: PaymentConfig,
    settings: Settings,
) -> None:
    await show_for(query, *await balance_screen(i18n, db, user, payments, settings))


async def orders_screen(
    i18n: I18nContext, db: Database, user: User, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of "My orders" (the menu button and /orders)."""
    orders_page = await queries.list_orders(db, user.id, page)
    return views.orders_page(i18n, orders_page), orders_list_keyboard(i18n, orders_page)


async def _show_list(
    query: CallbackQuery, i18n: I18nContext, db: Database, user: User, page: int
) -> None:
    await show_for(query, *await orders_screen(i18n, db, user, page))


@router.callback_query(MenuCb.filter(F.action == "orders"))
async def cb_orders(query: CallbackQuery, i18n: I18nContext, db: Database, user: User) -> None:
    await _show_list(query, i18n, db, user, 0)


@router.callback_query(OrderCb.filter(F.action == "list"))
async def cb_orders_page(
    query: CallbackQuery, callback_data: OrderCb, i18n: I18nContext, db: Database, user: User
) -> None:
    await _show_list(query, i18n, db, user, callback_data.page)


async def order_card_screen(
    i18n: I18nContext, db: Database, user: User, view: OrderView, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The card, with Refill / Cancel where the order and its service allow them."""
    currency = await catalog.currency(db)
    actions = await requests.available_actions(db, user.id, view.id)
    markup = order_card_keyboard(i18n, view, order_request_rows(i18n, view.id, actions), page=page)
    return views.order_card(i18n, view, currency), markup


async def show_card(
    query: CallbackQuery,
    i18n: I18nContext,
    db: Database,
    user: User,
    view: OrderView,
    page: int,
    note: str = "",
) -> None:
    text, markup = await order_card_screen(i18n, db, user, view, page)
    await show_for(query, text + note, markup)


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
        alert(callback_answer, i18n.get("orders-not-found"))
        return
    await show_card(query, i18n, db, user, view, callback_data.page)


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
    refresh_cooldown: Cooldown,
) -> None:
    view = await queries.get_order(db, user.id, callback_data.order_id)
    if view is None:
        alert(callback_answer, i18n.get("orders-not-found"))
        return
    if not refresh_cooldown.allow((user.id, view.id)):
        # refreshed a moment ago: the stored status is as fresh as the panel's
        await show_card(query, i18n, db, user, view, callback_data.page)
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
    await show_card(query, i18n, db, user, fresh or view, callback_data.page, note)


@router.callback_query(OrderCb.filter(F.action == "again"))
async def cb_order_again(
    query: CallbackQuery,
    callback_data: OrderCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: Database,
    user: User,
    settings: Settings,
) -> None:
    """ "Order again": a new order dialog with the old answers, straight to the summary at
    today's price, or at the first step whose old answer no longer fits (saying why). The
    card stays; the dialog comes as a new message, as from the catalog."""
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    again = await reorder.prepare(
        db, user.id, callback_data.order_id, default_markup=settings.markup_percent
    )
    if again.order is None:
        alert(callback_answer, i18n.get("orders-not-found"))
        return
    if not again.offered or again.service is None or again.kind is None:
        # an alert over the card: the card stays, with what else can be done with the order
        alert(callback_answer, i18n.get("order-again-unavailable", order_id=again.order.id))
        return
    data = dialog_data(again.service, again.kind)
    data["answers"] = again.refit.answers
    step = again.refit.ask
    if step is None:
        await state.set_data(data)
        await show_summary(
            query.message, state, i18n, data, user=user, db=db, settings=settings, edit=False
        )
        return
    await state.set_state(STATE_OF_STEP[step])
    await state.set_data(data)
    why = dialog_views.reorder_change(i18n, again.order.id, again.refit)
    await ask(query.message, i18n, data, step, error=why)
