"""A fake Crypto Pay API: a real aiohttp server on 127.0.0.1.

Usage::

    async with FakeCryptoPay() as cp:
        client = CryptoPayClient(cp.token, cp.url)
        invoice = await client.create_invoice(...)
        cp.pay(invoice.invoice_id)                   # the customer paid
        cp.pay(invoice_id, amount=Decimal("9.50"))   # ... Crypto Pay reports another amount
        cp.expire(invoice_id)                        # or it expired
        cp.fail_next(Fault.HTTP_500)                 # the next call answers 500
        cp.fail_next(Fault.DROP, methods={"createInvoice"})  # processed, then no answer
        cp.advance(3600)                             # time passes; expires_in is honoured

Answers follow https://help.crypt.bot/crypto-pay-api: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": {"code": N, "name": "..."}}`` with HTTP status N; amounts are JSON
strings; getInvoices answers ``{"items": [...]}``. Parameters are read from the query string,
a JSON body or a form, as the real API does. Recorded: ``requests`` (method, params; the
token never), ``invoices``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from types import TracebackType
from typing import Any, Self

from aiohttp import web

DEFAULT_TOKEN = "12345:AAtestCryptoPayToken0123456789"
ASSETS = frozenset({"USDT", "TON", "BTC", "ETH", "LTC", "BNB", "TRX", "USDC", "SOL", "JET"})
FIATS = frozenset(
    {"USD", "EUR", "RUB", "BYN", "UAH", "GBP", "CNY", "KZT", "UZS", "GEL"}
    | {"TRY", "AMD", "THB", "INR", "BRL", "IDR", "AZN", "AED", "PLN", "ILS"}
)


class Fault(Enum):
    HTTP_500 = "http_500"  # JSON error 500: may or may not have been processed
    HTML_502 = "html_502"  # a proxy's HTML page
    RATE_LIMIT = "rate_limit"  # 429, nothing processed
    GARBAGE = "garbage"  # 200 with a body that is not JSON (processed)
    DROP = "drop"  # processed, then the connection is closed without an answer
    HUGE = "huge"  # processed, then an endless-looking body


@dataclass
class FakeInvoice:
    invoice_id: int
    amount: Decimal
    currency_type: str
    fiat: str | None
    asset: str | None
    accepted_assets: list[str] | None
    payload: str | None
    description: str | None
    created_at: datetime
    expiration_date: datetime | None
    status: str = "active"
    hash: str = ""
    paid_asset: str | None = None
    paid_amount: Decimal | None = None
    paid_fiat_rate: Decimal | None = None
    paid_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "invoice_id": self.invoice_id,
            "hash": self.hash,
            "currency_type": self.currency_type,
            "amount": str(self.amount),
            "bot_invoice_url": f"https://t.me/CryptoBot?start={self.hash}",
            "mini_app_invoice_url": f"https://t.me/CryptoBot/app?startapp=invoice-{self.hash}",
            "web_app_invoice_url": f"https://app.send.tg/invoices/{self.hash}",
            "status": self.status,
            "created_at": _iso(self.created_at),
            "allow_comments": False,
            "allow_anonymous": True,
        }
        if self.currency_type == "fiat":
            out["fiat"] = self.fiat
            if self.accepted_assets:
                out["accepted_assets"] = list(self.accepted_assets)
        else:
            out["asset"] = self.asset
        for name in ("payload", "description"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.expiration_date is not None:
            out["expiration_date"] = _iso(self.expiration_date)
        if self.status == "paid":
            out["paid_at"] = _iso(self.paid_at or self.created_at)
            out["paid_anonymously"] = False
            if self.currency_type == "fiat":
                out["paid_asset"] = self.paid_asset
                out["paid_amount"] = str(self.paid_amount)
                out["paid_fiat_rate"] = str(self.paid_fiat_rate)
                out["paid_usd_rate"] = str(self.paid_fiat_rate)
            out["fee_asset"] = self.paid_asset or self.asset
            out["fee_amount"] = "0"
        out.update(self.extra)
        return out


def _iso(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


class ApiError(Exception):
    def __init__(self, code: int, name: str) -> None:
        super().__init__(name)
        self.code = code
        self.name = name


class FakeCryptoPay:
    """The Crypto Pay API of one app."""

    def __init__(self, token: str = DEFAULT_TOKEN, app_name: str = "Test shop") -> None:
        self.token = token
        self.app_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.app_name = app_name
        self.invoices: dict[int, FakeInvoice] = {}
        self.deleted: set[int] = set()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.delay: float = 0.0
        self.echo_token: bool = False  # careless error texts repeat the token received
        self.clock_offset: float = 0.0
        self._faults: list[tuple[Fault, set[str] | None]] = []
        self._ids = itertools.count(1001)
        self._updates = itertools.count(1)
        self._received_token = ""
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeCryptoPay is not started")
        return f"http://127.0.0.1:{self._port}/api"

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port or 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def refuse(self) -> None:
        """Stop listening but keep ``url``: connections are refused until ``start()``."""
        await self.stop()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test controls

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def advance(self, seconds: float) -> None:
        """Move the fake's clock: invoices past their expires_in turn "expired"."""
        self.clock_offset += seconds

    def fail_next(self, fault: Fault, *, times: int = 1, methods: set[str] | None = None) -> None:
        """The next ``times`` calls (of ``methods``, default any) play ``fault``."""
        self._faults.extend([(fault, methods)] * times)

    def pay(
        self,
        invoice_id: int,
        *,
        asset: str | None = None,
        amount: Decimal | str | None = None,
        fiat_rate: Decimal | str = "1",
        paid_amount: Decimal | str | None = None,
    ) -> FakeInvoice:
        """The customer paid. ``amount`` overrides the invoice amount Crypto Pay reports
        (e.g. a different fiat amount than asked); ``paid_amount`` the crypto actually paid
        (default: amount / fiat_rate to 8 places)."""
        invoice = self.invoices[invoice_id]
        if amount is not None:
            invoice.amount = Decimal(amount)
        rate = Decimal(fiat_rate)
        invoice.status = "paid"
        invoice.paid_at = self.now()
        if invoice.currency_type == "fiat":
            invoice.paid_asset = asset or (invoice.accepted_assets or ["USDT"])[0]
            invoice.paid_fiat_rate = rate
            invoice.paid_amount = (
                Decimal(paid_amount)
                if paid_amount is not None
                else (invoice.amount / rate).quantize(Decimal("0.00000001"))
            )
        return invoice

    def expire(self, invoice_id: int) -> FakeInvoice:
        invoice = self.invoices[invoice_id]
        invoice.status = "expired"
        return invoice

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.requests if name == method]

    def webhook(self, invoice_id: int, token: str | None = None) -> tuple[bytes, dict[str, str]]:
        """A signed ``invoice_paid`` webhook update for ``invoice_id``: (raw body, headers)."""
        body = json.dumps(
            {
                "update_id": next(self._updates),
                "update_type": "invoice_paid",
                "request_date": _iso(self.now()),
                "payload": self.invoices[invoice_id].render(),
            },
            separators=(",", ":"),
        ).encode()
        secret = hashlib.sha256((token or self.token).encode()).digest()
        signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
        return body, {"crypto-pay-api-signature": signature}

    # ------------------------------------------------------------------ HTTP

    def _take_fault(self, method: str) -> Fault | None:
        for index, (fault, methods) in enumerate(self._faults):
            if methods is None or method in methods:
                del self._faults[index]
                return fault
        return None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = json.loads(await request.read(), parse_float=Decimal)
                if isinstance(body, dict):
                    params.update(body)
            else:
                params.update({k: str(v) for k, v in (await request.post()).items()})
        return params

    @staticmethod
    def _answer(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def _error(self, code: int, name: str) -> web.Response:
        if self.echo_token:
            name = f"{name} for token {self._received_token}"
        return web.json_response({"ok": False, "error": {"code": code, "name": name}}, status=code)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        self._received_token = request.headers.get("Crypto-Pay-API-Token", "")
        try:
            params = await self._params(request)
        except ValueError:
            return self._error(400, "BAD_REQUEST")
        self.requests.append((method, params))
        fault = self._take_fault(method)
        if fault is Fault.RATE_LIMIT:
            return self._error(429, "TOO_MANY_REQUESTS")
        if fault is Fault.HTML_502:
            return web.Response(
                text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                status=502,
                content_type="text/html",
            )
        if self._received_token != self.token:
            response = self._error(401, "UNAUTHORIZED")
        else:
            try:
                response = self._answer(self._dispatch(method, params))
            except ApiError as exc:
                response = self._error(exc.code, exc.name)
        if self.delay:
            await asyncio.sleep(self.delay)
        if fault is Fault.HTTP_500:
            return web.json_response(
                {"ok": False, "error": {"code": 500, "name": "INTERNAL_ERROR"}}, status=500
            )
        if fault is Fault.GARBAGE:
            return web.Response(text="<html>maintenance</html>", content_type="text/html")
        if fault is Fault.HUGE:
            return web.Response(body=b"[" + b"0," * (3 * 1024 * 1024) + b"0]")
        if fault is Fault.DROP:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing is answered on a dropped connection
        return response

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        self._expire_due()
        if method == "getMe":
            return {
                "app_id": self.app_id,
                "name": self.app_name,
                "payment_processing_bot_username": "CryptoBot",
            }
        if method == "createInvoice":
            return self._create(params).render()
        if method == "getInvoices":
            return {"items": [i.render() for i in self._list(params)]}
        if method == "deleteInvoice":
            invoice_id = _int(params.get("invoice_id"), "INVOICE_ID_INVALID")
            if invoice_id not in self.invoices or invoice_id in self.deleted:
                raise ApiError(400, "INVOICE_NOT_FOUND")
            self.deleted.add(invoice_id)
            return True
        raise ApiError(405, "METHOD_NOT_FOUND")

    def _expire_due(self) -> None:
        now = self.now()
        for invoice in self.invoices.values():
            due = invoice.expiration_date
            if invoice.status == "active" and due is not None and due <= now:
                invoice.status = "expired"

    def _create(self, p: dict[str, Any]) -> FakeInvoice:
        currency_type = str(p.get("currency_type") or "crypto")
        if currency_type not in ("crypto", "fiat"):
            raise ApiError(400, "CURRENCY_TYPE_INVALID")
        try:
            amount = Decimal(str(p.get("amount")))
        except InvalidOperation:
            raise ApiError(400, "AMOUNT_INVALID") from None
        if not amount.is_finite() or amount <= 0:
            raise ApiError(400, "AMOUNT_INVALID")
        fiat = asset = None
        accepted: list[str] | None = None
        if currency_type == "fiat":
            fiat = str(p.get("fiat") or "")
            if fiat not in FIATS:
                raise ApiError(400, "FIAT_INVALID")
            raw = p.get("accepted_assets")
            if raw is not None:
                items = raw if isinstance(raw, list) else str(raw).split(",")
                accepted = [str(a).strip() for a in items if str(a).strip()]
                if not accepted or any(a not in ASSETS for a in accepted):
                    raise ApiError(400, "ACCEPTED_ASSETS_INVALID")
        else:
            asset = str(p.get("asset") or "")
            if asset not in ASSETS:
                raise ApiError(400, "ASSET_INVALID")
        payload = p.get("payload")
        if payload is not None and len(str(payload).encode()) > 4096:
            raise ApiError(400, "PAYLOAD_TOO_LONG")
        description = p.get("description")
        if description is not None and len(str(description)) > 1024:
            raise ApiError(400, "DESCRIPTION_TOO_LONG")
        now = self.now()
        expires = None
        if p.get("expires_in") is not None:
            seconds = _int(p["expires_in"], "EXPIRES_IN_INVALID")
            if not 1 <= seconds <= 2_678_400:
                raise ApiError(400, "EXPIRES_IN_INVALID")
            expires = now + timedelta(seconds=seconds)
        invoice_id = next(self._ids)
        invoice = FakeInvoice(
            invoice_id=invoice_id,
            amount=amount,
            currency_type=currency_type,
            fiat=fiat,
            asset=asset,
            accepted_assets=accepted,
            payload=None if payload is None else str(payload),
            description=None if description is None else str(description),
            created_at=now,
            expiration_date=expires,
            hash=f"IV{invoice_id}abc",
        )
        self.invoices[invoice_id] = invoice
        return invoice

    def _list(self, p: dict[str, Any]) -> list[FakeInvoice]:
        count = _int(p.get("count", 100), "COUNT_INVALID")
        offset = _int(p.get("offset", 0), "OFFSET_INVALID")
        if not 1 <= count <= 1000 or offset < 0:
            raise ApiError(400, "COUNT_INVALID")
        found = [i for i in self.invoices.values() if i.invoice_id not in self.deleted]
        if p.get("invoice_ids") not in (None, ""):
            raw = p["invoice_ids"]
            items = raw if isinstance(raw, list) else str(raw).split(",")
            wanted = {_int(i, "INVOICE_IDS_INVALID") for i in items}
            found = [i for i in found if i.invoice_id in wanted]
        if p.get("status"):
            found = [i for i in found if i.status == p["status"]]
        if p.get("fiat"):
            found = [i for i in found if i.fiat == p["fiat"]]
        found.sort(key=lambda i: i.invoice_id, reverse=True)  # newest first
        return found[offset : offset + count]


def _int(value: Any, error: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ApiError(400, error) from None
