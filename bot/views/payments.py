"""Top-ups in words: the customer's screens and the operators' payment lists, refunds and
income (texts: locales/*/payments.ftl)."""

from __future__ import annotations

from typing import Any

from bot.money import format_amount
from bot.payments.amounts import TopupAmountError
from bot.payments.models import (
    CRYPTO_INVOICE_TTL,
    PaymentConfig,
    PaymentView,
    PreCheckoutVerdict,
    RefundPlan,
)
from bot.payments.stars import stars_for
from bot.views.common import NONE, Translator, format_time

PRE_CHECKOUT_KEYS: dict[PreCheckoutVerdict, str] = {
    "ok": "",
    "invalid": "payments-precheckout-invalid",
    "stale": "payments-precheckout-stale",
    "rate_changed": "payments-precheckout-rate-changed",
    "banned": "payments-precheckout-banned",
    "maintenance": "payments-precheckout-maintenance",
    "unavailable": "payments-precheckout-unavailable",
}
AMOUNT_KEYS = {
    "not_a_number": "payments-amount-not-a-number",
    "not_positive": "payments-amount-not-positive",
    "too_precise": "payments-amount-too-precise",
    "too_small": "payments-amount-too-small",
    "too_large": "payments-amount-too-large",
}
METHOD_KEYS: dict[str, str] = {
    "stars": "payments-method-stars",
    "cryptopay": "payments-method-cryptopay",
}
STATUSES = frozenset({"created", "pending", "paid", "expired", "refunding", "refunded", "canceled"})


def pre_checkout_reason(i18n: Translator, verdict: PreCheckoutVerdict, contact: str = "") -> str:
    """Why Telegram's payment screen says no (empty for "ok"); a "contact support" reason
    names SUPPORT_CONTACT when it is set (the payment screen has no buttons)."""
    key = PRE_CHECKOUT_KEYS[verdict]
    if not key:
        return ""
    text = i18n.get(key)
    if verdict == "banned" and contact:
        text += " " + i18n.get("support-contact", contact=contact)
    return text


def amount_error(i18n: Translator, error: TopupAmountError, currency: str) -> str:
    limit = format_amount(error.limit or 0, currency, i18n.locale)
    return i18n.get(AMOUNT_KEYS[error.code], min=limit, max=limit)


def method_name(i18n: Translator, method: str) -> str:
    key = METHOD_KEYS.get(method)
    return i18n.get(key) if key else method


def topup_screen(i18n: Translator, config: PaymentConfig, currency: str) -> str:
    return i18n.get(
        "payments-topup-title",
        min=format_amount(config.topup_min, currency, i18n.locale),
        max=format_amount(config.largest(currency), currency, i18n.locale),
    )


def ask_amount(i18n: Translator, config: PaymentConfig, currency: str, error: str = "") -> str:
    text = i18n.get(
        "payments-topup-ask-amount",
        currency=currency,
        min=format_amount(config.topup_min, currency, i18n.locale),
        max=format_amount(config.largest(currency), currency, i18n.locale),
    )
    return f"{error}\n\n{text}" if error else text


def pay_screen(i18n: Translator, config: PaymentConfig, currency: str, amount: int) -> str:
    """The amount, and what it costs by each method that can take it."""
    lines = [
        i18n.get("payments-pay-title", amount=format_amount(amount, currency, i18n.locale)),
        "",
    ]
    for method in config.methods(currency):
        if method == "stars" and config.stars_rate is not None:
            if amount <= config.stars_max:
                lines.append(
                    i18n.get(
                        "payments-pay-stars",
                        stars=stars_for(amount, config.stars_rate),
                        rate=format_amount(config.stars_rate, currency, i18n.locale),
                    )
                )
            else:
                lines.append(
                    i18n.get(
                        "payments-pay-stars-too-large",
                        max=format_amount(config.stars_max, currency, i18n.locale),
                    )
                )
        elif method == "cryptopay":
            lines.append(i18n.get("payments-pay-crypto", assets=", ".join(config.crypto_assets)))
    return "\n".join(lines)


def crypto_created(i18n: Translator, config: PaymentConfig, amount: int, currency: str) -> str:
    return i18n.get(
        "payments-crypto-created",
        amount=format_amount(amount, currency, i18n.locale),
        assets=", ".join(config.crypto_assets),
        minutes=config.crypto_invoice_ttl // 60 or CRYPTO_INVOICE_TTL // 60,
    )


# --------------------------------------------------------------------------- operators


def _amount(i18n: Translator, payment: PaymentView) -> str:
    amount = payment.credited if payment.credited is not None else payment.amount
    return format_amount(amount, payment.currency, i18n.locale)


def _paid(payment: PaymentView) -> str:
    if payment.method == "stars" and payment.stars:
        return f"{payment.stars} ⭐"
    if payment.paid_amount and payment.paid_asset:
        return f"{payment.paid_amount} {payment.paid_asset}"
    return NONE


def status_name(i18n: Translator, status: str) -> str:
    return i18n.get(f"payments-status-{status}") if status in STATUSES else status


def payment_line(i18n: Translator, payment: PaymentView) -> str:
    line = i18n.get(
        "payments-admin-line",
        payment_id=payment.id,
        when=format_time(payment.paid_at or payment.created_at),
        method=method_name(i18n, payment.method),
        paid=_paid(payment),
        amount=_amount(i18n, payment),
        status=status_name(i18n, payment.status),
        user_id=payment.user_id,
    )
    if payment.provider_charge_id:
        line += "\n    " + payment.provider_charge_id
    if payment.flagged or payment.note:
        line += "\n    " + i18n.get("payments-admin-note", note=payment.note or NONE)
    return line


def payments_list(i18n: Translator, payments: list[PaymentView], user_id: int | None) -> str:
    if not payments:
        return i18n.get("payments-admin-list-empty")
    title = (
        i18n.get("payments-admin-list-title-user", user_id=user_id)
        if user_id is not None
        else i18n.get("payments-admin-list-title")
    )
    return "\n".join([title, "", *(payment_line(i18n, p) for p in payments)])


def refund_result(i18n: Translator, plan: RefundPlan, ref: str, error: str | None = None) -> str:
    """What /refund did. `error`: Telegram refused the refund after the balance was debited."""
    params: dict[str, Any] = {
        "payment_id": plan.payment_id or 0,
        "user_id": plan.user_id or 0,
        "stars": plan.stars,
        "debited": format_amount(plan.debited, plan.currency, i18n.locale),
        "missing": format_amount(plan.missing, plan.currency, i18n.locale),
        "balance": format_amount(plan.balance, plan.currency, i18n.locale),
    }
    if plan.outcome == "not_found":
        return i18n.get("payments-refund-not-found", ref=ref[:64])
    if plan.outcome == "insufficient":
        return i18n.get(
            "payments-refund-insufficient",
            amount=format_amount(plan.missing + plan.balance, plan.currency, i18n.locale),
            **params,
        )
    if plan.outcome != "refund":
        return i18n.get(
            {
                "not_refundable": "payments-refund-not-refundable",
                "not_paid": "payments-refund-not-paid",
                "already_refunded": "payments-refund-already",
            }[plan.outcome],
            **params,
        )
    if error is not None:
        return i18n.get("payments-refund-failed", error=error[:200], **params)
    if plan.missing:
        return i18n.get("payments-refund-done-short", **params)
    return i18n.get("payments-refund-done", **params)
