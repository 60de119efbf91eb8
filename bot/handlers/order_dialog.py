"""The guided order dialog: one question per step, a priced summary, then placement.

The steps per service type and every check live in `bot.services.order_input`; pricing and
placement in `bot.services.orders.placing`. The FSM data (SQLite-backed, so a restart keeps
it) holds: `service_id`, `service_name`, `kind`, `min`, `max`, `dripfeed`, `answers` (step ->
value) and, on the summary, `token` (the Confirm button's token).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, MaybeInaccessibleMessageUnion, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.screen import show
from bot.keyboards.menu import main_menu
from bot.keyboards.order_dialog import (
    OrderConfirmCb,
    OrderDelayCb,
    OrderNavCb,
    OrderStartCb,
    outcome_keyboard,
    step_keyboard,
    summary_keyboard,
)
from bot.money import format_amount
from bot.panel import PanelClient
from bot.panel.models import OrderKind, normalize_kind
from bot.services import catalog
from bot.services.alerts import Notices
from bot.services.order_input import (
    LINES_AS_QUANTITY,
    LIST_STEPS,
    OPTIONAL_STEPS,
    InputError,
    ServiceLimits,
    Step,
    active_steps,
    build_fields,
    first_step,
    is_complete,
    next_step,
    parse_answer,
    plan,
    previous_step,
)
from bot.services.orders import placing
from bot.services.pricing import is_package
from bot.services.users import User
from bot.states import OrderDialog
from bot.text import shorten

log = logging.getLogger(__name__)
router = Router(name="order_dialog")

STATE_OF_STEP: dict[Step, str] = {step: getattr(OrderDialog, step.value).state for step in Step}
STEP_OF_STATE: dict[str, Step] = {state: step for step, state in STATE_OF_STEP.items()}
INPUT_STATES = tuple(STATE_OF_STEP.values())
DIALOG_STATES = (*INPUT_STATES, OrderDialog.confirm.state)

LIST_PREVIEW_LINES = 3
PREVIEW_CHARS = 120
REASON_CHARS = 300


# --------------------------------------------------------------------------- small helpers


def _limits(data: dict[str, Any]) -> ServiceLimits:
    return ServiceLimits(
        kind=OrderKind(data["kind"]),
        min_qty=int(data["min"]),
        max_qty=int(data["max"]),
        dripfeed=bool(data.get("dripfeed")),
    )


def _short(text: str, limit: int = PREVIEW_CHARS) -> str:
    return shorten(text, limit)


def _show_value(i18n: I18nContext, step: Step, value: Any) -> str:
    """An answer as the summary shows it: lists shortened to a few lines."""
    if value is None:
        return i18n.get("order-value-none")
    if step in LIST_STEPS:
        lines = [_short(str(v)) for v in value[:LIST_PREVIEW_LINES]]
        more = len(value) - len(lines)
        if more > 0:
            lines.append(i18n.get("order-list-more", count=more))
        return "\n" + "\n".join(lines)
    if step is Step.SUB_DELAY:
        return i18n.get("order-delay-button", minutes=int(value))
    return _short(str(value), 200)


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
    steps = active_steps(limits, answers)
    number = steps.index(step) + 1 if step in steps else 1
    parts = [
        i18n.get("order-step-header", service=data["service_name"], step=number, steps=len(steps))
    ]
    if error:
        parts.append(error)
    counted = "yes" if LINES_AS_QUANTITY.get(limits.kind) is step else "no"
    key = f"order-ask-{step.value.replace('_', '-')}"
    parts.append(i18n.get(key, min=limits.min_qty, max=limits.max_qty, counted=counted))
    if step in answers and answers[step] is not None and step not in LIST_STEPS:
        parts.append(i18n.get("order-current-value", value=_show_value(i18n, step, answers[step])))
    can_go_back = previous_step(limits, answers, step) is not None
    await show(
        target, "\n\n".join(parts), step_keyboard(i18n, step, can_go_back=can_go_back), edit=edit
    )


def _error_text(i18n: I18nContext, error: InputError) -> str:
    return "⚠️ " + i18n.get(f"order-error-{error.code}", **error.params)


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
        await _ask(message, i18n, data, step, error="⚠️ " + i18n.get("order-error-not-text"))
        return
    try:
        value = parse_answer(step, message.text, _limits(data), data.get("answers", {}))
    except InputError as exc:
        await _ask(message, i18n, data, step, error=_error_text(i18n, exc))
        return
    await _accept(
        message, state, i18n, data, step, value, user=user, db=db, settings=settings, edit=False
    )


@router.message(StateFilter(OrderDialog.confirm))
async def on_text_at_summary(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("order-use-buttons"))


@router.callback_query(OrderDelayCb.filter(), StateFilter(OrderDialog.sub_delay))
async def on_delay(
    query: CallbackQuery,
    callback_data: OrderDelayCb,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    db: Database,
    settings: Settings,
) -> None:
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    data = await state.get_data()
    try:
        value = parse_answer(Step.SUB_DELAY, str(callback_data.minutes), _limits(data), {})
    except InputError as exc:
        await _ask(query.message, i18n, data, Step.SUB_DELAY, error=_error_text(i18n, exc))
        return
    await _accept(
        query.message, state, i18n, data, Step.SUB_DELAY, value,
        user=user, db=db, settings=settings, edit=True,
    )  # fmt: skip


# --------------------------------------------------------------------------- navigation


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


@router.callback_query(OrderNavCb.filter(), StateFilter(None))
@router.callback_query(OrderDelayCb.filter())
async def on_stale_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, i18n: I18nContext
) -> None:
    """A button of a dialog that is over (or of another step)."""
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
    token = placing.new_confirm_token()
    data["token"] = token
    data["quoted"] = quote.charge  # the price on this summary: never charge more than it
    await state.set_state(OrderDialog.confirm)
    await state.set_data(data)

    lines = [i18n.get("order-summary-title", service=data["service_name"]), ""]
    for step in active_steps(limits, answers):
        label = i18n.get(f"order-label-{step.value.replace('_', '-')}")
        lines.append(f"{label}: {_show_value(i18n, step, answers.get(step))}")
    # "units charged" only says something when it is not simply the quantity typed in
    # (drip-feed runs, subscriptions, one line per unit); packages are priced whole
    if str(answers.get("quantity")) != str(draft.quantity) and not is_package(limits.kind):
        lines.append(i18n.get("order-summary-units", units=draft.quantity))
    lines.append("")
    lines.append(i18n.get("order-summary-price", price=format_amount(quote.charge, quote.currency)))
    lines.append(
        i18n.get("order-summary-balance", balance=format_amount(quote.balance, quote.currency))
    )
    can_pay = quote.balance_after >= 0
    if can_pay:
        after = format_amount(quote.balance_after, quote.currency)
        lines.append(i18n.get("order-summary-after", balance=after))
        lines.append("")
        lines.append(i18n.get("order-summary-confirm-hint"))
    else:
        missing = format_amount(-quote.balance_after, quote.currency)
        lines.append("")
        lines.append(i18n.get("order-summary-missing", missing=missing))
    text = "\n".join(lines)
    markup = summary_keyboard(i18n, token, can_pay=can_pay, can_go_back=True)
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
        if isinstance(message, Message):
            with contextlib.suppress(TelegramBadRequest):
                await message.edit_reply_markup(reply_markup=None)
        await message.answer(i18n.get("order-outdated"), reply_markup=main_menu(i18n))
        return
    draft = _draft(user, data)
    # The dialog ends here: a second press (or a forged one) finds no token.
    await state.clear()
    await show(message, i18n.get("order-placing"), None, edit=True)
    quoted = data.get("quoted")
    result = await placing.place_order(
        db,
        panel,
        settings,
        notices,
        draft,
        token,
        max_charge=quoted if isinstance(quoted, int) else None,
    )
    currency = await catalog.currency(db)
    text, order_id = _outcome_text(i18n, result, currency)
    await show(message, text, outcome_keyboard(i18n, order_id), edit=True)


def _outcome_text(
    i18n: I18nContext, result: placing.PlaceResult, currency: str
) -> tuple[str, int | None]:
    outcome = result.outcome
    if outcome == "placed":
        charge = format_amount(result.charge, currency)
        return i18n.get("order-placed", order_id=result.order_id or 0, charge=charge), (
            result.order_id
        )
    if outcome == "duplicate":
        return i18n.get("order-duplicate", order_id=result.order_id or 0), result.order_id
    if outcome == "failed":
        if result.panel_out_of_funds:
            return i18n.get("order-failed-temporary"), None
        reason = _short(result.reason or "", REASON_CHARS) or i18n.get("order-no-reason")
        return i18n.get("order-failed", reason=reason), None
    if outcome == "unknown":
        return i18n.get("order-unknown", order_id=result.order_id or 0), result.order_id
    if outcome == "insufficient":
        return i18n.get("order-insufficient", missing=format_amount(result.missing, currency)), (
            None
        )
    if outcome == "maintenance":
        return i18n.get("order-maintenance"), None
    if outcome == "price_changed":
        return i18n.get("order-price-changed", price=format_amount(result.charge, currency)), None
    return i18n.get("order-unavailable"), None
