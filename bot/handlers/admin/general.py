"""/help, /audit and /stats."""

from __future__ import annotations

import logging
import time

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.commands import ADMIN_HELP, AUDIT, STATS
from bot.db import Database
from bot.handlers.admin.common import reply
from bot.money import format_amount, to_micros
from bot.panel import PanelClient
from bot.payments import reports
from bot.services import audit, catalog, panel_balance, promo, referrals, stats
from bot.views.admin import audit_list
from bot.views.growth import referral_stats
from bot.views.stats import income_text, stats_text

log = logging.getLogger(__name__)

router = Router(name="admin-general")

AUDIT_LINES = 20
INCOME_DAYS = 7  # /stats shows top-ups of the last 7 UTC days, today included


@router.message(Command(ADMIN_HELP.name))
async def cmd_help(message: Message, i18n: I18nContext) -> None:
    await reply(message, i18n.get("admin-help"))


@router.message(Command(AUDIT.name))
async def cmd_audit(message: Message, i18n: I18nContext, db: Database) -> None:
    await reply(message, audit_list(i18n, await audit.recent(db, AUDIT_LINES)))


@router.message(Command(STATS.name))
async def cmd_stats(message: Message, i18n: I18nContext, db: Database, panel: PanelClient) -> None:
    numbers = await stats.collect(db)
    code = await catalog.currency(db)
    # the balance is a nice-to-have: /stats never waits for a slow or hung panel
    shown = await panel_balance.current(db, panel)
    if shown.known is None:
        balance = i18n.get("admin-unavailable")
    else:
        balance = format_amount(to_micros(shown.known.amount), shown.known.currency, i18n.locale)
        if not shown.fresh:
            minutes = shown.known.age(int(time.time())) // 60
            balance = i18n.get("admin-stats-balance-stale", balance=balance, minutes=minutes)
    today = int(time.time()) // stats.DAY * stats.DAY
    income = await reports.income(db, since=today - (INCOME_DAYS - 1) * stats.DAY)
    growth = referral_stats(i18n, await referrals.total_paid(db), await promo.total_given(db), code)
    text = "\n\n".join(
        (stats_text(i18n, numbers, code, balance), growth, income_text(i18n, income, code))
    )
    await reply(message, text)
