"""Texts of referrals and promo codes: the customer's screens and answers, the operators'
lines (pure: data in, text out)."""

from __future__ import annotations

import time
from decimal import Decimal

from aiogram_i18n import I18nContext

from bot.money import format_amount
from bot.services import promo
from bot.services.promo import PromoCode, Redeemed
from bot.services.referrals import Summary
from bot.views.common import Translator


def invite_screen(
    i18n: I18nContext, link: str, summary: Summary, percent: Decimal, currency: str
) -> str:
    earned = format_amount(summary.earned, currency, i18n.locale)
    if percent <= 0:
        return i18n.get("invite-screen-off", link=link, joined=summary.joined, earned=earned)
    return i18n.get(
        "invite-screen", link=link, joined=summary.joined, earned=earned, percent=str(percent)
    )


def _value(i18n: Translator, code: PromoCode, currency: str) -> str:
    if code.kind == "amount":
        return format_amount(code.amount, currency, i18n.locale)
    return i18n.get(f"promo-value-{code.kind}", percent=str(code.percent))


def promo_answer(i18n: I18nContext, result: Redeemed, currency: str) -> str:
    """What the customer is told after typing a code: each refusal its own text."""
    code = result.code
    if result.outcome == "credited" and code is not None:
        return i18n.get(
            "promo-credited",
            amount=format_amount(code.amount, currency, i18n.locale),
            balance=format_amount(result.balance, currency, i18n.locale),
        )
    if result.outcome == "pending" and code is not None:
        if code.kind == "topup" and code.min_topup:
            return i18n.get(
                "promo-pending-topup-min",
                percent=str(code.percent),
                min=format_amount(code.min_topup, currency, i18n.locale),
            )
        return i18n.get(f"promo-pending-{code.kind}", percent=str(code.percent))
    minutes = promo.LOCK_SECONDS // 60
    return i18n.get(f"promo-{result.outcome}", minutes=minutes)


# --------------------------------------------------------------------------- operators


def promo_list(i18n: Translator, codes: list[PromoCode], currency: str) -> str:
    if not codes:
        return i18n.get("admin-promo-empty")
    now = int(time.time())
    lines = [
        i18n.get(
            "admin-promo-line",
            code=code.code,
            value=_value(i18n, code, currency),
            used=code.used,
            uses=str(code.uses) if code.uses is not None else "∞",
            until=code.last_day or "—",
            state=i18n.get(f"admin-promo-state-{code.state(now)}"),
        )
        for code in codes
    ]
    return i18n.get("admin-promo-title") + "\n" + "\n".join(lines)


def promo_created(i18n: Translator, spec: promo.Spec, currency: str) -> str:
    code = PromoCode(
        spec.code, spec.kind, spec.amount, spec.percent, spec.uses, 0, spec.ends_at,
        spec.min_topup, True,
    )  # fmt: skip
    state = code.state(int(time.time()))
    key = "admin-promo-created-expired" if state == "expired" else "admin-promo-created"
    return i18n.get(key, code=code.code, value=_value(i18n, code, currency))


def referral_stats(i18n: Translator, paid: int, promo_given: int, currency: str) -> str:
    return i18n.get(
        "admin-stats-growth",
        referrals=format_amount(paid, currency, i18n.locale),
        promo=format_amount(promo_given, currency, i18n.locale),
    )


def user_referrals(i18n: Translator, inviter: int | None, summary: Summary, currency: str) -> str:
    return i18n.get(
        "admin-user-referrals",
        inviter=str(inviter) if inviter is not None else "—",
        joined=summary.joined,
        earned=format_amount(summary.earned, currency, i18n.locale),
    )
