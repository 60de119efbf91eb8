"""Keyboards for "My orders", the order card and the balance screen (orders feature)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.keyboards.builder import FastInlineBuilder
from bot.keyboards.fields import PageNo, RowId
from bot.keyboards.menu import MenuCb
from bot.services.orders.queries import OrderView, Page
from bot.text import shorten

BUTTON_NAME_LIMIT = 32


class OrderCb(CallbackData, prefix="o"):
    """action: view | refresh | refill | cancel | list | again (order it again) | export;
    order_id is our id; page for lists (on a card: the list page to go back to)."""

    action: str
    order_id: RowId = 0
    page: PageNo = 0


def short(text: str, limit: int = BUTTON_NAME_LIMIT) -> str:
    return shorten(text, limit, one_line=True)


def orders_list_keyboard(i18n: I18nContext, page: Page) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    for order in page.items:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get(
                    "orders-button-open", order_id=str(order.id), service=short(order.service_name)
                ),
                callback_data=OrderCb(action="view", order_id=order.id, page=page.page).pack(),
            )
        )
    if page.pages > 1:
        nav: list[InlineKeyboardButton] = []
        if page.has_prev:
            nav.append(
                InlineKeyboardButton(
                    text=i18n.get("orders-button-prev"),
                    callback_data=OrderCb(action="list", page=page.page - 1).pack(),
                )
            )
        nav.append(
            InlineKeyboardButton(
                text=i18n.get("orders-button-page", page=str(page.page + 1), pages=str(page.pages)),
                callback_data=OrderCb(action="list", page=page.page).pack(),
            )
        )
        if page.has_next:
            nav.append(
                InlineKeyboardButton(
                    text=i18n.get("orders-button-next"),
                    callback_data=OrderCb(action="list", page=page.page + 1).pack(),
                )
            )
        builder.row(*nav)
    if page.items:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get("orders-button-export"),
                callback_data=OrderCb(action="export", page=page.page).pack(),
            )
        )
    else:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get("orders-button-catalog"),
                callback_data=MenuCb(action="catalog").pack(),
            )
        )
    builder.row(
        InlineKeyboardButton(text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack())
    )
    return builder.as_markup()


def order_card_keyboard(
    i18n: I18nContext,
    order_view: OrderView,
    extra_rows: Sequence[Sequence[InlineKeyboardButton]] = (),
    *,
    page: int = 0,
) -> InlineKeyboardMarkup:
    """Refresh (when the panel knows the order), then `extra_rows` (refill, cancel...),
    Order again, then Back to the list page `page` and Home."""
    builder = FastInlineBuilder()
    if order_view.panel_order_id is not None:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get("orders-button-refresh"),
                callback_data=OrderCb(action="refresh", order_id=order_view.id, page=page).pack(),
            )
        )
    for row in extra_rows:
        builder.row(*row)
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("orders-button-again"),
            callback_data=OrderCb(action="again", order_id=order_view.id, page=page).pack(),
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("orders-button-back-to-list"),
            callback_data=OrderCb(action="list", page=page).pack(),
        ),
        InlineKeyboardButton(
            text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack()
        ),
    )
    return builder.as_markup()


def balance_keyboard(
    i18n: I18nContext, first: InlineKeyboardButton | None = None
) -> InlineKeyboardMarkup:
    """Promo code, My orders and Home, under `first` (Top up, or Write to support) when
    given."""
    builder = FastInlineBuilder()
    if first is not None:
        builder.row(first)
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("promo-button"), callback_data=MenuCb(action="promo").pack()
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("menu-orders"), callback_data=MenuCb(action="orders").pack()
        ),
        InlineKeyboardButton(
            text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack()
        ),
    )
    return builder.as_markup()
