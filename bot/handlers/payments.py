"""Telegram Stars on the Telegram side: the pre-checkout answer, the successful payment, and
reading the bot's Star transactions for reconciliation. The money side is bot/payments/.

The pre-checkout query is not handled by a router: `answer_pre_checkout` is called by
`PreCheckoutMiddleware` (bot/middlewares/pre_checkout.py) ahead of the FSM lock, see there.
This module's router comes first in the private chat, so a successful payment is credited
whatever dialog the customer is in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message, PreCheckoutQuery
from aiogram_i18n.cores import BaseCore

from bot.db import Database
from bot.i18n import pick_language
from bot.payments import service
from bot.payments.loops import StarFetch
from bot.payments.models import PaymentConfig, PreCheckoutVerdict, StarTx
from bot.payments.stars import STARS_CURRENCY
from bot.services import users
from bot.views.payments import pre_checkout_reason
from bot.views.support import InLanguage

log = logging.getLogger(__name__)

router = Router(name="payments")


async def answer_pre_checkout(
    query: PreCheckoutQuery,
    bot: Bot,
    db: Database,
    config: PaymentConfig,
    core: BaseCore[object],
    default_language: str,
    contact: str = "",
) -> PreCheckoutVerdict:
    """Say yes or no (with the reason, in the payer's language) to a pre-checkout query.

    Only reads the database, so it answers in milliseconds; anything unexpected is a "no"
    (Telegram would otherwise time out after 10 s with its own vaguer error)."""
    payer = query.from_user
    verdict: PreCheckoutVerdict
    try:
        verdict = await service.validate_pre_checkout(
            db,
            config,
            user_id=payer.id,
            payload=query.invoice_payload,
            total_amount=query.total_amount,
            currency=query.currency,
        )
    except Exception:
        log.exception("pre-checkout %s: validation failed; answering no", query.id)
        verdict = "unavailable"
    error_message = None
    if verdict != "ok":
        saved = await users.get(db, payer.id)
        lang = pick_language(
            saved.language if saved else None,
            payer.language_code or (saved.tg_language if saved else None),
            default_language,
        )
        error_message = pre_checkout_reason(InLanguage(core, lang), verdict, contact)
        log.info("pre-checkout %s of user %s refused: %s", query.id, payer.id, verdict)
    try:
        await bot.answer_pre_checkout_query(
            pre_checkout_query_id=query.id, ok=verdict == "ok", error_message=error_message
        )
    except TelegramAPIError as exc:
        log.warning("pre-checkout %s: the answer was refused: %s", query.id, exc)
    return verdict


@router.message(F.successful_payment)
async def on_successful_payment(
    message: Message, db: Database, payments: PaymentConfig, wake_sender: Callable[[], None]
) -> None:
    """Credit once (ledger ref stars:<charge id>); the receipt was queued in the same
    transaction, so a repeated update credits nothing and sends nothing."""
    paid = message.successful_payment
    assert paid is not None
    if message.from_user is None or paid.currency != STARS_CURRENCY:
        log.warning("ignored a successful payment in %s", paid.currency)
        return
    result = await service.credit_stars(
        db,
        payments,
        user_id=message.from_user.id,
        charge_id=paid.telegram_payment_charge_id,
        total_amount=paid.total_amount,
        payload=paid.invoice_payload,
        first_name=message.from_user.first_name or "",
    )
    if result.outcome != "duplicate":
        wake_sender()
    log.info("Stars payment %s: %s", paid.telegram_payment_charge_id, result.outcome)


def star_transactions(bot: Bot) -> StarFetch:
    """The reconciler's `fetch`: a page of the bot's Star transactions, oldest first."""

    async def fetch(offset: int, limit: int) -> Sequence[StarTx]:
        page = await bot.get_star_transactions(offset=offset, limit=limit)
        return [StarTx.from_api(tx) for tx in page.transactions]

    return fetch
