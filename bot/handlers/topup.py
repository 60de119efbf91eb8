"""The top-up screens: Balance -> Top up -> an amount (a preset or typed) -> how to pay ->
a Stars invoice, or a Crypto Pay invoice's link. The money side is bot/payments/; the
payment itself is credited by bot/handlers/payments.py (Stars) or the Crypto Pay poller."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, LabeledPrice, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.db import Database
from bot.handlers.screen import alert, show_for
from bot.keyboards.payments import (
    TopupCb,
    amounts_keyboard,
    back_to_amounts,
    balance_only,
    crypto_invoice_keyboard,
    pay_keyboard,
)
from bot.money import format_amount
from bot.payments import crypto_service, service
from bot.payments.amounts import TopupAmountError, check_topup_amount, parse_topup_amount
from bot.payments.cryptopay import CryptoPayClient
from bot.payments.models import PaymentConfig, PaymentUnavailable
from bot.payments.stars import STARS_CURRENCY, stars_for
from bot.services import catalog
from bot.services.users import User
from bot.states import TopupDialog
from bot.views import payments as views

log = logging.getLogger(__name__)

router = Router(name="topup")

# Non-empty: a forwarded copy of the invoice gets a link to the bot, not a Pay button, so
# nobody pays an invoice made for someone else.
START_PARAMETER = "topup"


async def _pay_screen(
    i18n: I18nContext, config: PaymentConfig, currency: str, amount: int
) -> tuple[str, InlineKeyboardMarkup]:
    methods = config.methods(currency, amount)
    stars = None
    if "stars" in methods and config.stars_rate is not None:
        stars = stars_for(amount, config.stars_rate)
    return views.pay_screen(i18n, config, currency, amount), pay_keyboard(
        i18n, amount, methods, stars
    )


@router.callback_query(TopupCb.filter(F.action == "menu"))
async def cb_topup(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    state: FSMContext,
    db: Database,
    payments: PaymentConfig,
) -> None:
    if await state.get_state() == TopupDialog.amount.state:
        await state.clear()
    currency = await catalog.currency(db)
    largest = payments.largest(currency)
    if not largest:
        alert(callback_answer, i18n.get("payments-unavailable"))
        return
    presets = [p for p in payments.presets if payments.topup_min <= p <= largest]
    await show_for(
        query,
        views.topup_screen(i18n, payments, currency),
        amounts_keyboard(i18n, presets, currency),
    )


@router.callback_query(TopupCb.filter(F.action == "other"))
async def cb_other(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    state: FSMContext,
    db: Database,
    payments: PaymentConfig,
) -> None:
    currency = await catalog.currency(db)
    if not payments.methods(currency):
        alert(callback_answer, i18n.get("payments-unavailable"))
        return
    await state.set_state(TopupDialog.amount)
    await show_for(query, views.ask_amount(i18n, payments, currency), back_to_amounts(i18n))


@router.message(TopupDialog.amount)
async def on_amount(
    message: Message, i18n: I18nContext, state: FSMContext, db: Database, payments: PaymentConfig
) -> None:
    currency = await catalog.currency(db)
    try:
        amount = parse_topup_amount(
            message.text or "",
            min_micros=payments.topup_min,
            max_micros=payments.largest(currency),
        )
    except TopupAmountError as exc:
        error = views.amount_error(i18n, exc, currency)
        await message.answer(
            views.ask_amount(i18n, payments, currency, error), reply_markup=back_to_amounts(i18n)
        )
        return
    await state.clear()
    text, markup = await _pay_screen(i18n, payments, currency, amount)
    await message.answer(text, reply_markup=markup)


@router.callback_query(TopupCb.filter(F.action == "amount"))
async def cb_amount(
    query: CallbackQuery,
    callback_data: TopupCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    payments: PaymentConfig,
) -> None:
    currency = await catalog.currency(db)
    try:
        amount = check_topup_amount(
            callback_data.amount,
            min_micros=payments.topup_min,
            max_micros=payments.largest(currency),
        )
    except TopupAmountError as exc:  # a button of an older configuration
        alert(callback_answer, views.amount_error(i18n, exc, currency))
        return
    text, markup = await _pay_screen(i18n, payments, currency, amount)
    await show_for(query, text, markup)


@router.callback_query(TopupCb.filter(F.action == "stars"))
async def cb_stars(
    query: CallbackQuery,
    callback_data: TopupCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    bot: Bot,
    payments: PaymentConfig,
    user: User,
) -> None:
    currency = await catalog.currency(db)
    try:
        invoice = await service.create_stars_topup(db, payments, user.id, callback_data.amount)
    except PaymentUnavailable:
        alert(callback_answer, i18n.get("payments-unavailable"))
        return
    except TopupAmountError as exc:
        alert(callback_answer, views.amount_error(i18n, exc, currency))
        return
    amount = format_amount(invoice.amount, invoice.currency, i18n.locale)
    try:
        await bot.send_invoice(
            chat_id=user.id,
            title=i18n.get("payments-invoice-title"),
            description=i18n.get("payments-invoice-description", amount=amount),
            payload=invoice.payload,
            currency=STARS_CURRENCY,
            prices=[
                LabeledPrice(
                    label=i18n.get("payments-invoice-label", amount=amount), amount=invoice.stars
                )
            ],
            provider_token="",
            start_parameter=START_PARAMETER,
        )
    except TelegramAPIError as exc:
        log.warning("Stars invoice for payment #%s refused: %s", invoice.payment_id, exc)
        alert(callback_answer, i18n.get("payments-stars-failed"))


@router.callback_query(TopupCb.filter(F.action == "crypto"))
async def cb_crypto(
    query: CallbackQuery,
    callback_data: TopupCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    payments: PaymentConfig,
    cryptopay: CryptoPayClient | None,
    user: User,
) -> None:
    currency = await catalog.currency(db)
    try:
        check_topup_amount(
            callback_data.amount, min_micros=payments.topup_min, max_micros=payments.topup_max
        )
    except TopupAmountError as exc:
        alert(callback_answer, views.amount_error(i18n, exc, currency))
        return
    # Crypto Pay may take seconds: answer the button now, then show the outcome.
    callback_answer.disable()
    await query.answer()
    amount = format_amount(callback_data.amount, currency, i18n.locale)
    try:
        topup = await crypto_service.create_crypto_topup(
            db,
            cryptopay,
            payments,
            user.id,
            callback_data.amount,
            description=i18n.get("payments-crypto-description", amount=amount),
        )
    except (PaymentUnavailable, TopupAmountError):
        await show_for(query, i18n.get("payments-unavailable"), balance_only(i18n))
        return
    if topup.outcome == "created" and topup.url:
        text = views.crypto_created(i18n, payments, topup.amount, topup.currency)
        markup = crypto_invoice_keyboard(i18n, topup.url, topup.amount, topup.currency)
        await show_for(query, text, markup)
    elif topup.outcome == "unknown":
        await show_for(query, i18n.get("payments-crypto-unknown"), balance_only(i18n))
    else:
        log.warning("Crypto Pay invoice for payment #%s failed: %s", topup.payment_id, topup.reason)
        await show_for(query, i18n.get("payments-crypto-failed"), balance_only(i18n))
