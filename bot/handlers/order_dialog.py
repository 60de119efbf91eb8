"""The guided order dialog: one question per step, a priced summary, then placement.

The steps per service type and every check live in `bot.services.order_input`; pricing and
placement in `bot.services.orders.placing`. The FSM data (SQLite-backed, so a restart keeps
it) holds: `dialog` (this dialog's id), `service_id`, `service_name`, `kind`, `min`, `max`,
`dripfeed`, `answers` (step -> value) and, on the summary, `token` (the Confirm button's token).

The steps shared with the other ways into the summary ("Order again"): asking, the summary
behind the same-link guard, the outcome of Confirm, are in `bot.handlers.order_flow`.

Every button of the dialog carries its id; the confirm token begins with it. A button of a
dialog that has ended (placed, cancelled, replaced by a newer one) changes nothing and says
the truth: the order the dialog became, with its number and status, or that it is over.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, MaybeInaccessibleMessageUnion, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.order_flow import (
    DIALOG_STATES,
    INPUT_STATES,
    STATE_OF_STEP,
    STEP_OF_STATE,
    ask,
    dialog_data,
    draft_of,
    leave,
    limits_of,
    not_this_summary,
    order_of_dialog,
    show_summary,
    tell_outcome,
)
from bot.handlers.orders import show_card
from bot.handlers.screen import alert, show
from bot.keyboards.menu import main_menu
from bot.keyboards.order_dialog import (
    OrderConfirmCb,
    OrderDelayCb,
    OrderNavCb,
    OrderQtyCb,
    OrderStartCb,
    SameLinkCb,
    StepButton,
)
from bot.panel import PanelClient
from bot.panel.models import normalize_kind
from bot.services import catalog
from bot.services.alerts import Notices
from bot.services.order_input import (
    OPTIONAL_STEPS,
    InputError,
    Step,
    first_step,
    next_step,
    parse_answer,
    plan,
    previous_step,
)
from bot.services.orders import placing, queries
from bot.services.users import User
from bot.states import OrderDialog
from bot.views import order_dialog as views

__all__ = ["DIALOG_STATES", "STATE_OF_STEP", "router"]

log = logging.getLogger(__name__)
router = Router(name="order_dialog")


class EndedDialog(Filter):
    """The pressed button belongs to no dialog the user is in now: it was placed, cancelled
    or replaced by a newer dialog (or a restart lost it). Such a button changes nothing."""

    async def __call__(
        self, query: CallbackQuery, callback_data: StepButton, state: FSMContext
    ) -> bool:
        if await state.get_state() not in DIALOG_STATES:
            return True
        dialog = callback_data.dialog
        return bool(dialog) and dialog != (await state.get_data()).get("dialog")


# --------------------------------------------------------------------------- start


@router.callback_query(OrderStartCb.filter())
async def on_start(
    query: CallbackQuery,
    callback_data: OrderStartCb,
    state: FSMContext,
    i18n: I18nContext,
    db: Database,
    settings: Settings,
) -> None:
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    service = await catalog.get_service(
        db, callback_data.service_id, default_markup=settings.markup_percent
    )
    kind = normalize_kind(service.kind) if service is not None else None
    if service is None or not service.offered or kind is None:
        await query.message.answer(i18n.get("order-unavailable"), reply_markup=main_menu(i18n))
        return
    data = dialog_data(service, kind)
    step = first_step(limits_of(data))
    await state.set_state(STATE_OF_STEP[step])
    await state.set_data(data)
    await ask(query.message, i18n, data, step)


# --------------------------------------------------------------------------- answers


async def _accept(
    target: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    i18n: I18nContext,
    data: dict[str, Any],
    step: Step,
    value: Any,
    *,
    user: User,
    db: Database,
    settings: Settings,
    edit: bool,
) -> None:
    """Store an answer, drop the answers after it (they are asked again), move on."""
    limits = limits_of(data)
    old: dict[str, Any] = data.get("answers", {})
    answers: dict[str, Any] = {}
    for earlier in plan(limits.kind, limits.dripfeed):
        if earlier is step:
            break
        if earlier in old:
            answers[earlier] = old[earlier]
    answers[step] = value
    data["answers"] = answers
    data["token"] = None
    following = next_step(limits, answers, step)
    if following is None:
        await state.set_data(data)
        await show_summary(
            target, state, i18n, data, user=user, db=db, settings=settings, edit=edit
        )
        return
    await state.set_state(STATE_OF_STEP[following])
    await state.set_data(data)
    await ask(target, i18n, data, following, edit=edit)


@router.message(StateFilter(*INPUT_STATES))
async def on_answer(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    db: Database,
    settings: Settings,
) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current not in STEP_OF_STATE or "kind" not in data:
        await leave(message, i18n, state, "order-expired")
        return
    step = STEP_OF_STATE[current]
    if message.text is None:
        await ask(message, i18n, data, step, error=views.not_text_error(i18n))
        return
    try:
        value = parse_answer(step, message.text, limits_of(data), data.get("answers", {}))
    except InputError as exc:
        await ask(message, i18n, data, step, error=views.input_error(i18n, exc))
        return
    await _accept(
        message, state, i18n, data, step, value, user=user, db=db, settings=settings, edit=False
    )


@router.message(StateFilter(OrderDialog.confirm))
async def on_text_at_summary(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("order-use-buttons"))


@router.callback_query(OrderDelayCb.filter(), StateFilter(OrderDialog.sub_delay))
@router.callback_query(OrderQtyCb.filter(), StateFilter(OrderDialog.quantity))
async def on_pick(
    query: CallbackQuery,
    callback_data: OrderDelayCb | OrderQtyCb,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    db: Database,
    settings: Settings,
) -> None:
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    data = await state.get_data()
    if isinstance(callback_data, OrderQtyCb):
        step, raw = Step.QUANTITY, callback_data.quantity
    else:
        step, raw = Step.SUB_DELAY, callback_data.minutes
    try:  # checked like a typed answer: the limits are the service's, not the button's
        value = parse_answer(step, str(raw), limits_of(data), data.get("answers", {}))
    except InputError as exc:
        await ask(query.message, i18n, data, step, error=views.input_error(i18n, exc))
        return
    await _accept(
        query.message, state, i18n, data, step, value,
        user=user, db=db, settings=settings, edit=True,
    )  # fmt: skip


# --------------------------------------------------------------------------- navigation


@router.callback_query(OrderNavCb.filter(), EndedDialog())
@router.callback_query(OrderDelayCb.filter(), EndedDialog())
@router.callback_query(OrderQtyCb.filter(), EndedDialog())
async def on_ended_dialog_button(
    query: CallbackQuery,
    callback_data: StepButton,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    user: User,
    db: Database,
) -> None:
    """Cancel, Back, Skip or a delay of a dialog that is over: the order it became (if it
    became one) is named, and nothing changes, least of all "cancelled, nothing charged"."""
    order = await order_of_dialog(db, user, callback_data.dialog)
    if order is None:
        callback_answer.text = i18n.get("order-expired")
        return
    alert(callback_answer, views.already_placed(i18n, order, confirm=False))


@router.callback_query(OrderNavCb.filter(F.action == "cancel"))
async def on_cancel(query: CallbackQuery, state: FSMContext, i18n: I18nContext) -> None:
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    await state.clear()
    await show(query.message, i18n.get("order-cancelled"), main_menu(i18n), edit=True)


@router.callback_query(OrderNavCb.filter(F.action == "skip"), StateFilter(*INPUT_STATES))
async def on_skip(
    query: CallbackQuery,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    db: Database,
    settings: Settings,
) -> None:
    current = await state.get_state()
    if query.message is None or current not in STEP_OF_STATE:
        return
    step = STEP_OF_STATE[current]
    data = await state.get_data()
    if step not in OPTIONAL_STEPS:
        await ask(query.message, i18n, data, step, edit=True)
        return
    await _accept(
        query.message, state, i18n, data, step, None,
        user=user, db=db, settings=settings, edit=True,
    )  # fmt: skip


@router.callback_query(OrderNavCb.filter(F.action == "back"), StateFilter(*DIALOG_STATES))
async def on_back(query: CallbackQuery, state: FSMContext, i18n: I18nContext) -> None:
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    current = await state.get_state()
    data = await state.get_data()
    if "kind" not in data:
        await leave(query.message, i18n, state, "order-expired")
        return
    limits = limits_of(data)
    answers = data.get("answers", {})
    step = STEP_OF_STATE.get(current or "")
    previous = previous_step(limits, answers, step)
    if previous is None:
        previous = first_step(limits)
    data["token"] = None  # the summary's Confirm is no longer valid
    await state.set_state(STATE_OF_STEP[previous])
    await state.set_data(data)
    await ask(query.message, i18n, data, previous, edit=True)


@router.callback_query(OrderNavCb.filter())
@router.callback_query(OrderDelayCb.filter())
@router.callback_query(OrderQtyCb.filter())
async def on_stale_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, i18n: I18nContext
) -> None:
    """A button of the current dialog meant for another step."""
    callback_answer.text = i18n.get("order-expired")


# --------------------------------------------------------------------------- summary and confirm


# --------------------------------------------------------------------------- same-link guard


@router.callback_query(SameLinkCb.filter(F.action == "anyway"), StateFilter(OrderDialog.confirm))
async def on_same_link_anyway(
    query: CallbackQuery,
    callback_data: SameLinkCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    db: Database,
    settings: Settings,
) -> None:
    """ "Order anyway": the summary, not asked again for this link in this dialog."""
    data = await state.get_data()
    if query.message is None or "kind" not in data or callback_data.dialog != data.get("dialog"):
        callback_answer.text = i18n.get("order-expired")
        return
    data["same_link_ok"] = draft_of(user, data).link
    await show_summary(
        query.message, state, i18n, data, user=user, db=db, settings=settings, edit=True
    )


@router.callback_query(SameLinkCb.filter(F.action == "open"))
async def on_same_link_open(
    query: CallbackQuery,
    callback_data: SameLinkCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    db: Database,
) -> None:
    """ "Open the earlier order": this dialog ends (nothing ordered), the order's card."""
    view = await queries.get_order(db, user.id, callback_data.order_id)
    if view is None:
        alert(callback_answer, i18n.get("orders-not-found"))
        return
    if callback_data.dialog and callback_data.dialog == (await state.get_data()).get("dialog"):
        await state.clear()
    await show_card(query, i18n, db, user, view, 0)


@router.callback_query(SameLinkCb.filter())
async def on_stale_same_link(
    query: CallbackQuery, callback_answer: CallbackAnswer, i18n: I18nContext
) -> None:
    """ "Order anyway" of a dialog that is over or has moved on."""
    callback_answer.text = i18n.get("order-expired")


@router.callback_query(OrderConfirmCb.filter())
async def on_confirm(
    query: CallbackQuery,
    callback_data: OrderConfirmCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    db: Database,
    panel: PanelClient,
    settings: Settings,
    notices: Notices,
) -> None:
    # Answer at once: placement may take the panel's full timeout.
    callback_answer.disable()
    await query.answer()
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    message = query.message
    current = await state.get_state()
    data = await state.get_data()
    token = data.get("token")
    if current != OrderDialog.confirm.state or not token or token != callback_data.token:
        await not_this_summary(message, i18n, db, user, callback_data.token)
        return
    draft = draft_of(user, data)
    # The dialog ends here: a second press finds no token (and is told of the order).
    await state.clear()
    try:
        await show(message, i18n.get("order-placing"), None, edit=True)
    except TelegramAPIError as exc:
        # only a progress note: the order is placed all the same and its outcome delivered
        log.warning("could not show 'placing' to %s: %r", user.id, exc)
    quoted = data.get("quoted")
    max_charge = quoted if isinstance(quoted, int) else None
    result = await placing.place_order(
        db, panel, settings, notices, draft, token, max_charge=max_charge
    )
    await tell_outcome(message, i18n, db, notices, user, token, result)
