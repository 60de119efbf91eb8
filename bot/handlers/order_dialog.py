"""The guided order dialog: one question per step, a priced summary, then placement.

The steps per service type and every check live in `bot.services.order_input`; pricing and
placement in `bot.services.orders.placing`. The FSM data (SQLite-backed, so a restart keeps
it) holds: `dialog` (this dialog's id), `service_id`, `service_name`, `kind`, `min`, `max`,
`dripfeed`, `answers` (step -> value) and, on the summary, `token` (the Confirm button's token).

Every button of the dialog carries its id; the confirm token begins with it. A button of a
dialog that has ended (placed, cancelled, replaced by a newer one) changes nothing and says
the truth: the order the dialog became, with its number and status, or that it is over.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, MaybeInaccessibleMessageUnion, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.screen import alert, show, show_surely
from bot.keyboards.menu import main_menu
from bot.keyboards.order_dialog import (
    OrderConfirmCb,
    OrderDelayCb,
    OrderNavCb,
    OrderQtyCb,
    OrderStartCb,
    StepButton,
    outcome_keyboard,
    step_keyboard,
    summary_keyboard,
)
from bot.metrics import Metrics
from bot.panel import PanelClient
from bot.panel.models import OrderKind, normalize_kind
from bot.services import catalog
from bot.services.alerts import Notices
from bot.services.order_input import (
    OPTIONAL_STEPS,
    InputError,
    ServiceLimits,
    Step,
    build_fields,
    first_step,
    is_complete,
    next_step,
    parse_answer,
    plan,
    previous_step,
)
from bot.services.orders import notify, placing, queries
from bot.services.orders.queries import OrderView
from bot.services.users import User
from bot.states import OrderDialog
from bot.views import order_dialog as views

log = logging.getLogger(__name__)
router = Router(name="order_dialog")

STATE_OF_STEP: dict[Step, str] = {step: getattr(OrderDialog, step.value).state for step in Step}
STEP_OF_STATE: dict[str, Step] = {state: step for step, state in STATE_OF_STEP.items()}
INPUT_STATES = tuple(STATE_OF_STEP.values())
DIALOG_STATES = (*INPUT_STATES, OrderDialog.confirm.state)

# the outcomes after which the order exists: the outcome screen links to its card
SHOWS_ORDER = frozenset({"placed", "duplicate", "unknown"})


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


async def _order_of_dialog(db: Database, user: User, dialog: str) -> OrderView | None:
    if len(dialog) != placing.DIALOG_ID_CHARS:
        return None
    return await queries.order_of_dialog(db, user.id, dialog)


# --------------------------------------------------------------------------- small helpers


def _limits(data: dict[str, Any]) -> ServiceLimits:
    return ServiceLimits(
        kind=OrderKind(data["kind"]),
        min_qty=int(data["min"]),
        max_qty=int(data["max"]),
        dripfeed=bool(data.get("dripfeed")),
    )


async def _ask(
    target: MaybeInaccessibleMessageUnion,
    i18n: I18nContext,
    data: dict[str, Any],
    step: Step,
    *,
    error: str | None = None,
    edit: bool = False,
) -> None:
    limits = _limits(data)
    answers: dict[str, Any] = data.get("answers", {})
    text = views.question(i18n, data["service_name"], limits, answers, step, error)
    can_go_back = previous_step(limits, answers, step) is not None
    dialog = data.get("dialog", "")
    markup = step_keyboard(i18n, step, can_go_back=can_go_back, dialog=dialog, limits=limits)
    await show(target, text, markup, edit=edit)


async def _leave(
    target: MaybeInaccessibleMessageUnion, i18n: I18nContext, state: FSMContext, key: str
) -> None:
    await state.clear()
    await target.answer(i18n.get(key), reply_markup=main_menu(i18n))


def _draft(user: User, data: dict[str, Any]) -> placing.Draft:
    limits = _limits(data)
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
    limits = ServiceLimits(kind, service.min_qty, service.max_qty, service.dripfeed)
    data: dict[str, Any] = {
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
    step = first_step(limits)
    await state.set_state(STATE_OF_STEP[step])
    await state.set_data(data)
    await _ask(query.message, i18n, data, step)


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
    limits = _limits(data)
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
        await _summary(target, state, i18n, data, user=user, db=db, settings=settings, edit=edit)
        return
    await state.set_state(STATE_OF_STEP[following])
    await state.set_data(data)
    await _ask(target, i18n, data, following, edit=edit)


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
        await _leave(message, i18n, state, "order-expired")
        return
    step = STEP_OF_STATE[current]
    if message.text is None:
        await _ask(message, i18n, data, step, error=views.not_text_error(i18n))
        return
    try:
        value = parse_answer(step, message.text, _limits(data), data.get("answers", {}))
    except InputError as exc:
        await _ask(message, i18n, data, step, error=views.input_error(i18n, exc))
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
        value = parse_answer(step, str(raw), _limits(data), data.get("answers", {}))
    except InputError as exc:
        await _ask(query.message, i18n, data, step, error=views.input_error(i18n, exc))
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
    order = await _order_of_dialog(db, user, callback_data.dialog)
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
        await _ask(query.message, i18n, data, step, edit=True)
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
        await _leave(query.message, i18n, state, "order-expired")
        return
    limits = _limits(data)
    answers = data.get("answers", {})
    step = STEP_OF_STATE.get(current or "")
    previous = previous_step(limits, answers, step)
    if previous is None:
        previous = first_step(limits)
    data["token"] = None  # the summary's Confirm is no longer valid
    await state.set_state(STATE_OF_STEP[previous])
    await state.set_data(data)
    await _ask(query.message, i18n, data, previous, edit=True)


@router.callback_query(OrderNavCb.filter())
@router.callback_query(OrderDelayCb.filter())
@router.callback_query(OrderQtyCb.filter())
async def on_stale_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, i18n: I18nContext
) -> None:
    """A button of the current dialog meant for another step."""
    callback_answer.text = i18n.get("order-expired")


# --------------------------------------------------------------------------- summary and confirm


async def _summary(
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
    limits = _limits(data)
    answers: dict[str, Any] = data.get("answers", {})
    if not is_complete(limits, answers):
        step = first_step(limits)
        await state.set_state(STATE_OF_STEP[step])
        await _ask(target, i18n, data, step, edit=edit)
        return
    draft = _draft(user, data)
    try:
        quote = await placing.quote(db, settings, draft)
    except placing.ServiceUnavailable:
        await _leave(target, i18n, state, "order-unavailable")
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
    metrics: Metrics,
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
        await _not_this_summary(message, i18n, db, user, callback_data.token)
        return
    draft = _draft(user, data)
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
    metrics.order_outcome(result.outcome)
    await _tell_outcome(message, i18n, db, notices, user, token, result)


async def _not_this_summary(
    message: MaybeInaccessibleMessageUnion,
    i18n: I18nContext,
    db: Database,
    user: User,
    token: str,
) -> None:
    """Confirm of a summary that is not the current one. If its dialog became an order (a
    second tap, a tap after a restart), that order is named and its message left as it
    is; else nothing was ordered from it and its buttons go."""
    order = await _order_of_dialog(db, user, placing.dialog_of_token(token))
    if order is not None:
        text = views.already_placed(i18n, order, confirm=True)
        await message.answer(text, reply_markup=outcome_keyboard(i18n, order.id))
        return
    if isinstance(message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)
    await message.answer(i18n.get("order-outdated"), reply_markup=main_menu(i18n))


async def _tell_outcome(
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
