"""The order dialog's shared steps: asking a question, the priced summary (behind the
same-link guard), and telling the outcome of Confirm.

Used by the dialog itself (bot/handlers/order_dialog.py) and by the ways into it that skip
questions ("Order again", bot/handlers/reorder.py), so every path reaches the same summary
with a new confirm token and the same safety rules. The FSM data is described in
order_dialog's docstring; `same_link_ok` holds the link the customer chose to order again
although an earlier order for it is still running (the guard asks once per link).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import MaybeInaccessibleMessageUnion, Message
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.screen import show, show_surely
from bot.keyboards.menu import main_menu
from bot.keyboards.order_dialog import (
    outcome_keyboard,
    same_link_keyboard,
    step_keyboard,
    summary_keyboard,
)
from bot.panel.models import OrderKind
from bot.services import catalog
from bot.services.alerts import Notices
from bot.services.catalog import ServiceView
from bot.services.order_input import (
    ServiceLimits,
    Step,
    build_fields,
    first_step,
    is_complete,
    previous_step,
)
from bot.services.orders import notify, placing, queries
from bot.services.orders.queries import OrderView
from bot.services.users import User
from bot.states import OrderDialog
from bot.views import order_dialog as views

log = logging.getLogger(__name__)

STATE_OF_STEP: dict[Step, str] = {step: getattr(OrderDialog, step.value).state for step in Step}
STEP_OF_STATE: dict[str, Step] = {state: step for step, state in STATE_OF_STEP.items()}
INPUT_STATES = tuple(STATE_OF_STEP.values())
DIALOG_STATES = (*INPUT_STATES, OrderDialog.confirm.state)

# the outcomes after which the order exists: the outcome screen links to its card
SHOWS_ORDER = frozenset({"placed", "duplicate", "unknown"})


def dialog_data(service: ServiceView, kind: OrderKind) -> dict[str, Any]:
    """The FSM data of a new dialog for `service` (of the known type `kind`), no answers."""
    return {
        "dialog": placing.new_dialog_id(),
        "service_id": service.id,
        "service_name": service.name,
        "kind": kind.value,
        "min": service.min_qty,
        "max": service.max_qty,
        "dripfeed": service.dripfeed,
        "answers": {},
        "token": None,
    }


def limits_of(data: dict[str, Any]) -> ServiceLimits:
    return ServiceLimits(
        kind=OrderKind(data["kind"]),
        min_qty=int(data["min"]),
        max_qty=int(data["max"]),
        dripfeed=bool(data.get("dripfeed")),
    )


async def order_of_dialog(db: Database, user: User, dialog: str) -> OrderView | None:
    if len(dialog) != placing.DIALOG_ID_CHARS:
        return None
    return await queries.order_of_dialog(db, user.id, dialog)


async def ask(
    target: MaybeInaccessibleMessageUnion,
    i18n: I18nContext,
    data: dict[str, Any],
    step: Step,
    *,
    error: str | None = None,
    edit: bool = False,
) -> None:
    limits = limits_of(data)
    answers: dict[str, Any] = data.get("answers", {})
    text = views.question(i18n, data["service_name"], limits, answers, step, error)
    can_go_back = previous_step(limits, answers, step) is not None
    dialog = data.get("dialog", "")
    markup = step_keyboard(i18n, step, can_go_back=can_go_back, dialog=dialog, limits=limits)
    await show(target, text, markup, edit=edit)


async def leave(
    target: MaybeInaccessibleMessageUnion, i18n: I18nContext, state: FSMContext, key: str
) -> None:
    await state.clear()
    await target.answer(i18n.get(key), reply_markup=main_menu(i18n))


def draft_of(user: User, data: dict[str, Any]) -> placing.Draft:
    limits = limits_of(data)
    answers = data.get("answers", {})
    fields, quantity = build_fields(limits.kind, answers)
    link = answers.get(Step.LINK)
    return placing.Draft(
        user_id=user.id,
        service_id=str(data["service_id"]),
        fields=fields,
        quantity=quantity,
        link=str(link) if link else None,
    )


# --------------------------------------------------------------------------- summary


async def _same_link_stop(
    target: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    i18n: I18nContext,
    data: dict[str, Any],
    draft: placing.Draft,
    *,
    db: Database,
    edit: bool,
) -> bool:
    """The same-link guard: an unfinished order of this service for this link is named and
    the customer asked to confirm again. True when the summary must wait for that answer."""
    if draft.link is None or data.get("same_link_ok") == draft.link:
        return False
    earlier = await queries.unfinished_same_link(db, draft.user_id, draft.service_id, draft.link)
    if earlier is None:
        return False
    data["token"] = None  # no Confirm until the customer says "order anyway"
    await state.set_state(OrderDialog.confirm)
    await state.set_data(data)
    text = views.same_link_warning(i18n, earlier)
    markup = same_link_keyboard(i18n, earlier.id, dialog=data.get("dialog", ""))
    await show(target, text, markup, edit=edit)
    return True


async def show_summary(
    target: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    i18n: I18nContext,
    data: dict[str, Any],
    *,
    user: User,
    db: Database,
    settings: Settings,
    edit: bool,
) -> None:
    """The priced summary with a new confirm token (after the same-link guard); an
    incomplete dialog goes back to its first step, a service gone since ends it."""
    limits = limits_of(data)
    answers: dict[str, Any] = data.get("answers", {})
    if not is_complete(limits, answers):
        step = first_step(limits)
        await state.set_state(STATE_OF_STEP[step])
        await ask(target, i18n, data, step, edit=edit)
        return
    draft = draft_of(user, data)
    try:
        quote = await placing.quote(db, settings, draft)
    except placing.ServiceUnavailable:
        await leave(target, i18n, state, "order-unavailable")
        return
    if await _same_link_stop(target, state, i18n, data, draft, db=db, edit=edit):
        return
    token = placing.new_confirm_token(data.get("dialog"))
    data["token"] = token
    data["quoted"] = quote.charge  # the price on this summary: never charge more than it
    await state.set_state(OrderDialog.confirm)
    await state.set_data(data)

    text = views.summary(i18n, data["service_name"], limits, answers, draft.quantity, quote)
    can_pay = quote.balance_after >= 0
    markup = summary_keyboard(
        i18n, token, can_pay=can_pay, can_go_back=True, dialog=data.get("dialog", "")
    )
    await show(target, text, markup, edit=edit)


# --------------------------------------------------------------------------- after Confirm


async def not_this_summary(
    message: MaybeInaccessibleMessageUnion,
    i18n: I18nContext,
    db: Database,
    user: User,
    token: str,
) -> None:
    """Confirm of a summary that is not the current one. If its dialog became an order (a
    second tap, a tap after a restart), that order is named and its message left as it
    is; else nothing was ordered from it and its buttons go."""
    order = await order_of_dialog(db, user, placing.dialog_of_token(token))
    if order is not None:
        text = views.already_placed(i18n, order, confirm=True)
        await message.answer(text, reply_markup=outcome_keyboard(i18n, order.id))
        return
    if isinstance(message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)
    await message.answer(i18n.get("order-outdated"), reply_markup=main_menu(i18n))


async def tell_outcome(
    message: MaybeInaccessibleMessageUnion,
    i18n: I18nContext,
    db: Database,
    notices: Notices,
    user: User,
    token: str,
    result: placing.PlaceResult,
) -> None:
    """The outcome reaches the customer whatever Telegram answers, and this update never
    fails after a placement: the error handler's "try again" would make them pay twice.
    What Telegram does not take now goes to the outbox, once per confirmation."""
    order_id = result.order_id if result.outcome in SHOWS_ORDER else None
    try:
        key, params = views.outcome_message(i18n, result, await catalog.currency(db))
    except Exception:  # the database failing now: the order is recorded, its key is not
        log.exception("could not word the outcome of confirmation %s", token)
        key, params = views.outcome_message(i18n, result, catalog.DEFAULT_CURRENCY)
    try:
        shown = await show_surely(
            message, i18n.get(key, **params), outcome_keyboard(i18n, order_id)
        )
    except Exception:
        log.exception("could not show %s the outcome of confirmation %s", user.id, token)
        shown = False
    if shown:
        return
    try:
        await notify.placement_outcome(db, notices, user.id, order_id, token, key, params)
        log.warning("outcome of confirmation %s for %s queued for later", token, user.id)
    except Exception:
        log.exception("could not queue the outcome of confirmation %s (order %s) for %s",
                      token, result.order_id, user.id)  # fmt: skip
