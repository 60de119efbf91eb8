"""/start, /help, /language and the main menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext

from bot.commands import BALANCE, CANCEL, FAVOURITES, HELP, LANGUAGE, ORDERS
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.db import Database
from bot.handlers.favourites import favourites_screen
from bot.handlers.orders import balance_screen, order_card_screen, orders_screen
from bot.handlers.screen import show_for
from bot.keyboards.catalog import CatCb, card_keyboard
from bot.keyboards.menu import LangCb, MenuCb, home_button, language_menu, main_menu
from bot.payments.models import PaymentConfig
from bot.services import catalog
from bot.services.maintenance import maintenance_on
from bot.services.orders import queries
from bot.services.start_payload import StartPayload, parse_start_payload
from bot.services.users import User
from bot.views import catalog as catalog_views

router = Router(name="common")


@router.message(CommandStart())  # commands.START; CommandStart also reads deep links
async def cmd_start(
    message: Message,
    command: CommandObject,
    i18n: I18nContext,
    state: FSMContext,
    user: User,
    db: Database,
    settings: Settings,
) -> None:
    await state.clear()
    if await maintenance_on(db):
        await message.answer(i18n.get("admin-maintenance-notice"))
    payload = parse_start_payload(command.args)
    if payload is not None:
        text, markup = await _deep_link_screen(i18n, db, user, settings, payload)
        await message.answer(text, reply_markup=markup)
        return
    await message.answer(
        i18n.get("start-greeting", name=user.first_name or "🙂"), reply_markup=main_menu(i18n)
    )


async def _deep_link_screen(
    i18n: I18nContext, db: Database, user: User, settings: Settings, payload: StartPayload
) -> tuple[str, InlineKeyboardMarkup]:
    """The screen a deep link opens: a service card (its Order button starts the usual
    dialog) or the customer's own order card. A service that is unknown, hidden or not
    offered, and an order that is not theirs, get one clear answer each (the same for
    "no such order" and "someone else's": nothing is told about other people's orders)."""
    if payload.kind == "order":
        view = await queries.get_order(db, user.id, payload.order_id)
        if view is None:
            return i18n.get("start-order-not-found"), main_menu(i18n)
        return await order_card_screen(i18n, db, user, view)
    service = await catalog.get_service(db, payload.value, default_markup=settings.markup_percent)
    if service is None or not service.offered:
        return i18n.get("start-service-unavailable"), main_menu(i18n)
    money = await catalog.currency(db)
    return catalog_views.service_card(i18n, service, money), card_keyboard(
        i18n, service, CatCb(page=0)
    )


@router.message(Command(HELP.name))
async def cmd_help(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("help-text"), reply_markup=home_button(i18n))


# Here, not in the orders router: like /help, they work in the middle of a dialog (whose
# router comes before the orders one and would take them for an answer); the dialog stays.
@router.message(Command(ORDERS.name))
async def cmd_orders(message: Message, i18n: I18nContext, db: Database, user: User) -> None:
    text, markup = await orders_screen(i18n, db, user)
    await message.answer(text, reply_markup=markup)


@router.message(Command(FAVOURITES.name))
async def cmd_favourites(
    message: Message, i18n: I18nContext, db: Database, user: User, settings: Settings
) -> None:
    text, markup = await favourites_screen(i18n, db, user, settings)
    await message.answer(text, reply_markup=markup)


@router.message(Command(BALANCE.name))
async def cmd_balance(
    message: Message,
    i18n: I18nContext,
    db: Database,
    user: User,
    payments: PaymentConfig,
    settings: Settings,
) -> None:
    text, markup = await balance_screen(i18n, db, user, payments, settings)
    await message.answer(text, reply_markup=markup)


@router.message(Command(LANGUAGE.name))
async def cmd_language(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("language-choose"), reply_markup=language_menu(i18n))


@router.message(Command(CANCEL.name))
async def cmd_cancel(message: Message, i18n: I18nContext, state: FSMContext) -> None:
    await state.clear()
    await message.answer(i18n.get("cancelled"), reply_markup=main_menu(i18n))


@router.callback_query(MenuCb.filter(F.action == "home"))
async def cb_home(query: CallbackQuery, i18n: I18nContext, state: FSMContext, user: User) -> None:
    await state.clear()
    await show_for(query, i18n.get("start-greeting", name=user.first_name or "🙂"), main_menu(i18n))


@router.callback_query(MenuCb.filter(F.action == "help"))
async def cb_help(query: CallbackQuery, i18n: I18nContext) -> None:
    await show_for(query, i18n.get("help-text"), home_button(i18n))


@router.callback_query(MenuCb.filter(F.action == "language"))
async def cb_language(query: CallbackQuery, i18n: I18nContext) -> None:
    await show_for(query, i18n.get("language-choose"), language_menu(i18n))


@router.callback_query(LangCb.filter())
async def cb_set_language(query: CallbackQuery, callback_data: LangCb, i18n: I18nContext) -> None:
    if callback_data.code not in SUPPORTED_LANGUAGES:
        return
    await i18n.set_locale(callback_data.code)
    await show_for(query, i18n.get("language-changed"), main_menu(i18n))
