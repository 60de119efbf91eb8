"""The shapes payments code passes around: settings in micro-units, results, rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.config import Settings
from bot.payments.cryptopay import FIAT_CURRENCIES
from bot.payments.stars import max_amount_for_stars

STARS_INVOICE_TTL = 24 * 3600  # an older Stars invoice is refused at pre-checkout
CRYPTO_INVOICE_TTL = 3600  # Crypto Pay expires_in

Method = Literal["stars", "cryptopay"]
PreCheckoutVerdict = Literal[
    "ok", "invalid", "stale", "rate_changed", "banned", "maintenance", "unavailable"
]
CreditOutcome = Literal["credited", "duplicate", "flagged", "unknown"]


class PaymentUnavailable(Exception):
    """This payment method is not configured (no STARS_RATE, no CRYPTO_PAY_TOKEN, or the
    shop currency is one Crypto Pay does not take)."""


@dataclass(frozen=True)
class PaymentConfig:
    admin_chat_id: int
    admin_lang: str = "en"
    stars_rate: int | None = None  # micro-units per Star; None = no Stars
    topup_min: int = 1_000_000
    topup_max: int = 1_000_000_000
    presets: tuple[int, ...] = ()
    crypto_assets: tuple[str, ...] = ()  # empty = no Crypto Pay
    stars_invoice_ttl: int = STARS_INVOICE_TTL
    crypto_invoice_ttl: int = CRYPTO_INVOICE_TTL

    @classmethod
    def from_settings(cls, settings: Settings) -> PaymentConfig:
        return cls(
            admin_chat_id=settings.admin_chat_id,
            admin_lang=settings.default_language,
            stars_rate=settings.stars_rate_micros,
            topup_min=settings.topup_min_micros,
            topup_max=settings.topup_max_micros,
            presets=tuple(settings.topup_presets_micros),
            crypto_assets=tuple(settings.crypto_pay_assets) if settings.crypto_pay_token else (),
        )

    @property
    def stars_max(self) -> int:
        """The largest Stars top-up: TOPUP_MAX, or less if one invoice cannot carry it."""
        if self.stars_rate is None:
            return 0
        return min(self.topup_max, max_amount_for_stars(self.stars_rate))

    def methods(self, currency: str, amount: int | None = None) -> tuple[Method, ...]:
        """The ways a top-up (of `amount`, if given) can be paid in a shop that counts in
        `currency`, in the order they are offered. Empty: customers cannot top up."""
        found: list[Method] = []
        if self.stars_rate is not None and (amount is None or amount <= self.stars_max):
            found.append("stars")
        if (
            self.crypto_assets
            and currency.upper() in FIAT_CURRENCIES
            and (amount is None or amount <= self.topup_max)
        ):
            found.append("cryptopay")
        return tuple(found)

    def largest(self, currency: str) -> int:
        """The largest top-up any offered method can take (0: none is offered)."""
        limits = {"stars": self.stars_max, "cryptopay": self.topup_max}
        return max((limits[m] for m in self.methods(currency)), default=0)


@dataclass(frozen=True)
class StarsInvoice:
    """What the handler puts in sendInvoice (currency XTR, one price of `stars`)."""

    payment_id: int
    amount: int
    currency: str
    stars: int
    rate: int
    payload: str


@dataclass(frozen=True)
class CreditResult:
    outcome: CreditOutcome
    payment_id: int | None = None
    user_id: int | None = None
    credited: int = 0
    balance: int = 0
    currency: str = ""
    charge_id: str = ""
    note: str | None = None  # why it was flagged


class TransactionPartner(Protocol):
    """What every Telegram TransactionPartner has; the user's own fields (user,
    transaction_type, invoice_payload) are read only when `type` is "user"."""

    @property
    def type(self) -> str: ...


class StarTransaction(Protocol):
    """The fields of Telegram's StarTransaction that `StarTx.from_api` reads: aiogram's
    `StarTransaction` is one, without this package importing aiogram."""

    @property
    def id(self) -> str: ...

    @property
    def amount(self) -> int: ...

    @property
    def date(self) -> datetime: ...

    @property
    def source(self) -> TransactionPartner | None: ...

    @property
    def receiver(self) -> TransactionPartner | None: ...


@dataclass(frozen=True)
class StarTx:
    """One getStarTransactions entry, without aiogram: see `from_api`."""

    id: str
    amount: int
    date: int
    incoming: bool  # a payment to the bot (source); False: a refund or withdrawal
    user_id: int | None = None
    first_name: str = ""
    transaction_type: str = ""
    payload: str | None = None

    @classmethod
    def from_api(cls, tx: StarTransaction) -> StarTx:
        partner = tx.source if tx.source is not None else tx.receiver
        user = getattr(partner, "user", None) if getattr(partner, "type", "") == "user" else None
        return cls(
            id=str(tx.id),
            amount=int(tx.amount),
            date=int(tx.date.timestamp()),
            incoming=tx.source is not None,
            user_id=int(user.id) if user is not None else None,
            first_name=str(getattr(user, "first_name", "") or ""),
            transaction_type=str(getattr(partner, "transaction_type", "") or ""),
            payload=getattr(partner, "invoice_payload", None),
        )


@dataclass(frozen=True)
class ReconcileResult:
    recovered: list[CreditResult]
    next_offset: int
    refunds_confirmed: int = 0


RefundOutcome = Literal[
    "refund", "not_found", "not_refundable", "not_paid", "already_refunded", "insufficient"
]


@dataclass(frozen=True)
class RefundPlan:
    """For "refund": call refundStarPayment(user_id, charge_id), then mark_stars_refunded
    (also when Telegram answers CHARGE_ALREADY_REFUNDED)."""

    outcome: RefundOutcome
    payment_id: int | None = None
    user_id: int | None = None
    charge_id: str = ""
    stars: int = 0
    debited: int = 0  # taken from the balance now (or earlier, on a retry)
    missing: int = 0  # "insufficient": how much the balance lacks; forced: what was not taken
    balance: int = 0
    currency: str = ""


@dataclass(frozen=True)
class PaymentView:
    id: int
    user_id: int
    method: str
    status: str
    amount: int
    credited: int | None
    currency: str
    stars: int | None
    rate_micros: int | None
    provider_charge_id: str | None
    invoice_payload: str | None
    paid_amount: str | None
    paid_asset: str | None
    flagged: bool
    note: str | None
    refund_debit: int | None
    invoice_url: str | None
    expires_at: int | None
    created_at: int
    paid_at: int | None
    refunded_at: int | None


@dataclass(frozen=True)
class IncomeRow:
    day: int  # midnight UTC, unix seconds
    method: str
    count: int
    credited: int
    refunded: int  # taken back from balances by refunds of that day's payments
