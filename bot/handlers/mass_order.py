"""Mass order: "Mass order" in the main menu, the customer's list, its summary, Confirm.

The list is checked and priced by services/orders/mass.py; the summary's lines and prices
are kept in the FSM with the summary's token, and Confirm places exactly those. Sending the
list again (to fix lines) makes a new summary with a new token: the old Confirm is dead.
Confirm clears the dialog before anything is placed, so a second tap finds nothing to do
(and the line tokens are the same, so even a placement repeated by other means is a no-op).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, MaybeInaccessibleMessageUnion, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.screen import show, show_for
from bot.keyboards.mass_order import (
    MassConfirmCb,
    prompt_keyboard,
    result_keyboard,
    summary_keyboard,
)
from bot.keyboards.menu import MenuCb, main_menu
from bot.metrics import Metrics
from bot.panel import PanelClient
from bot.services import catalog
from bot.services.alerts import Notices
from bot.services.orders import mass, notify, placing, queries
from bot.services.users import User
from bot.states import MassOrderDialog
from bot.views import mass_order as views

log = logging.getLogger(__name__)

router = Router(name="mass-order")

SUMMARY_KEY = "mass_token"  # the summary's confirm token
PLANNED_KEY = "mass_lines"  # the valid lines without a repeat, as priced
ANYWAY_KEY = "mass_anyway"  # ... and with the lines that repeat an unfinished order


@router.callback_query(MenuCb.filter(F.action == "mass"))
async def cb_mass(query: CallbackQuery, i18n: I18nContext, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(MassOrderDialog.lines)
    await show_for(query, i18n.get("mass-prompt", max=mass.MAX_LINES), prompt_keyboard(i18n))


@router.message(MassOrderDialog.lines, F.text, ~F.text.startswith("/"))
async def msg_lines(
    message: Message,
    i18n: I18nContext,
    state: FSMContext,
    user: User,
    db: Database,
    settings: Settings,
) -> None:
    try:
        checked = await mass.check_lines(db, settings, user.id, message.text or "")
    except mass.TooManyLines:
        await message.answer(
            i18n.get("mass-too-many", max=mass.MAX_LINES), reply_markup=prompt_keyboard(i18n)
        )
        return
    token = placing.new_confirm_token()
    plain = [_planned(line) for line in checked.chosen(anyway=False)]
    anyway = [_planned(line) for line in checked.chosen(anyway=True)]
    await state.update_data({SUMMARY_KEY: token, PLANNED_KEY: plain, ANYWAY_KEY: anyway})
    markup = summary_keyboard(
        i18n,
        token,
        confirm_count=len(plain),
        anyway_count=len(anyway),
        can_pay=checked.balance >= checked.total(anyway=False),
        can_pay_anyway=checked.balance >= checked.total(anyway=True),
    )
    texts = views.summary(i18n, checked)
    for text in texts[:-1]:
        await message.answer(text)
    await message.answer(texts[-1], reply_markup=markup)


@router.message(MassOrderDialog.lines, ~F.text.startswith("/"))
async def msg_not_text(message: Message, i18n: I18nContext) -> None:
    await message.answer(
        i18n.get("mass-prompt", max=mass.MAX_LINES), reply_markup=prompt_keyboard(i18n)
    )


def _planned(line: mass.Line) -> dict[str, Any]:
    return mass.Planned(
        line.number, line.service_id, line.link, line.quantity, line.charge
    ).to_dict()


@router.callback_query(MassConfirmCb.filter())
async def on_confirm(
    query: CallbackQuery,
    callback_data: MassConfirmCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    state: FSMContext,
    user: User,
    db: Database,
    panel: PanelClient,
    settings: Settings,
    notices: Notices,
    metrics: Metrics,
) -> None:
    # Answer at once: 100 lines may take a while at the panel.
    callback_answer.disable()
    await query.answer()
    if query.message is None:  # not a message of a chat: nothing to show it in
        return
    message = query.message
    data = await state.get_data()
    token = data.get(SUMMARY_KEY)
    if await state.get_state() != MassOrderDialog.lines.state or token != callback_data.token:
        await _not_this_summary(message, i18n, db, user, callback_data.token)
        return
    raw = data.get(ANYWAY_KEY if callback_data.anyway else PLANNED_KEY) or []
    planned = [mass.Planned.from_dict(item) for item in raw]
    # The dialog ends here: a second tap finds no token.
    await state.clear()
    try:
        await show(message, i18n.get("mass-placing", count=len(planned)), None, edit=True)
    except TelegramAPIError as exc:  # only a progress note
        log.warning("could not show 'placing' to %s: %r", user.id, exc)
    batch = await mass.place_batch(db, panel, settings, notices, user.id, planned, token)
    for line in batch.lines:
        if line.result is not None:
            metrics.order_outcome(line.result.outcome)
    await _tell_result(message, i18n, db, notices, user, token, batch)


async def _not_this_summary(
    message: MaybeInaccessibleMessageUnion, i18n: I18nContext, db: Database, user: User,
    token: str,
) -> None:  # fmt: skip
    """A Confirm of a list already confirmed (a second tap) or replaced by a newer one."""
    placed = await queries.order_of_dialog(db, user.id, token)
    if placed is None and isinstance(message, Message):
        # nothing was ordered from that summary: its buttons go (as the order dialog's do)
        with contextlib.suppress(TelegramAPIError):
            await message.edit_reply_markup(reply_markup=None)
    key = "mass-already-confirmed" if placed is not None else "mass-outdated"
    await message.answer(i18n.get(key), reply_markup=main_menu(i18n))


async def _tell_result(
    message: MaybeInaccessibleMessageUnion,
    i18n: I18nContext,
    db: Database,
    notices: Notices,
    user: User,
    token: str,
    batch: mass.BatchResult,
) -> None:
    """Never fails the update after the lines are placed (the error handler's "try again"
    would invite a second list). What Telegram does not take now goes to the outbox as a
    short count (each line's order is in My orders), once per list."""
    try:
        texts = views.result(i18n, batch, await catalog.currency(db))
        for text in texts[:-1]:
            await message.answer(text)
        await message.answer(texts[-1], reply_markup=result_keyboard(i18n))
        return
    except Exception:
        log.exception("could not show %s the result of mass order %s", user.id, token)
    if batch.outcome != "done":
        return  # nothing was charged: nothing the customer must be told later
    try:
        placed, total = views.placed_count(batch), len(batch.lines)
        params = {"placed": placed, "total": total}
        await notify.placement_outcome(
            db, notices, user.id, None, token, "mass-result-later", params
        )
    except Exception:
        log.exception("could not queue the result of mass order %s for %s", token, user.id)
