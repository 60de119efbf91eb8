"""A fake SMM panel: a real aiohttp server on 127.0.0.1 that can play every variant.

Usage::

    async with FakePanel() as panel:
        client = PanelClient(panel.url, panel.key)
        panel.variant.trailing_comma = True          # shape switches
        panel.fail(Fault.HTML_502, times=1)          # first request fails, then works
        panel.delay = 0.05                           # slow answers
        panel.reject_links["https://x"] = "Bad link" # `add` for that link refused
        panel.lose_links.add("https://y")            # placed, the answer lost

Everything is recorded: ``requests`` (forms without the key), ``add_calls``, ``orders``,
``refills``, ``cancels``, and the most requests of each action in flight at once
(``max_in_flight``; ``max_adds_in_flight`` for ``add``).

Answers can also be scripted byte for byte (``raw_answer``: any status, headers and body,
optionally cut off mid-body), dripped slowly (``drip``) or padded past a size limit
(``pad_bytes``). :class:`RawServer` plays answers that are not even HTTP.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

# --------------------------------------------------------------------------- catalog


def _svc(
    sid: int,
    name: str,
    type_: str,
    category: str,
    rate: str,
    min_: int,
    max_: int,
    *,
    dripfeed: bool = False,
    refill: bool = False,
    cancel: bool = False,
    description: str = "",
    average_time: str | None = None,
) -> dict[str, Any]:
    service: dict[str, Any] = {
        "service": str(sid),
        "name": name,
        "type": type_,
        "category": category,
        "rate": Decimal(rate),
        "min": min_,
        "max": max_,
        "dripfeed": dripfeed,
        "refill": refill,
        "cancel": cancel,
        "description": description,
    }
    if average_time is not None:
        service["average_time"] = average_time
    return service


IG = "Instagram Followers"
TG = "Telegram Members"

# One service for every order type in panel-api.md, mixed flags, two categories.
DEFAULT_SERVICES: list[dict[str, Any]] = [
    _svc(1, "IG Followers [Refill 30d]", "Default", IG, "0.9000", 10, 10000,
         dripfeed=True, refill=True, cancel=True, description="Fast start", average_time="35"),
    _svc(2, "IG Likes", "Default", IG, "0.0360", 50, 50000),
    _svc(3, "IG Followers Package 1000", "Package", IG, "2.5000", 1, 1, refill=True),
    _svc(4, "IG Custom Comments", "Custom Comments", IG, "12.0000", 1, 100, cancel=True),
    _svc(5, "IG Custom Comments Package", "Custom Comments Package", IG, "5.0000", 1, 1),
    _svc(6, "IG Mentions", "Mentions", IG, "3.0000", 100, 10000),
    _svc(7, "IG Mentions with Hashtags", "Mentions with Hashtags", IG, "4.0000", 100, 10000),
    _svc(8, "IG Mentions Custom List", "Mentions Custom List", IG, "6.0000", 1, 1000),
    _svc(9, "IG Mentions Hashtag", "Mentions Hashtag", IG, "3.5000", 100, 10000),
    _svc(10, "IG Mentions User Followers", "Mentions User Followers", IG, "3.2000", 100, 5000),
    _svc(11, "IG Mentions Media Likers", "Mentions Media Likers", IG, "3.3000", 100, 5000),
    _svc(12, "IG Comment Likes", "Comment Likes", IG, "1.5000", 10, 5000, refill=True),
    _svc(13, "IG Comment Replies", "Comment Replies", IG, "15.0000", 1, 50),
    _svc(14, "TG Poll Votes", "Poll", TG, "0.5000", 10, 100000, cancel=True),
    _svc(15, "TG Invites from Groups", "Invites from Groups", TG, "2.0000", 100, 20000,
         dripfeed=True),
    _svc(16, "TG Post Views Subscription", "Subscriptions", TG, "0.2000", 100, 100000),
    _svc(17, "TG Members", "Default", TG, "1.1000", 100, 50000, refill=True, cancel=True),
]  # fmt: skip

QUANTITY_TYPES = {
    "default",
    "mentions",
    "mentionswithhashtags",
    "mentionshashtag",
    "mentionsuserfollowers",
    "mentionsmedialikers",
    "commentlikes",
    "poll",
    "invitesfromgroups",
}
LINES_AS_QUANTITY = {
    "customcomments": "comments",
    "mentionscustomlist": "usernames",
    "commentreplies": "comments",
}
PACKAGE_TYPES = {"package", "customcommentspackage"}


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


# --------------------------------------------------------------------------- switches


class Fault(Enum):
    NONE = "none"
    HTML_500 = "html_500"  # nginx-style 500 page
    HTML_502 = "html_502"  # Cloudflare-style 502 page
    HTML_200 = "html_200"  # a 200 with a login/maintenance page instead of JSON
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    DROP = "drop"  # read and process the request, then close without answering


@dataclass
class Variant:
    """Shape switches; defaults follow the panel's own published examples."""

    numbers_as_strings: bool = True
    id_style: Literal["int", "str", "ulid"] = "int"
    html_content_type: bool = False
    trailing_comma: bool = False
    services_wrap: Literal["none", "services", "data"] = "none"
    services_empty: bool = False  # {"status": "success", "data": "Empty Data"}
    flag_style: Literal["str01", "int01", "bool", "strbool", "missing"] = "str01"
    type_case: Literal["as_is", "lower", "upper", "snake", "kebab"] = "as_is"
    item_error_style: Literal["string", "object"] = "string"
    status_case: Literal["as_is", "upper", "lower", "title"] = "as_is"
    status_names: dict[str, str] = field(default_factory=dict)  # e.g. {"Canceled": "Cancelled"}
    error_style: Literal["error", "status_message", "http422"] = "error"
    add_style: Literal["order", "status_success"] = "order"
    add_charge: bool = False  # add charge/currency to the add answer
    status_with_order: bool = False  # include "order" in single status answers
    refill_style: Literal["id_str", "id_int", "success", "success_with_id"] = "id_str"
    cancel_single_form: bool = False  # answer a one-id cancel with one object
    balance_status: bool = False  # add "status": "success" to balance
    reject_duplicate_links: bool = False
    echo_key: bool = False  # careless panels repeat the received key in error texts


@dataclass
class RawAnswer:
    """An answer sent exactly as given. ``cut_after``: announce the whole body, send this
    many bytes of it, then reset the connection."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None
    process: bool = True  # handle the request (place the order...) before answering


@dataclass
class FakeOrder:
    id: str
    service: str
    fields: dict[str, str]
    status: str = "Pending"
    charge: Decimal = Decimal(0)
    start_count: int = 0
    remains: int = 0
    quantity: int = 0
    runs: int | None = None
    orders: list[str] = field(default_factory=list)  # drip-feed / subscription children
    refills: list[str] = field(default_factory=list)
    cancel_requested: bool = False
    expiry: str | None = None
    posts: int | None = None


@dataclass
class FakeRefill:
    id: str
    order_id: str
    status: str = "Pending"


FINAL = {"Completed", "Partial", "Canceled", "Refunded"}


def free_port_url(path: str = "/api/v3") -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class _Json:
    """A tiny JSON writer: exact decimals as numbers and optional trailing commas."""

    def __init__(self, trailing_comma: bool) -> None:
        self.trailing_comma = trailing_comma

    def dump(self, value: Any) -> str:
        parts: list[str] = []
        self._write(value, parts)
        return "".join(parts)

    def _write(self, value: Any, out: list[str]) -> None:
        if value is None:
            out.append("null")
        elif value is True:
            out.append("true")
        elif value is False:
            out.append("false")
        elif isinstance(value, int | Decimal):
            out.append(str(value))
        elif isinstance(value, str):
            out.append(_json_string(value))
        elif isinstance(value, Mapping):
            out.append("{")
            first = True
            for key, item in value.items():
                if not first:
                    out.append(",")
                first = False
                out.append(_json_string(str(key)))
                out.append(":")
                self._write(item, out)
            if self.trailing_comma and not first:
                out.append(",")
            out.append("}")
        elif isinstance(value, list | tuple):
            out.append("[")
            for index, item in enumerate(value):
                if index:
                    out.append(",")
                self._write(item, out)
            if self.trailing_comma and value:
                out.append(",")
            out.append("]")
        else:
            raise TypeError(f"cannot write {type(value).__name__}")


def _json_string(text: str) -> str:
    return json.dumps(text)


CANCEL_SUCCESS = "Your order will be cancel asap. Thank you for patience."
REFILL_SUCCESS = "Your order will be refill asap. Thank you for patience."

HTML_500 = (
    "<html><head><title>500 Internal Server Error</title></head>"
    "<body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center>"
    "</body></html>"
)
HTML_502 = (
    "<!DOCTYPE html><html><head><title>worldsmartsmm.com | 502: Bad gateway</title></head>"
    "<body><div id='cf-error-details'><h1>Bad gateway</h1><span>Error code 502</span>"
    "<p>Visit cloudflare.com for more information.</p>" + "x" * 2000 + "</div></body></html>"
)
HTML_200 = "<html><body><h1>Site under maintenance</h1>" + "y" * 1000 + "</body></html>"


class FakePanel:
    """An in-process Perfect-Panel-style API on 127.0.0.1."""

    def __init__(
        self,
        key: str = "test-key",
        services: list[dict[str, Any]] | None = None,
        balance: Decimal = Decimal("100.84292"),
        currency: str = "USD",
    ) -> None:
        self.key = key
        self.services: list[dict[str, Any]] = [
            dict(s) for s in (services if services is not None else DEFAULT_SERVICES)
        ]
        self.services_override: list[Any] | None = None  # served verbatim (malformed entries)
        self.balance = balance
        self.currency = currency
        self.variant = Variant()
        # faults
        self.fault: Fault = Fault.NONE
        self.fault_count: int | None = None  # None = every request; N = the next N
        self.fault_actions: set[str] | None = None  # None = every action
        self.retry_after: str | None = "1"
        self.delay: float = 0.0
        self.drip: float = 0.0  # seconds between single bytes of every answer
        self.pad_bytes: int = 0  # whitespace appended to every JSON answer
        self._raw: RawAnswer | None = None
        self._raw_count: int | None = None
        self._raw_actions: set[str] | None = None
        # state
        self.requests: list[dict[str, str]] = []
        self.add_calls: list[dict[str, str]] = []
        # per link of an `add`: refuse it with this error / place it and lose the answer
        self.reject_links: dict[str, str] = {}
        self.lose_links: set[str] = set()
        self.in_flight: dict[str, int] = {}  # per action: requests being answered now
        self.max_in_flight: dict[str, int] = {}  # per action: the most at once
        self.orders: dict[str, FakeOrder] = {}
        self.refills: dict[str, FakeRefill] = {}
        self.cancels: list[str] = []
        self._received_key = ""
        self._next_order = 23500
        self._next_refill = 0
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakePanel is not started")
        return f"http://127.0.0.1:{self._port}/api/v3"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/v3", self._handle)
        # A request still sleeping on `delay` when the test ends is cut off after 2 s
        # (aiohttp would wait up to a minute for it, and a hung-panel test would idle).
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", self._port or 0)
        await self._site.start()
        if self._port is None:
            server = self._site._server
            assert server is not None
            sockets = getattr(server, "sockets", None)
            assert sockets
            self._port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._site = None

    async def refuse(self) -> None:
        """Stop listening but keep ``url``: new connections are refused until ``start()``."""
        await self.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test helpers

    def fail(self, fault: Fault, *, times: int | None = 1, actions: set[str] | None = None) -> None:
        """Play ``fault`` for the next ``times`` requests (``None``: until reset)."""
        self.fault = fault
        self.fault_count = times
        self.fault_actions = actions

    def raw_answer(
        self,
        status: int,
        body: str | bytes,
        *,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = "application/json",
        cut_after: int | None = None,
        process: bool = True,
        times: int | None = 1,
        actions: set[str] | None = None,
    ) -> RawAnswer:
        """Answer the next ``times`` requests (``None``: until reset) with exactly this.

        With ``process`` the request is handled first (an ``add`` places its order), so a
        test can tell "the panel has it" from "it never did anything"."""
        raw_headers = dict(headers or {})
        if content_type is not None:
            raw_headers.setdefault("Content-Type", content_type)
        data = body.encode("utf-8") if isinstance(body, str) else body
        self._raw = RawAnswer(status, data, raw_headers, cut_after, process)
        self._raw_count = times
        self._raw_actions = actions
        return self._raw

    def _take_raw(self, action: str) -> RawAnswer | None:
        if self._raw is None:
            return None
        if self._raw_actions is not None and action not in self._raw_actions:
            return None
        raw = self._raw
        if self._raw_count is not None:
            self._raw_count -= 1
            if self._raw_count <= 0:
                self._raw = None
                self._raw_count = None
        return raw

    def set_status(
        self,
        order_id: str,
        status: str,
        *,
        remains: int | None = None,
        start_count: int | None = None,
    ) -> None:
        """Set the raw status text the panel reports (any spelling, typos included)."""
        order = self.orders[str(order_id)]
        order.status = status
        if remains is not None:
            order.remains = remains
        if start_count is not None:
            order.start_count = start_count

    def set_refill_status(self, refill_id: str, status: str) -> None:
        self.refills[str(refill_id)].status = status

    def advance(self) -> None:
        """Move every order one step: Pending -> In progress -> Completed (cancel -> Canceled)."""
        for order in self.orders.values():
            if order.cancel_requested and order.status not in FINAL:
                order.status = "Canceled"
                order.remains = order.quantity
                self.balance += order.charge
            elif order.status == "Pending":
                order.status = "In progress"
                order.start_count = 100
                order.remains = max(order.quantity // 2, 0)
            elif order.status == "In progress":
                order.status = "Completed"
                order.remains = 0

    def add_order(self, service_id: str = "2", **fields: str) -> FakeOrder:
        """Create an order directly (no request, no charge) for status tests."""
        order = self._new_order(str(service_id), dict(fields), Decimal(0), 0)
        return order

    def last_add(self) -> dict[str, str]:
        return self.add_calls[-1]

    # ------------------------------------------------------------------ rendering

    def _id(self, value: str) -> Any:
        if self.variant.id_style == "int" and value.isdigit():
            return int(value)
        return value

    def _num(self, value: int | Decimal | None) -> Any:
        if value is None:
            return None
        if self.variant.numbers_as_strings:
            return str(value)
        return value

    def _flag(self, value: bool) -> Any:
        style = self.variant.flag_style
        if style == "str01":
            return "1" if value else "0"
        if style == "int01":
            return 1 if value else 0
        if style == "bool":
            return value
        return "true" if value else "false"

    def _type(self, raw: str) -> str:
        case = self.variant.type_case
        if case == "lower":
            return raw.lower()
        if case == "upper":
            return raw.upper()
        if case == "snake":
            return raw.lower().replace(" ", "_")
        if case == "kebab":
            return raw.upper().replace(" ", "-")
        return raw

    def _status_text(self, raw: str) -> str:
        text = self.variant.status_names.get(raw, raw)
        case = self.variant.status_case
        if case == "upper":
            return text.upper()
        if case == "lower":
            return text.lower()
        if case == "title":
            return text.title()
        return text

    def _item_error(self, message: str) -> Any:
        if self.variant.item_error_style == "object":
            return {"error": message}
        return message

    def _render_service(self, service: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "service": self._id(str(service["service"])),
            "name": service["name"],
            "type": self._type(service["type"]),
            "category": service["category"],
            "rate": self._num(Decimal(service["rate"])),
            "min": self._num(int(service["min"])),
            "max": self._num(int(service["max"])),
        }
        if self.variant.flag_style != "missing":
            for flag in ("dripfeed", "refill", "cancel"):
                out[flag] = self._flag(bool(service.get(flag)))
        if service.get("description"):
            out["description"] = service["description"]
        if "average_time" in service:
            out["average_time"] = service["average_time"]
        return out

    # ------------------------------------------------------------------ HTTP

    def _json(self, data: Any, status: int = 200) -> web.Response:
        body = _Json(self.variant.trailing_comma).dump(data) + " " * self.pad_bytes
        content_type = "text/html" if self.variant.html_content_type else "application/json"
        return web.Response(text=body, status=status, content_type=content_type)

    async def _send_raw(self, request: web.Request, raw: RawAnswer) -> web.StreamResponse:
        if raw.cut_after is None and not self.drip:
            return web.Response(body=raw.body, status=raw.status, headers=raw.headers)
        response = web.StreamResponse(status=raw.status, headers=raw.headers)
        response.content_length = len(raw.body)
        await response.prepare(request)
        sent = raw.body if raw.cut_after is None else raw.body[: raw.cut_after]
        if self.drip:
            for index in range(len(sent)):
                await response.write(sent[index : index + 1])
                await asyncio.sleep(self.drip)
        else:
            await response.write(sent)
        if raw.cut_after is not None:
            await asyncio.sleep(0.01)  # let the bytes leave before the reset
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        await response.write_eof()
        return response

    async def _deliver(self, request: web.Request, response: web.Response) -> web.StreamResponse:
        if not self.drip:
            return response
        body = response.body if isinstance(response.body, bytes) else b""
        raw = RawAnswer(response.status, body, {"Content-Type": response.content_type})
        return await self._send_raw(request, raw)

    def _error(self, message: str) -> web.Response:
        if self.variant.echo_key:
            message = f"{message} (key {self._received_key})"
        style = self.variant.error_style
        if style == "status_message":
            return self._json({"status": "error", "message": message})
        if style == "http422":
            return self._json({"error": message}, status=422)
        return self._json({"error": message})

    def _take_fault(self, action: str) -> Fault:
        if self.fault is Fault.NONE:
            return Fault.NONE
        if self.fault_actions is not None and action not in self.fault_actions:
            return Fault.NONE
        fault = self.fault
        if self.fault_count is not None:
            self.fault_count -= 1
            if self.fault_count <= 0:
                self.fault = Fault.NONE
                self.fault_count = None
        return fault

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        form = {k: str(v) for k, v in (await request.post()).items()}
        action = form.get("action", "")
        self.in_flight[action] = self.in_flight.get(action, 0) + 1
        self.max_in_flight[action] = max(self.max_in_flight.get(action, 0), self.in_flight[action])
        try:
            return await self._answer(request, form)
        finally:
            self.in_flight[action] -= 1

    @property
    def max_adds_in_flight(self) -> int:
        """The most `add` requests it was answering at once."""
        return self.max_in_flight.get("add", 0)

    async def _answer(self, request: web.Request, form: dict[str, str]) -> web.StreamResponse:
        key = form.pop("key", None)
        action = form.get("action", "")
        self.requests.append(form)
        if action == "add":
            self.add_calls.append(form)
        raw = self._take_raw(action)
        if raw is not None:
            if raw.process and key == self.key:
                self._dispatch(action, form)
            return await self._send_raw(request, raw)
        fault = self._take_fault(action)
        if fault is Fault.RATE_LIMIT:
            headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
            return web.Response(
                text='{"error": "Too many requests"}',
                status=429,
                headers=headers,
                content_type="application/json",
            )
        if fault is Fault.HTML_500:
            return web.Response(text=HTML_500, status=500, content_type="text/html")
        if fault is Fault.HTML_502:
            return web.Response(text=HTML_502, status=502, content_type="text/html")

        self._received_key = key or ""
        link = form.get("link", "")
        if key != self.key:
            response = self._error("Invalid API key")
        elif action == "add" and link in self.reject_links:
            response = self._error(self.reject_links[link])
        else:
            response = self._dispatch(action, form)
        if action == "add" and link in self.lose_links:
            fault = Fault.DROP  # placed, and the answer never arrives

        if self.delay:
            await asyncio.sleep(self.delay)
        if fault is Fault.DROP:
            transport = request.transport
            if transport is not None:
                transport.abort()
            raise asyncio.CancelledError  # nothing is answered on a dropped connection
        if fault is Fault.HTML_200:
            return web.Response(text=HTML_200, status=200, content_type="text/html")
        return await self._deliver(request, response)

    def _dispatch(self, action: str, form: dict[str, str]) -> web.Response:
        handler = {
            "services": self._services,
            "add": self._add,
            "status": self._status,
            "refill": self._refill,
            "refill_status": self._refill_status,
            "cancel": self._cancel,
            "balance": self._balance,
        }.get(action)
        if handler is None:
            return self._error("Incorrect request")
        return handler(form)

    # ------------------------------------------------------------------ actions

    def _services(self, form: dict[str, str]) -> web.Response:
        if self.variant.services_empty:
            return self._json({"status": "success", "data": "Empty Data"})
        items: list[Any] = (
            self.services_override
            if self.services_override is not None
            else [self._render_service(s) for s in self.services]
        )
        if self.variant.services_wrap == "services":
            return self._json({"services": items, "count": len(items)})
        if self.variant.services_wrap == "data":
            return self._json({"status": "success", "data": items})
        return self._json(items)

    def _find_service(self, service_id: str) -> dict[str, Any] | None:
        for service in self.services:
            if str(service["service"]) == service_id:
                return service
        return None

    def _new_order(
        self, service_id: str, fields: dict[str, str], charge: Decimal, quantity: int
    ) -> FakeOrder:
        self._next_order += 1
        raw = str(self._next_order)
        order_id = f"ord_01HG{raw}" if self.variant.id_style == "ulid" else raw
        order = FakeOrder(
            id=order_id,
            service=service_id,
            fields=fields,
            charge=charge,
            quantity=quantity,
            remains=quantity,
        )
        self.orders[order_id] = order
        return order

    def _add(self, form: dict[str, str]) -> web.Response:
        service = self._find_service(form.get("service", ""))
        if service is None:
            return self._error("error.incorrect_service_id")
        kind = _squash(str(service["type"]))
        rate = Decimal(service["rate"])
        fields = {k: v for k, v in form.items() if k not in {"action", "service"}}
        if kind != "subscriptions" and not fields.get("link"):
            return self._error("neworder.error.link")
        runs: int | None = None
        if kind in QUANTITY_TYPES:
            try:
                quantity = int(fields.get("quantity", ""))
            except ValueError:
                return self._error("neworder.error.quantity")
        elif kind in LINES_AS_QUANTITY:
            text = fields.get(LINES_AS_QUANTITY[kind], "")
            quantity = len([line for line in text.splitlines() if line.strip()])
        elif kind in PACKAGE_TYPES:
            quantity = 1
        elif kind == "subscriptions":
            if not fields.get("username"):
                return self._error("neworder.error.username")
            try:
                quantity = int(fields.get("max", ""))
                int(fields.get("min", ""))
                int(fields.get("delay", ""))
            except ValueError:
                return self._error("neworder.error.quantity")
        else:
            return self._error("error.incorrect_service_id")
        if kind not in PACKAGE_TYPES:
            if quantity < int(service["min"]):
                return self._error(f"Quantity less than minimal {service['min']}")
            if quantity > int(service["max"]):
                return self._error(f"Quantity more than maximal {service['max']}")
        if "runs" in fields:
            if not service.get("dripfeed"):
                return self._error("neworder.error.dripfeed_not_available")
            try:
                runs = int(fields["runs"])
                int(fields.get("interval", ""))
            except ValueError:
                return self._error("neworder.error.runs")
        if self.variant.reject_duplicate_links and any(
            o.fields.get("link") == fields.get("link") and o.status not in FINAL
            for o in self.orders.values()
        ):
            return self._error("neworder.error.link_duplicate")
        if kind in PACKAGE_TYPES:
            charge = rate
        elif kind == "subscriptions":
            charge = Decimal(0)
        else:
            charge = rate * quantity * (runs or 1) / 1000
        charge = charge.quantize(Decimal("0.00001"))
        if charge > self.balance:
            return self._error("neworder.error.not_enough_funds")
        self.balance -= charge
        order = self._new_order(str(service["service"]), fields, charge, quantity * (runs or 1))
        if runs:
            order.runs = runs
        if kind == "subscriptions":
            order.status = "Active"
            order.expiry = fields.get("expiry")
            order.posts = int(fields["posts"]) if fields.get("posts", "").isdigit() else None
        answer: dict[str, Any] = {}
        if self.variant.add_style == "status_success":
            answer["status"] = "success"
        answer["order"] = self._id(order.id)
        if self.variant.add_charge:
            answer["charge"] = self._num(charge)
            answer["currency"] = self.currency
        return self._json(answer)

    def _render_status(self, order: FakeOrder) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.variant.status_with_order:
            out["order"] = self._id(order.id)
        out["status"] = self._status_text(order.status)
        if order.expiry is not None or order.status == "Active":
            out["expiry"] = order.expiry
            out["posts"] = self._num(order.posts)
            out["orders"] = [self._id(i) for i in order.orders]
            return out
        out["charge"] = self._num(order.charge)
        out["start_count"] = self._num(order.start_count)
        out["remains"] = self._num(order.remains)
        out["currency"] = self.currency
        if order.runs is not None:
            out["runs"] = self._num(order.runs)
            out["orders"] = [self._id(i) for i in order.orders]
        return out

    def _status(self, form: dict[str, str]) -> web.Response:
        if "orders" in form:
            answer: dict[str, Any] = {}
            for order_id in form["orders"].split(","):
                order = self.orders.get(order_id.strip())
                answer[order_id] = (
                    self._render_status(order)
                    if order is not None
                    else self._item_error("Incorrect order ID")
                )
            return self._json(answer)
        order = self.orders.get(form.get("order", ""))
        if order is None:
            return self._error("Incorrect order ID")
        return self._json(self._render_status(order))

    def _request_refill(self, order_id: str) -> FakeRefill | str:
        order = self.orders.get(order_id)
        if order is None:
            return "Order ID not Found"
        service = self._find_service(order.service)
        if service is None or not service.get("refill"):
            return "Order not eligible for refill"
        if any(self.refills[r].status not in FINAL for r in order.refills):
            return "Refill already in progress"
        self._next_refill += 1
        refill = FakeRefill(id=str(self._next_refill), order_id=order_id)
        self.refills[refill.id] = refill
        order.refills.append(refill.id)
        return refill

    def _refill(self, form: dict[str, str]) -> web.Response:
        if "orders" in form:
            items: list[dict[str, Any]] = []
            for order_id in form["orders"].split(","):
                result = self._request_refill(order_id)
                value: Any = {"error": result} if isinstance(result, str) else self._id(result.id)
                items.append({"order": self._id(order_id), "refill": value})
            return self._json(items)
        result = self._request_refill(form.get("order", ""))
        if isinstance(result, str):
            return self._error(result)
        style = self.variant.refill_style
        success = REFILL_SUCCESS
        if style == "id_int":
            return self._json({"refill": int(result.id)})
        if style == "success":
            return self._json({"success": success})
        if style == "success_with_id":
            return self._json({"success": success, "refill": int(result.id)})
        return self._json({"refill": result.id})

    def _refill_status(self, form: dict[str, str]) -> web.Response:
        if "refills" in form:
            items: list[dict[str, Any]] = []
            for refill_id in form["refills"].split(","):
                refill = self.refills.get(refill_id)
                status: Any = (
                    self._status_text(refill.status)
                    if refill is not None
                    else {"error": "Refill not found"}
                )
                items.append({"refill": self._id(refill_id), "status": status})
            return self._json(items)
        refill = self.refills.get(form.get("refill", ""))
        if refill is None:
            return self._error("Refill not found")
        return self._json({"status": self._status_text(refill.status)})

    def _request_cancel(self, order_id: str) -> str | None:
        order = self.orders.get(order_id)
        if order is None:
            return "Order ID not Found"
        service = self._find_service(order.service)
        if service is None or not service.get("cancel") or order.status in FINAL:
            return "Cancel is not available for this order"
        if order.cancel_requested:
            return "Cancel request already in progress please wait"
        order.cancel_requested = True
        self.cancels.append(order_id)
        return None

    def _cancel(self, form: dict[str, str]) -> web.Response:
        if "orders" in form:
            ids = [i for i in form["orders"].split(",") if i]
        else:
            ids = [form.get("order", "")]
        single = "orders" not in form or (self.variant.cancel_single_form and len(ids) == 1)
        if single:
            error = self._request_cancel(ids[0])
            if error is not None:
                return self._error(error)
            return self._json({"success": CANCEL_SUCCESS})
        items: list[dict[str, Any]] = []
        for order_id in ids:
            error = self._request_cancel(order_id)
            items.append({"order": self._id(order_id), "cancel": {"error": error} if error else 1})
        return self._json(items)

    def _balance(self, form: dict[str, str]) -> web.Response:
        answer: dict[str, Any] = {}
        if self.variant.balance_status:
            answer["status"] = "success"
        answer["balance"] = self._num(self.balance)
        answer["currency"] = self.currency
        return self._json(answer)


class RawServer:
    """A TCP server on 127.0.0.1 that answers every connection with fixed bytes (or
    nothing): for answers that are not HTTP at all. Counts the requests it received."""

    def __init__(
        self, reply: bytes, *, read_request: bool = True, filler: bytes = b"", repeat: int = 0
    ) -> None:
        self.reply = reply
        self.read_request = read_request
        self.filler = filler  # sent ``repeat`` times after ``reply``: an endless body
        self.repeat = repeat
        self.requests = 0
        self.sent = 0  # bytes that left before the client hung up
        self._server: asyncio.Server | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/v3"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.read_request:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                await reader.readexactly(length)
                self.requests += 1
            if self.reply:
                writer.write(self.reply)
                await writer.drain()
                self.sent += len(self.reply)
            for _ in range(self.repeat):
                writer.write(self.filler)
                await writer.drain()
                self.sent += len(self.filler)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
