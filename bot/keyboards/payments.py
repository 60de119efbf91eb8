"""Keyboards of the top-up screens and of support, with the CallbackData each one uses."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.keyboards.builder import FastInlineBuilder
from bot.keyboards.fields import RowId
from bot.keyboards.menu import MenuCb
from bot.money import format_amount
from bot.payments.models import Method

PRESETS_PER_ROW = 4


class TopupCb(CallbackData, prefix="tu"):
    """action: menu (the amounts) | other (type one) | amount (how to pay `amount`) |
    stars | crypto (pay `amount` that way). `amount` is micro-units, checked again on press."""

    action: str
    amount: RowId = 0


class SupportCb(CallbackData, prefix="sup"):
    """Write to the operators; topic: payments | general."""

    topic: str


def topup_button(i18n: I18nContext) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=i18n.get("payments-button-topup"), callback_data=TopupCb(action="menu").pack()
    )


def support_button(i18n: I18nContext, topic: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=i18n.get("support-button"), callback_data=SupportCb(topic=topic).pack()
    )


def support_keyboard(i18n: I18nContext, topic: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[support_button(i18n, topic)]])


def _back_to_balance(i18n: I18nContext) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=i18n.get("payments-button-back"), callback_data=MenuCb(action="balance").pack()
    )


def amounts_keyboard(
    i18n: I18nContext, presets: Sequence[int], currency: str
) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    row: list[InlineKeyboardButton] = []
    for amount in presets:
        row.append(
            InlineKeyboardButton(
                text=i18n.get(
                    "payments-button-preset", amount=format_amount(amount, currency, i18n.locale)
                ),
                callback_data=TopupCb(action="amount", amount=amount).pack(),
            )
        )
        if len(row) == PRESETS_PER_ROW:
            builder.row(*row)
            row = []
    if row:
        builder.row(*row)
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("payments-button-other"), callback_data=TopupCb(action="other").pack()
        )
    )
    builder.row(_back_to_balance(i18n))
    return builder.as_markup()


def back_to_amounts(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("payments-button-back"), callback_data=TopupCb(action="menu").pack()
        )
    )
    return builder.as_markup()


def pay_keyboard(
    i18n: I18nContext, amount: int, methods: Sequence[Method], stars: int | None
) -> InlineKeyboardMarkup:
    """One button per method that can take `amount`; `stars` is its price in Stars."""
    builder = FastInlineBuilder()
    if "stars" in methods and stars is not None:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get("payments-button-stars", stars=stars),
                callback_data=TopupCb(action="stars", amount=amount).pack(),
            )
        )
    if "cryptopay" in methods:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get("payments-button-crypto"),
                callback_data=TopupCb(action="crypto", amount=amount).pack(),
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("payments-button-back"), callback_data=TopupCb(action="menu").pack()
        )
    )
    return builder.as_markup()


def crypto_invoice_keyboard(
    i18n: I18nContext, url: str, amount: int, currency: str
) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    builder.row(
        InlineKeyboardButton(
            text=i18n.get(
                "payments-button-pay-crypto", amount=format_amount(amount, currency, i18n.locale)
            ),
            url=url,
        )
    )
    builder.row(_back_to_balance(i18n))
    return builder.as_markup()


def balance_only(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    builder.row(_back_to_balance(i18n))
    return builder.as_markup()
