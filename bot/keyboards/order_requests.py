"""Refill / Cancel buttons for the order card, the cancel confirmation, and the "open the
order" button of notifications.

The order card (bot/keyboards/orders.py) takes these rows through its `extra_rows` hook:
`order_card_keyboard(i18n, view, extra_rows=order_request_rows(i18n, view.id, actions))`.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.keyboards.fields import RowId
from bot.keyboards.orders import OrderCb


class OrderRequestCb(CallbackData, prefix="tr"):
    """action: cancel_yes (the confirmed cancel); order_id is our id."""

    action: str
    order_id: RowId


def order_card_data(order_id: int) -> str:
    """Callback data of the button that opens an order card (used in notifications)."""
    return OrderCb(action="view", order_id=order_id).pack()


def order_request_rows(
    i18n: I18nContext, order_id: int, actions: Iterable[str]
) -> list[list[InlineKeyboardButton]]:
    """One row per action the order offers (see services.orders.requests.available_actions)."""
    rows = []
    for action in ("refill", "cancel"):
        if action in actions:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=i18n.get(f"track-btn-{action}"),
                        callback_data=OrderCb(action=action, order_id=order_id).pack(),
                    )
                ]
            )
    return rows


def cancel_confirm_keyboard(i18n: I18nContext, order_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=i18n.get("track-btn-cancel-confirm"),
                    callback_data=OrderRequestCb(action="cancel_yes", order_id=order_id).pack(),
                )
            ],
            [back_button(i18n, order_id)],
        ]
    )


def back_button(i18n: I18nContext, order_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=i18n.get("track-btn-order"), callback_data=order_card_data(order_id)
    )


def back_to_order(i18n: I18nContext, order_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_button(i18n, order_id)]])
