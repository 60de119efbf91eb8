"""Keyboards of the admin group: user card, order card, unknown-outcome resolution (also as
outbox buttons, for the alert the order services queue)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from bot.keyboards.builder import FastInlineBuilder
from bot.keyboards.fields import RowId
from bot.services.outbox import Button


class AdminCb(CallbackData, prefix="adm"):
    """action: credit | debit | ban | unban (id = user id);
    refresh | refund | renotify | placed | notplaced (id = our order id)."""

    action: str
    id: RowId


def user_card(i18n: I18nContext, user_id: int, banned: bool) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    builder.button(
        text=i18n.get("admin-btn-credit"), callback_data=AdminCb(action="credit", id=user_id)
    )
    builder.button(
        text=i18n.get("admin-btn-debit"), callback_data=AdminCb(action="debit", id=user_id)
    )
    if banned:
        builder.button(
            text=i18n.get("admin-btn-unban"), callback_data=AdminCb(action="unban", id=user_id)
        )
    else:
        builder.button(
            text=i18n.get("admin-btn-ban"), callback_data=AdminCb(action="ban", id=user_id)
        )
    builder.adjust(2, 1)
    return builder.as_markup()


def order_card(i18n: I18nContext, order_id: int, status: str) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    if status == "unknown":
        add_unknown_buttons(builder, i18n, order_id)
    builder.button(
        text=i18n.get("admin-btn-refresh"), callback_data=AdminCb(action="refresh", id=order_id)
    )
    builder.button(
        text=i18n.get("admin-btn-refund"), callback_data=AdminCb(action="refund", id=order_id)
    )
    builder.button(
        text=i18n.get("admin-btn-renotify"), callback_data=AdminCb(action="renotify", id=order_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def add_unknown_buttons(builder: InlineKeyboardBuilder, i18n: I18nContext, order_id: int) -> None:
    builder.button(
        text=i18n.get("admin-btn-placed"), callback_data=AdminCb(action="placed", id=order_id)
    )
    builder.button(
        text=i18n.get("admin-btn-not-placed"),
        callback_data=AdminCb(action="notplaced", id=order_id),
    )


def unknown_list(i18n: I18nContext, order_ids: list[int]) -> InlineKeyboardMarkup:
    """/unknown: "placed" and "not placed" for each order listed, two to a row."""
    builder = FastInlineBuilder()
    for order_id in order_ids:
        builder.button(
            text=i18n.get("admin-btn-placed-n", id=str(order_id)),
            callback_data=AdminCb(action="placed", id=order_id),
        )
        builder.button(
            text=i18n.get("admin-btn-not-placed-n", id=str(order_id)),
            callback_data=AdminCb(action="notplaced", id=order_id),
        )
    builder.adjust(2)
    return builder.as_markup()


def resolve_buttons(order_id: int) -> list[list[Button]]:
    """The two ways to settle an order with an unknown outcome, as the buttons of the alert
    the order services queue (handed to them in `Notices` by the app)."""
    return [
        [Button("admin-btn-placed", AdminCb(action="placed", id=order_id).pack())],
        [Button("admin-btn-not-placed", AdminCb(action="notplaced", id=order_id).pack())],
    ]
