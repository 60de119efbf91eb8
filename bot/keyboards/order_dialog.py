"""Keyboards for the order dialog (owned by the order-dialog feature)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.keyboards.builder import FastInlineBuilder
from bot.keyboards.fields import Count, Minutes, RowId
from bot.keyboards.menu import MenuCb
from bot.keyboards.orders import OrderCb
from bot.money import format_number
from bot.services.order_input import DELAYS, OPTIONAL_STEPS, ServiceLimits, Step


class OrderStartCb(CallbackData, prefix="buy"):
    """The "Order" button on a service card."""

    service_id: str


class OrderNavCb(CallbackData, prefix="od"):
    """Dialog navigation: back | skip | cancel. Acts on the current step of the dialog
    `dialog` (its id in the FSM data); a button of a dialog that has ended changes nothing.
    Empty `dialog` (hand-made data, never on our buttons): the user's current dialog."""

    action: str
    dialog: str = ""


class OrderDelayCb(CallbackData, prefix="odl"):
    """A subscription delay (minutes) picked from the buttons, for the dialog `dialog`."""

    minutes: Minutes
    dialog: str = ""


class OrderQtyCb(CallbackData, prefix="odq"):
    """A quantity picked from the buttons, for the dialog `dialog`; checked against the
    service's limits on press like a typed one (callback data can be forged)."""

    quantity: Count
    dialog: str = ""


# a button of the dialog's steps (the ones that carry the dialog's id)
StepButton = OrderNavCb | OrderDelayCb | OrderQtyCb

# The round numbers offered between a service's min and max (at most ROUND_PICKS of them).
ROUND_QUANTITIES = tuple(m * 10**e for e in range(1, 9) for m in (1, 2, 5))
ROUND_PICKS = 4
QUANTITIES_PER_ROW = 3


def quantity_choices(min_qty: int, max_qty: int) -> list[int]:
    """The quantities offered as buttons: the minimum, a few round numbers spread over the
    range, the maximum."""
    if max_qty <= min_qty:
        return [min_qty] if min_qty > 0 else []
    inside = [q for q in ROUND_QUANTITIES if min_qty < q < max_qty]
    if len(inside) > ROUND_PICKS:
        last = len(inside) - 1
        inside = [inside[round(i * last / (ROUND_PICKS - 1))] for i in range(ROUND_PICKS)]
    return [min_qty, *inside, max_qty]


class OrderConfirmCb(CallbackData, prefix="odc"):
    """Confirm on a summary; the token must match the one kept in the FSM data."""

    token: str


class SameLinkCb(CallbackData, prefix="osl"):
    """The same-link guard's answer in the dialog `dialog`: anyway (go on to the summary)
    | open (end the dialog, show the earlier order `order_id`, re-read and re-checked)."""

    action: str
    order_id: RowId = 0
    dialog: str = ""


def step_keyboard(
    i18n: I18nContext,
    step: Step,
    *,
    can_go_back: bool,
    dialog: str = "",
    limits: ServiceLimits | None = None,
) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    sizes: list[int] = []
    if step is Step.QUANTITY and limits is not None:
        quantities = quantity_choices(limits.min_qty, limits.max_qty)
        for quantity in quantities:
            builder.button(
                text=format_number(quantity, i18n.locale),
                callback_data=OrderQtyCb(quantity=quantity, dialog=dialog),
            )
        full, rest = divmod(len(quantities), QUANTITIES_PER_ROW)
        sizes += [QUANTITIES_PER_ROW] * full + ([rest] if rest else [])
    if step is Step.SUB_DELAY:
        for minutes in DELAYS:
            builder.button(
                text=i18n.get("order-delay-button", minutes=minutes),
                callback_data=OrderDelayCb(minutes=minutes, dialog=dialog),
            )
        sizes += [4, 3]
    if step in OPTIONAL_STEPS:
        key = "order-skip-runs" if step is Step.RUNS else "order-skip"
        builder.button(text=i18n.get(key), callback_data=OrderNavCb(action="skip", dialog=dialog))
        sizes.append(1)
    nav = 0
    if can_go_back:
        builder.button(
            text=i18n.get("order-back"), callback_data=OrderNavCb(action="back", dialog=dialog)
        )
        nav += 1
    builder.button(
        text=i18n.get("order-cancel"), callback_data=OrderNavCb(action="cancel", dialog=dialog)
    )
    sizes.append(nav + 1)
    builder.adjust(*sizes)
    return builder.as_markup()


def summary_keyboard(
    i18n: I18nContext, token: str, *, can_pay: bool, can_go_back: bool, dialog: str = ""
) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    if can_pay:
        builder.button(text=i18n.get("order-confirm"), callback_data=OrderConfirmCb(token=token))
    else:
        builder.button(text=i18n.get("order-top-up"), callback_data=MenuCb(action="balance"))
    nav = 0
    if can_go_back:
        builder.button(
            text=i18n.get("order-back"), callback_data=OrderNavCb(action="back", dialog=dialog)
        )
        nav += 1
    builder.button(
        text=i18n.get("order-cancel"), callback_data=OrderNavCb(action="cancel", dialog=dialog)
    )
    builder.adjust(1, nav + 1)
    return builder.as_markup()


def outcome_keyboard(i18n: I18nContext, order_id: int | None) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    if order_id:
        builder.button(
            text=i18n.get("order-view-order"),
            callback_data=OrderCb(action="view", order_id=order_id),
        )
    builder.button(text=i18n.get("menu-home"), callback_data=MenuCb(action="home"))
    builder.adjust(1)
    return builder.as_markup()


def same_link_keyboard(i18n: I18nContext, order_id: int, *, dialog: str) -> InlineKeyboardMarkup:
    """Order anyway / Open the earlier order, then Back and Cancel of the dialog."""
    builder = FastInlineBuilder()
    builder.button(
        text=i18n.get("order-same-link-anyway"),
        callback_data=SameLinkCb(action="anyway", dialog=dialog),
    )
    builder.button(
        text=i18n.get("order-same-link-open"),
        callback_data=SameLinkCb(action="open", order_id=order_id, dialog=dialog),
    )
    builder.button(
        text=i18n.get("order-back"), callback_data=OrderNavCb(action="back", dialog=dialog)
    )
    builder.button(
        text=i18n.get("order-cancel"), callback_data=OrderNavCb(action="cancel", dialog=dialog)
    )
    builder.adjust(1, 1, 2)
    return builder.as_markup()
