"""The customer's side of referrals and promo codes: the "Invite friends" screen, the
balance screen's "Promo code" and the /start deep links ref-<code> and promo-<code>."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_deep_link
from aiogram_i18n import I18nContext

from bot.db import Database
from bot.handlers.screen import show_for
from bot.keyboards.menu import MenuCb, home_button
from bot.services import catalog, promo, referrals
from bot.services.start_payload import StartPayload, ref_payload
from bot.services.users import User
from bot.states import PromoDialog
from bot.views import growth as views

router = Router(name="growth")


async def on_start_payload(
    message: Message, i18n: I18nContext, db: Database, user: User, payload: StartPayload
) -> None:
    """After the greeting: act on a ref- or promo- deep link (other kinds are not ours)."""
    if payload.kind == "ref":
        # silent either way: a refused link (own code, known user) is no error to show
        await referrals.attach(db, user.id, payload.value, is_new=user.created)
    elif payload.kind == "promo":
        await _redeem(message, i18n, db, user, payload.value)


async def _redeem(message: Message, i18n: I18nContext, db: Database, user: User, code: str) -> None:
    result = await promo.redeem(db, user.id, code)
    currency = await catalog.currency(db)
    await message.answer(views.promo_answer(i18n, result, currency), reply_markup=home_button(i18n))


@router.callback_query(MenuCb.filter(F.action == "invite"))
async def cb_invite(
    query: CallbackQuery, i18n: I18nContext, db: Database, user: User, bot: Bot
) -> None:
    code = await referrals.code_of(db, user.id)
    me = await bot.me()
    link = create_deep_link(
        username=me.username or "", link_type="start", payload=ref_payload(code)
    )
    text = views.invite_screen(
        i18n,
        link,
        await referrals.summary(db, user.id),
        await referrals.current_percent(db),
        await catalog.currency(db),
    )
    await show_for(query, text, home_button(i18n))


@router.callback_query(MenuCb.filter(F.action == "promo"))
async def cb_promo(query: CallbackQuery, i18n: I18nContext, state: FSMContext) -> None:
    await state.set_state(PromoDialog.code)
    await show_for(query, i18n.get("promo-ask"), home_button(i18n))


@router.message(PromoDialog.code, F.text, ~F.text.startswith("/"))
async def on_code(
    message: Message, i18n: I18nContext, state: FSMContext, db: Database, user: User
) -> None:
    await state.clear()
    await _redeem(message, i18n, db, user, message.text or "")
