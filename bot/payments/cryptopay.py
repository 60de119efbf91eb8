"""A small typed client for the Crypto Pay API (https://help.crypt.bot/crypto-pay-api).

Only what top-ups need: createInvoice, getInvoices, deleteInvoice, getMe. Errors follow the
panel client's taxonomy (bot/panel/errors.py), so the caller knows what is safe:

* :class:`CryptoPayRejected` - Crypto Pay answered and said no. Nothing was created.
* :class:`CryptoPayNotSent` - the request never reached it (refused, DNS, connect timeout,
  HTTP 429). Safe to send again.
* :class:`CryptoPayOutcomeUnknown` - it may have been processed (read timeout, dropped
  connection, 5xx, garbage). createInvoice is not idempotent: never resend it blindly; find
  the invoice by its payload instead.

Amounts are Decimals parsed straight from the JSON text (never through float). The token
goes only into the request header: never into errors, logs or reprs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import aiohttp
from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

from bot.http import SessionClient
from bot.panel.redact import safe_text

log = logging.getLogger(__name__)

DEFAULT_URL = "https://pay.crypt.bot/api"
TESTNET_URL = "https://testnet-pay.crypt.bot/api"
TOKEN_HEADER = "Crypto-Pay-API-Token"  # noqa: S105 - a header name, not a secret
SIGNATURE_HEADER = "crypto-pay-api-signature"
MAX_BODY_BYTES = 2 * 1024 * 1024  # 100 invoices are ~150 KB; more is not an answer
MAX_EXPIRES_IN = 2_678_400  # createInvoice: 1-2678400 seconds
MAX_PAYLOAD_BYTES = 4096  # createInvoice: payload up to 4 KB
MAX_DESCRIPTION = 1024  # createInvoice: description up to 1024 characters
MAX_GET_COUNT = 1000  # getInvoices: count 1-1000
# Fiat currencies createInvoice accepts with currency_type=fiat.
FIAT_CURRENCIES = frozenset(
    {"USD", "EUR", "RUB", "BYN", "UAH", "GBP", "CNY", "KZT", "UZS", "GEL"}
    | {"TRY", "AMD", "THB", "INR", "BRL", "IDR", "AZN", "AED", "PLN", "ILS"}
)

T = TypeVar("T")


# --------------------------------------------------------------------------- errors


class CryptoPayError(Exception):
    """Base of every Crypto Pay client error."""

    def __init__(self, message: str, *, method: str, http_status: int | None = None) -> None:
        self.method = method
        self.http_status = http_status
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        where = f"Crypto Pay {self.method}"
        if self.http_status is not None:
            where += f" (HTTP {self.http_status})"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, "
            f"http_status={self.http_status!r}, message={self.message!r})"
        )


class CryptoPayRejected(CryptoPayError):
    """Crypto Pay said no; `name` is its error name (e.g. INVOICE_NOT_FOUND), `code` its code."""

    def __init__(
        self, message: str, *, method: str, http_status: int | None, name: str, code: int | None
    ) -> None:
        super().__init__(message, method=method, http_status=http_status)
        self.name = name
        self.code = code


class CryptoPayAuthError(CryptoPayRejected):
    """The token is wrong or revoked."""


class CryptoPayNotSent(CryptoPayError):
    """The request certainly never reached Crypto Pay: safe to send again."""


class CryptoPayOutcomeUnknown(CryptoPayError):
    """The request may have been processed; there is no usable answer."""


# --------------------------------------------------------------------------- models


def _exact(value: Any) -> Any:
    # A float here means something parsed the JSON lossily: refuse rather than round.
    if isinstance(value, float):
        raise ValueError("amounts must not pass through float")
    return value


Amount = Annotated[Decimal, BeforeValidator(_exact)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)


class App(_Model):
    app_id: int
    name: str = ""
    payment_processing_bot_username: str = ""


class Invoice(_Model):
    invoice_id: int
    status: str  # active | paid | expired
    hash: str = ""
    currency_type: str = "crypto"  # crypto | fiat
    asset: str | None = None  # currency_type=crypto
    fiat: str | None = None  # currency_type=fiat
    amount: Amount
    accepted_assets: list[str] | None = None
    paid_asset: str | None = None  # fiat invoices, once paid: the crypto actually paid
    paid_amount: Amount | None = None  # ... and how much of it
    paid_fiat_rate: Amount | None = None  # paid_asset valued in `fiat`
    paid_usd_rate: Amount | None = None
    fee_asset: str | None = None
    fee_amount: Amount | None = None
    bot_invoice_url: str = ""
    mini_app_invoice_url: str | None = None
    web_app_invoice_url: str | None = None
    description: str | None = None
    payload: str | None = None
    created_at: datetime | None = None
    paid_at: datetime | None = None
    expiration_date: datetime | None = None

    @property
    def is_paid(self) -> bool:
        return self.status == "paid"

    @property
    def is_expired(self) -> bool:
        return self.status == "expired"

    @property
    def currency(self) -> str:
        """The invoice's own unit: the fiat code, or the asset for crypto invoices."""
        return (self.fiat if self.currency_type == "fiat" else self.asset) or ""

    @property
    def paid_fiat_value(self) -> Decimal | None:
        """What was paid, valued in the invoice's fiat at the payment's rate (if known)."""
        if self.paid_amount is None or self.paid_fiat_rate is None:
            return None
        return self.paid_amount * self.paid_fiat_rate


class _Items(_Model):
    items: list[Invoice]


_APP = TypeAdapter(App)
_INVOICE = TypeAdapter(Invoice)
_ITEMS = TypeAdapter(_Items)
_TRUE = TypeAdapter(bool)


# --------------------------------------------------------------------------- webhook


def webhook_signature(token: str, body: bytes) -> str:
    """HMAC-SHA256 of the raw body, keyed with SHA-256 of the token, as hex."""
    secret = hashlib.sha256(token.encode()).digest()
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def check_webhook_signature(token: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` (the crypto-pay-api-signature header) signs `body`.

    Constant-time comparison; the body must be the raw bytes received, not re-serialized JSON.
    """
    if not signature:
        return False
    expected = webhook_signature(token, body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


# --------------------------------------------------------------------------- client


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def _loads(body: bytes) -> Any:
    return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)


def _decimal_text(amount: Decimal) -> str:
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be a positive finite decimal")
    text = format(amount.normalize(), "f")
    return text


class CryptoPayClient(SessionClient):
    """Typed client for one Crypto Pay app. Reads (getMe, getInvoices) are retried a few
    times on NotSent/OutcomeUnknown; createInvoice and deleteInvoice are sent once."""

    def __init__(
        self,
        token: str,
        url: str = DEFAULT_URL,
        *,
        connect_timeout: float = 10,
        read_timeout: float = 30,
        retries: int = 2,
        backoff: float = 0.5,
        max_body: int = MAX_BODY_BYTES,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._token = token
        super().__init__(session, connect_timeout, read_timeout)
        self._url = url.rstrip("/")
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.max_body = max_body

    @property
    def url(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url!r}, token=<hidden>)"

    def _connector(self) -> aiohttp.TCPConnector:
        # A fresh connection per request: calls are rare (a top-up, a poll every few
        # minutes), and a createInvoice written into a connection the server already
        # closed would end as "outcome unknown" for no reason.
        return aiohttp.TCPConnector(force_close=True)

    # ------------------------------------------------------------------ transport

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>") if len(self._token) >= 4 else text

    async def _send(self, method: str, params: Mapping[str, Any]) -> tuple[int, bytes]:
        session = await self._get_session()
        try:
            async with session.post(
                f"{self._url}/{method}",
                json=dict(params),
                headers={TOKEN_HEADER: self._token},
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                if (response.content_length or 0) > self.max_body:
                    raise CryptoPayOutcomeUnknown(
                        "answer too large", method=method, http_status=response.status
                    )
                body = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > self.max_body:
                        raise CryptoPayOutcomeUnknown(
                            "answer too large", method=method, http_status=response.status
                        )
                return response.status, bytes(body)
        except CryptoPayError:
            raise
        except aiohttp.ConnectionTimeoutError:
            raise CryptoPayNotSent("connect timeout", method=method) from None
        except aiohttp.ClientConnectorError as exc:
            raise CryptoPayNotSent(f"cannot connect: {type(exc).__name__}", method=method) from None
        except aiohttp.InvalidURL:
            raise CryptoPayNotSent("invalid Crypto Pay URL", method=method) from None
        except (aiohttp.ServerTimeoutError, TimeoutError):
            raise CryptoPayOutcomeUnknown("no answer in time", method=method) from None
        except aiohttp.ClientError as exc:
            raise CryptoPayOutcomeUnknown(
                f"connection failed after sending: {type(exc).__name__}", method=method
            ) from None

    def _parse(self, method: str, status: int, body: bytes, adapter: TypeAdapter[T]) -> T:
        if status == 429:
            raise CryptoPayNotSent("rate limited", method=method, http_status=status)
        try:
            data = _loads(body)
        except (ValueError, UnicodeDecodeError):
            if status >= 500:
                raise CryptoPayOutcomeUnknown(
                    "server error", method=method, http_status=status
                ) from None
            text = self._redact(safe_text(body, ""))
            raise CryptoPayOutcomeUnknown(
                f"not JSON: {text!r}", method=method, http_status=status
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
            raise CryptoPayOutcomeUnknown("unexpected answer", method=method, http_status=status)
        if not data["ok"]:
            error = data.get("error")
            name, code = "UNKNOWN_ERROR", None
            if isinstance(error, dict):
                name = self._redact(safe_text(str(error.get("name") or name), "", 100))
                code = error.get("code") if isinstance(error.get("code"), int) else None
            elif isinstance(error, str):
                name = self._redact(safe_text(error, "", 100))
            if status >= 500 or (code or 0) >= 500:
                raise CryptoPayOutcomeUnknown(name, method=method, http_status=status)
            cls = CryptoPayAuthError if code == 401 or status == 401 else CryptoPayRejected
            raise cls(name, method=method, http_status=status, name=name, code=code)
        if status >= 500:
            raise CryptoPayOutcomeUnknown("server error", method=method, http_status=status)
        try:
            return adapter.validate_python(data.get("result"))
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:3])
            raise CryptoPayOutcomeUnknown(
                f"malformed result ({fields})", method=method, http_status=status
            ) from None

    async def _call(
        self, method: str, params: Mapping[str, Any], adapter: TypeAdapter[T], *, retry: bool
    ) -> T:
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(1, attempts + 1):
            try:
                status, body = await self._send(method, params)
                return self._parse(method, status, body, adapter)
            except CryptoPayRejected as exc:
                log.info("%s", exc)
                raise
            except (CryptoPayNotSent, CryptoPayOutcomeUnknown) as exc:
                if attempt >= attempts:
                    log.warning("%s (attempt %d)", exc, attempt)
                    raise
                delay = self.backoff * 2 ** (attempt - 1)
                log.info("%s (attempt %d/%d), retrying in %.1fs", exc, attempt, attempts, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ methods

    async def get_me(self) -> App:
        return await self._call("getMe", {}, _APP, retry=True)

    async def create_invoice(
        self,
        *,
        amount: Decimal,
        fiat: str,
        accepted_assets: Sequence[str],
        payload: str,
        description: str,
        expires_in: int,
    ) -> Invoice:
        """An invoice for `amount` of `fiat`, payable in any of `accepted_assets`.

        Sent once: a lost answer raises CryptoPayOutcomeUnknown and the invoice may exist
        (find it by `payload` with get_invoices).
        """
        fiat = fiat.upper()
        if fiat not in FIAT_CURRENCIES:
            raise ValueError(f"Crypto Pay has no fiat currency {fiat!r}")
        if not accepted_assets:
            raise ValueError("accepted_assets must not be empty")
        if not 1 <= expires_in <= MAX_EXPIRES_IN:
            raise ValueError(f"expires_in must be 1..{MAX_EXPIRES_IN}")
        if not payload or len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError("payload must be 1..4096 bytes")
        params = {
            "currency_type": "fiat",
            "fiat": fiat,
            "amount": _decimal_text(amount),
            "accepted_assets": ",".join(a.upper() for a in accepted_assets),
            "payload": payload,
            "description": description[:MAX_DESCRIPTION],
            "expires_in": int(expires_in),
            "allow_comments": False,
        }
        return await self._call("createInvoice", params, _INVOICE, retry=False)

    async def get_invoices(
        self,
        *,
        invoice_ids: Sequence[int] | None = None,
        status: str | None = None,
        offset: int = 0,
        count: int = 100,
    ) -> list[Invoice]:
        """Invoices of this app: by id (up to `count` of them), or a page of all of them."""
        if not 1 <= count <= MAX_GET_COUNT:
            raise ValueError(f"count must be 1..{MAX_GET_COUNT}")
        params: dict[str, Any] = {"offset": max(0, offset), "count": count}
        if invoice_ids is not None:
            if not invoice_ids:
                return []
            params["invoice_ids"] = ",".join(str(int(i)) for i in invoice_ids)
        if status is not None:
            params["status"] = status
        items = await self._call("getInvoices", params, _ITEMS, retry=True)
        return items.items

    async def delete_invoice(self, invoice_id: int) -> bool:
        return await self._call(
            "deleteInvoice", {"invoice_id": int(invoice_id)}, _TRUE, retry=False
        )
