"""Async client for "Perfect Panel" style SMM panel APIs."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import aiohttp

from bot.http import SessionClient
from bot.panel.errors import (
    PanelAuthError,
    PanelError,
    PanelInsufficientFunds,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRateLimited,
    PanelRejected,
)
from bot.panel.models import (
    AddResult,
    Balance,
    CancelResult,
    ItemError,
    OrderStatus,
    RefillResult,
    RefillStatus,
    ServiceList,
)
from bot.panel.parsing import (
    parse_add,
    parse_answer,
    parse_balance,
    parse_cancel,
    parse_refill,
    parse_refill_status,
    parse_refill_statuses,
    parse_refills,
    parse_services,
    parse_status,
    parse_statuses,
)
from bot.panel.redact import secret_scope

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

BATCH_SIZE = 100
# Answers are read in chunks and abandoned past these sizes: a panel (or a proxy in front
# of it) that sends hundreds of megabytes must not take the bot's memory with it.
MAX_BODY_BYTES = 1024 * 1024
MAX_SERVICES_BODY_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024


class _TooLarge(Exception):
    def __init__(self, status: int, limit: int) -> None:
        super().__init__(status, limit)
        self.status = status
        self.limit = limit


def _chunks(ids: Sequence[str], size: int = BATCH_SIZE) -> list[list[str]]:
    unique = list(dict.fromkeys(str(i) for i in ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


class PanelClient(SessionClient):
    """Typed SDK for one panel.

    Errors tell the caller what is safe: :class:`PanelRejected` (the panel said no),
    :class:`PanelNotSent` (never reached the panel, safe to resend) and
    :class:`PanelOutcomeUnknown` (may have been processed). Only read-only actions are
    retried here; ``add``, ``refill`` and ``cancel`` are sent exactly once.

    Each request has a deadline for the whole exchange (``total_timeout``, default
    connect + read timeout) and a size limit for the answer (``max_body_bytes``; the
    catalog has ``max_services_body_bytes``). Past either, the request may have been
    processed: :class:`PanelOutcomeUnknown` (retried for reads, never for writes).
    """

    def __init__(
        self,
        url: str,
        key: str,
        *,
        connect_timeout: float = 10,
        read_timeout: float = 30,
        total_timeout: float | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_services_body_bytes: int = MAX_SERVICES_BODY_BYTES,
        session: aiohttp.ClientSession | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_wait: float = 60.0,
        concurrency: int = 4,
    ) -> None:
        self._url = url
        super().__init__(session, connect_timeout, read_timeout)
        self._key = key
        # sock_read bounds each wait for a byte, not the call: a panel that drips its
        # answer a byte at a time would hold a call forever without a deadline.
        self.total_timeout = (
            total_timeout if total_timeout is not None else connect_timeout + read_timeout
        )
        self.max_body_bytes = max(1, max_body_bytes)
        self.max_services_body_bytes = max(1, max_services_body_bytes)
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.max_retry_wait = max(0.0, max_retry_wait)
        # Read-only multi actions (statuses) may send this many batches at once.
        self.concurrency = max(1, concurrency)

    @property
    def url(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url!r}, key=<hidden>)"

    # ------------------------------------------------------------------ lifecycle

    def _connector(self) -> aiohttp.TCPConnector:
        # A short keep-alive lowers the chance of writing an add into a connection the
        # panel already closed (that would end as "unknown").
        return aiohttp.TCPConnector(keepalive_timeout=4.0)

    # ------------------------------------------------------------------ transport

    def _redact(self, error: PanelError) -> PanelError:
        """Never let the key leak through a panel that echoes it back."""
        error.redact(self._key)
        return error

    def _body_limit(self, action: str) -> int:
        return self.max_services_body_bytes if action == "services" else self.max_body_bytes

    @staticmethod
    async def _read_body(response: aiohttp.ClientResponse, limit: int) -> bytes:
        declared = response.content_length
        if declared is not None and declared > limit:
            raise _TooLarge(response.status, limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _TooLarge(response.status, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _send(self, action: str, fields: Mapping[str, str | int]) -> tuple[int, bytes, Any]:
        form = {"key": self._key, "action": action}
        form.update({k: str(v) for k, v in fields.items()})
        session = await self._get_session()
        try:
            async with asyncio.timeout(self.total_timeout):
                async with session.post(
                    self._url,
                    data=form,
                    timeout=self._timeout,
                    allow_redirects=False,
                ) as response:
                    try:
                        body = await self._read_body(response, self._body_limit(action))
                    except _TooLarge:
                        response.close()  # the rest is never read: drop the connection
                        raise
                    return response.status, body, response.headers.get("Retry-After")
        except _TooLarge as exc:
            raise PanelOutcomeUnknown(
                f"answer larger than {exc.limit} bytes: abandoned",
                action=action,
                http_status=exc.status,
            ) from None
        except aiohttp.ConnectionTimeoutError:
            raise PanelNotSent("connect timeout", action=action) from None
        except aiohttp.ClientConnectorError as exc:
            raise PanelNotSent(
                f"cannot connect: {type(exc).__name__}: {exc.os_error}", action=action
            ) from None
        except aiohttp.InvalidURL:
            raise PanelNotSent("invalid panel URL", action=action) from None
        except aiohttp.ServerTimeoutError:
            raise PanelOutcomeUnknown("timed out waiting for the answer", action=action) from None
        except TimeoutError:
            raise PanelOutcomeUnknown(
                f"no complete answer within {self.total_timeout:g}s", action=action
            ) from None
        except aiohttp.ClientError as exc:
            # Disconnected after sending, payload errors, OS errors mid-request.
            raise PanelOutcomeUnknown(
                f"connection failed after sending: {type(exc).__name__}", action=action
            ) from None

    async def _call(
        self,
        action: str,
        fields: Mapping[str, str | int],
        parser: Callable[[Any], T],
        *,
        retry: bool,
    ) -> T:
        attempts = 1 + (self.retries if retry else 0)
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                with secret_scope(self._key):
                    result = await self._attempt(action, fields, parser)
            except PanelRejected as exc:
                self._redact(exc)
                logger.info("Panel rejected %s: %s", action, exc.message)
                raise
            except (PanelNotSent, PanelOutcomeUnknown) as exc:
                self._redact(exc)
                if attempt >= attempts:
                    logger.warning("Panel %s failed (attempt %d): %s", action, attempt, exc)
                    raise
                delay = self.backoff * (2 ** (attempt - 1))
                if isinstance(exc, PanelRateLimited) and exc.retry_after is not None:
                    delay = max(delay, exc.retry_after)
                delay = min(delay, self.max_retry_wait)
                logger.info(
                    "Panel %s failed (attempt %d/%d): %s; retrying in %.2fs",
                    action,
                    attempt,
                    attempts,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            logger.debug(
                "Panel %s ok in %.3fs (attempt %d)", action, time.monotonic() - started, attempt
            )
            return result

    async def _attempt(
        self, action: str, fields: Mapping[str, str | int], parser: Callable[[Any], T]
    ) -> T:
        try:
            status, body, retry_after_raw = await self._send(action, fields)
            return parse_answer(
                action, status, body, parser, retry_after=_parse_retry_after(retry_after_raw)
            )
        except (PanelError, asyncio.CancelledError):
            raise
        except Exception as exc:
            # Whatever else an odd answer provokes (a library error on a broken header,
            # a bug in a parser), the caller still gets the error that is safe to act
            # on: the request may have been processed.
            logger.exception("Unexpected error in panel %s", action)
            raise PanelOutcomeUnknown(
                f"unexpected error: {type(exc).__name__}", action=action
            ) from None

    async def _multi(
        self,
        action: str,
        field: str,
        ids: Sequence[str],
        parser: Callable[[Any, Sequence[str]], dict[str, R]],
        *,
        retry: bool,
        single_field: str | None = None,
    ) -> dict[str, R | ItemError]:
        async def one(batch: list[str]) -> dict[str, R | ItemError]:
            fields: dict[str, str | int] = {field: ",".join(batch)}
            if single_field and len(batch) == 1:
                fields[single_field] = batch[0]

            def parse_batch(data: Any) -> dict[str, R]:
                return parser(data, batch)

            try:
                return dict(await self._call(action, fields, parse_batch, retry=retry))
            except (PanelAuthError, PanelInsufficientFunds):
                raise
            except PanelRejected as exc:
                # With one id, some panels answer in the single-order form: its error is
                # that order's error, not the whole request's.
                if len(batch) != 1 or exc.http_status not in (200, 422):
                    raise
                return {batch[0]: ItemError(message=exc.message)}

        batches = _chunks(ids)
        result: dict[str, R | ItemError] = {}
        if not retry or self.concurrency <= 1 or len(batches) <= 1:
            # Writes go one batch at a time: a failure stops before sending more. The
            # answers to the batches already sent were acted on by the panel: they travel
            # on the error (`completed`) instead of being lost with it.
            for batch in batches:
                try:
                    result.update(await one(batch))
                except PanelError as exc:
                    exc.completed = dict(result)
                    raise
            return result
        semaphore = asyncio.Semaphore(self.concurrency)

        async def limited(batch: list[str]) -> dict[str, R | ItemError]:
            async with semaphore:
                return await one(batch)

        answers = await asyncio.gather(*(limited(b) for b in batches), return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            result.update(answer)
        return result

    # ------------------------------------------------------------------ actions

    async def services(self) -> ServiceList:
        return await self._call("services", {}, parse_services, retry=True)

    async def add(self, service_id: str, fields: Mapping[str, str | int]) -> AddResult:
        """Place an order. Never retried: a lost answer raises PanelOutcomeUnknown."""
        form: dict[str, str | int] = {"service": str(service_id)}
        for name, value in fields.items():
            if name in {"key", "action", "service"}:
                raise ValueError(f"field {name!r} is reserved")
            form[name] = value
        return await self._call("add", form, parse_add, retry=False)

    async def status(self, order_id: str) -> OrderStatus:
        order_id = str(order_id)
        return await self._call(
            "status", {"order": order_id}, lambda d: parse_status(d, order_id), retry=True
        )

    async def statuses(self, order_ids: Sequence[str]) -> dict[str, OrderStatus | ItemError]:
        return await self._multi("status", "orders", order_ids, parse_statuses, retry=True)

    async def refill(self, order_id: str) -> RefillResult:
        return await self._call("refill", {"order": str(order_id)}, parse_refill, retry=False)

    async def refills(self, order_ids: Sequence[str]) -> dict[str, RefillResult | ItemError]:
        return await self._multi("refill", "orders", order_ids, parse_refills, retry=False)

    async def refill_status(self, refill_id: str) -> RefillStatus:
        return await self._call(
            "refill_status", {"refill": str(refill_id)}, parse_refill_status, retry=True
        )

    async def refill_statuses(
        self, refill_ids: Sequence[str]
    ) -> dict[str, RefillStatus | ItemError]:
        return await self._multi(
            "refill_status", "refills", refill_ids, parse_refill_statuses, retry=True
        )

    async def cancel(self, order_ids: Sequence[str]) -> dict[str, CancelResult | ItemError]:
        """Ask to cancel; "accepted" is not "canceled": watch the order status."""
        # A lone id also goes as ``order``: panels that only know the single-order form
        # (like the default panel's published page) read that field.
        return await self._multi(
            "cancel", "orders", order_ids, parse_cancel, retry=False, single_field="order"
        )

    async def balance(self) -> Balance:
        return await self._call("balance", {}, parse_balance, retry=True)
