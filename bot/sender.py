"""The outbox sender: one supervised loop that delivers queued outbox rows within Telegram's
limits (about 30 messages/s overall, 1/s per private chat, 20/min per group). It paces and
delivers; the rows themselves are read and written through bot/services/outbox.py.

A row is marked `sent` only after Telegram accepted it, so a crash or a restart loses nothing:
queued rows are simply sent at the next start. Delivery is therefore at least once: a crash
between Telegram's answer and that write repeats the message; the write follows the API call
directly to keep that window as small as it can be. Error texts are stored without secrets
(`logging_setup.redact`: an HTTP error quotes the Bot API URL with the bot token).

The dispatcher paces the sends (an evenly spaced global slot plus a per-chat next-allowed
time) and hands each one to a small task, so many chats are served concurrently while one slow
answer does not stall the rest.

Individual notifications (rows without a `batch`) go before broadcast rows, so a broadcast to
thousands of users never holds an order notification back for more than one dispatch pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_i18n.cores import FluentRuntimeCore

from bot.config import Settings
from bot.db import Database
from bot.i18n import pick_language
from bot.logging_setup import redact
from bot.money import localize_params
from bot.services import outbox, users
from bot.services.outbox import QueuedMessage
from bot.text import fit

log = logging.getLogger(__name__)

SWEEP_EVERY = 30.0  # seconds between closing the queued rows of users who blocked the bot
PRUNE_EVERY = 3600.0  # seconds between removing old delivered rows
KEEP_DAYS = 30  # delivered, blocked and failed rows are kept this long (for /order, audits)


@dataclass(frozen=True)
class SenderLimits:
    # Under Telegram's 30/s with a margin for a busy machine: scheduling delays between our
    # send and the moment Telegram counts it bunch a few messages together (29.5/s, 1.7%
    # headroom, saw 429s under load). Each global 429 slows the pace further (see _Pacer).
    global_per_second: float = 29.0
    slowest_per_second: float = 20.0  # 429s never slow the pace below this
    # Telegram counts a message at some moment between our request and its answer: with
    # fewer than this many sends in flight or answered within the last second, a new one
    # cannot be the 31st of any second Telegram counts, however late this machine runs.
    per_second_cap: int = 30
    slow_down: float = 0.9  # after a global 429 the pace is this share of what it was
    speed_up_after: float = 30.0  # seconds without a 429 before the pace rises one step
    speed_up_step: float = 0.5  # messages/s per step, up to global_per_second again
    private_interval: float = 1.05
    group_per_minute: int = 20
    group_window: float = 61.0
    workers: int = 16  # sends in flight at once
    fetch: int = 100  # rows per dispatch pass: bounds how long a broadcast holds others back
    idle_poll: float = 1.0  # look at the table at least this often when idle
    max_attempts: int = 5  # Telegram errors other than 429/403 before a row is `failed`
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    stop_grace: float = 10.0  # on shutdown, how long in-flight sends may finish
    # Telegram still counts what a previous process sent just before a restart: wait out
    # the 1 s windows (global and per private chat) before the first send.
    start_delay: float = 1.05


class RenderError(Exception):
    """The row cannot be turned into a message (unknown key, bad JSON): never retried."""


class _Pacer:
    """Evenly spaced global send slots at a pace that adapts to Telegram's 429s.

    A 429 on a private chat means the global limit (the per-chat one is kept by the
    dispatcher): every slot moves past its `retry_after`, and the pace drops by `slow_down`
    (once per flood: the sends already in flight answer 429 too), down to
    `slowest_per_second`. After `speed_up_after` seconds without a 429 it rises a step at a
    time, never above `global_per_second`. Times are monotonic seconds passed in, so the
    rules can be followed without a clock."""

    def __init__(self, limits: SenderLimits) -> None:
        self.limits = limits
        self.pace = limits.global_per_second
        self.next_slot = 0.0
        self._calm_since = float("-inf")  # when the last flood's retry_after ran out

    @property
    def interval(self) -> float:
        return 1.0 / self.pace

    def reserve(self, now: float) -> float:
        """Take the next slot; returns how long to wait for it."""
        self._speed_up(now)
        slot = max(self.next_slot, now)
        self.next_slot = slot + self.interval
        return slot - now

    def pause(self, until: float) -> None:
        self.next_slot = max(self.next_slot, until)

    def flooded(self, now: float, retry_after: float) -> None:
        """Telegram answered 429 for the global limit."""
        if now >= self._calm_since:  # a new flood, not another answer of the same one
            self.pace = max(self.limits.slowest_per_second, self.pace * self.limits.slow_down)
            log.warning("outbox: flood control, pace now %.1f messages/s", self.pace)
        self._calm_since = max(self._calm_since, now + retry_after)
        self.pause(now + retry_after)

    def _speed_up(self, now: float) -> None:
        ceiling = self.limits.global_per_second
        if self.pace < ceiling and now - self._calm_since >= self.limits.speed_up_after:
            self.pace = min(ceiling, self.pace + self.limits.speed_up_step)
            self._calm_since = now  # the next step after another quiet spell


class Sender:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        core: FluentRuntimeCore,
        settings: Settings,
        limits: SenderLimits | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.core = core
        self.settings = settings
        self.limits = limits or SenderLimits()
        # an HTTP error from the Bot API (or a proxy) quotes the request URL, bot token and all
        self._secrets = (
            settings.bot_token.get_secret_value(),
            settings.panel_api_key.get_secret_value(),
        )
        self._pacer = _Pacer(self.limits)
        self._chat_next: dict[int, float] = {}  # private chats: next allowed monotonic time
        self._group_sent: dict[int, deque[float]] = {}
        self._inflight_rows: set[int] = set()
        # rows whose send finished since the current fetch began: its snapshot may predate
        # their status update, and they must not be sent a second time
        self._finished: set[int] = set()
        self._inflight_chats: set[int] = set()
        self._answered: deque[float] = deque()  # when sends of the last second finished
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()  # a send finished or something was queued
        self._queued = asyncio.Event()  # something was queued: refetch, it may be urgent
        self._last_sweep = float("-inf")  # monotonic() has no fixed origin: near 0 after boot
        self._last_prune = float("-inf")
        self._slots = asyncio.Semaphore(self.limits.workers)
        self.sent = 0
        self.retried_429 = 0

    @property
    def pace(self) -> float:
        """The global pace now, in messages per second (lower after 429s)."""
        return self._pacer.pace

    def wake(self) -> None:
        """Nudge the loop: something was queued."""
        self._queued.set()
        self._wake.set()

    # ------------------------------------------------------------------ loop

    async def run(self, stop_event: asyncio.Event | None = None) -> None:
        stop = stop_event or asyncio.Event()
        self._pacer.pause(time.monotonic() + self.limits.start_delay)
        try:
            while not stop.is_set():
                await self._skip_blocked()
                await self._prune()
                dispatched, next_wait = await self._pass(stop)
                if stop.is_set():
                    break
                if not dispatched:
                    await self._idle(stop, next_wait)
        finally:
            await self._drain()

    async def _idle(self, stop: asyncio.Event, wait: float) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _drain(self) -> None:
        """Let in-flight sends finish and record their outcome (so nothing is sent twice)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.limits.stop_grace)

    async def _skip_blocked(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        # A user who blocked the bot is never written to again (until they come back:
        # users.seen clears the flag); their queued rows are closed, not retried.
        await outbox.close_blocked(self.db)

    async def _prune(self) -> int:
        """The outbox would grow forever: rows that are done and older than KEEP_DAYS go.
        Queued rows are never removed, whatever their age."""
        now = time.monotonic()
        if now - self._last_prune < PRUNE_EVERY:
            return 0
        self._last_prune = now
        removed = await outbox.prune(self.db, int(time.time()) - KEEP_DAYS * 86400)
        if removed:
            log.info("outbox: removed %d delivered rows older than %d days", removed, KEEP_DAYS)
        return removed

    async def _fetch(self) -> list[QueuedMessage]:
        self._finished.clear()
        rows = await outbox.fetch_due(
            self.db, time.time(), self.limits.fetch + len(self._inflight_rows)
        )
        skip = self._inflight_rows | self._finished
        return [r for r in rows if r.id not in skip]

    async def _pass(self, stop: asyncio.Event) -> tuple[int, float]:
        """Dispatch what is due now; returns (rows dispatched, how long to idle if none)."""
        rows = await self._fetch()
        dispatched = 0
        earliest: float | None = None
        self._queued.clear()
        for row in rows[: self.limits.fetch]:
            if stop.is_set():
                break
            now = time.monotonic()
            ready_at = self._chat_ready_at(row.chat_id, now)
            if row.chat_id in self._inflight_chats or ready_at > now:
                if ready_at > now:
                    earliest = ready_at if earliest is None else min(earliest, ready_at)
                continue
            await self._slots.acquire()
            wait = self._pacer.reserve(time.monotonic())
            if wait > 0:
                await asyncio.sleep(wait)
            await self._room_in_the_second()
            self._mark_chat(row.chat_id, time.monotonic())
            self._inflight_rows.add(row.id)
            self._inflight_chats.add(row.chat_id)
            task = asyncio.create_task(self._send_one(row), name=f"outbox-{row.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            dispatched += 1
            if self._queued.is_set():
                break  # something new (maybe urgent) was queued: look at the table again
        if dispatched:
            return dispatched, 0.0
        wait = self.limits.idle_poll
        if earliest is not None:
            wait = min(wait, max(0.01, earliest - time.monotonic()))
        elif self._inflight_chats and rows:
            wait = 0.05  # rows waiting only for their chat's in-flight send to finish
        return 0, wait

    # ------------------------------------------------------------------ limits

    async def _room_in_the_second(self) -> None:
        """Wait until fewer than `per_second_cap` sends are in flight or were answered
        within the last second (see SenderLimits.per_second_cap)."""
        while True:
            now = time.monotonic()
            while self._answered and self._answered[0] <= now - 1.0:
                self._answered.popleft()
            if len(self._inflight_rows) + len(self._answered) < self.limits.per_second_cap:
                return
            until = self._answered[0] + 1.0 if self._answered else now + 0.005
            await asyncio.sleep(max(0.001, until - now))

    def _chat_ready_at(self, chat_id: int, now: float) -> float:
        if chat_id >= 0:
            return self._chat_next.get(chat_id, 0.0)
        sent = self._group_sent.get(chat_id)
        if sent is None:
            return self._chat_next.get(chat_id, 0.0)
        while sent and now - sent[0] >= self.limits.group_window:
            sent.popleft()
        ready = self._chat_next.get(chat_id, 0.0)
        if len(sent) >= self.limits.group_per_minute:
            ready = max(ready, sent[0] + self.limits.group_window)
        return ready

    def _mark_chat(self, chat_id: int, now: float) -> None:
        if chat_id >= 0:
            self._chat_next[chat_id] = now + self.limits.private_interval
            if len(self._chat_next) > 50_000:  # forget chats whose pause is long over
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        else:
            self._group_sent.setdefault(chat_id, deque()).append(now)

    def _pause_chat(self, chat_id: int, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    # ------------------------------------------------------------------ one row

    async def _send_one(self, row: QueuedMessage) -> None:
        try:
            await self._deliver(row)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox row %s: unexpected failure", row.id)
            with contextlib.suppress(Exception):
                await self._retry_later(row, "internal error", count=True)
        finally:
            self._answered.append(time.monotonic())
            self._finished.add(row.id)
            self._inflight_rows.discard(row.id)
            self._inflight_chats.discard(row.chat_id)
            self._slots.release()
            self._wake.set()

    async def _deliver(self, row: QueuedMessage) -> None:
        try:
            await self._call(row)
        except RenderError as exc:
            log.error("outbox row %s cannot be rendered: %s", row.id, exc)
            await outbox.mark_failed(self.db, row.id, self._stored(f"render: {exc}"))
        except TelegramRetryAfter as exc:
            self.retried_429 += 1
            retry_after = float(exc.retry_after)
            self._pause_chat(row.chat_id, retry_after)
            if row.chat_id > 0:
                # 1/s per private chat is kept by the pacer: a 429 here means the global limit
                self._pacer.flooded(time.monotonic(), retry_after)
            log.warning("outbox row %s: flood control, retry after %ss", row.id, retry_after)
            await outbox.postpone(self.db, row.id, time.time() + retry_after)
        except TelegramForbiddenError as exc:
            log.info("chat %s blocked the bot: %s", row.chat_id, exc.message)
            async with self.db.transaction() as conn:
                await outbox.mark_blocked(conn, row.id, row.chat_id, self._stored(exc.message))
                if row.chat_id > 0:
                    await users.set_blocked(conn, row.chat_id)
        except (TelegramNetworkError, TimeoutError, OSError) as exc:
            # The message may or may not have arrived; retrying favours delivery (at least once).
            log.warning("outbox row %s: network error %s; retrying", row.id, exc)
            await self._retry_later(row, f"network: {exc}", count=False)
        except TelegramAPIError as exc:
            log.warning("outbox row %s: Telegram said %s", row.id, exc.message)
            await self._retry_later(row, exc.message, count=True)
        else:
            # Telegram has it: recorded before anything else. Delivery is at least once: a
            # crash between Telegram's answer and this write sends the row again after a
            # restart, and this is the only window where that can happen.
            await outbox.mark_sent(self.db, row.id, int(time.time()))
            self.sent += 1

    def _stored(self, error: str) -> str:
        """An error text as it may be kept in the table: no secret in any form."""
        return redact(error, self._secrets)

    async def _retry_later(self, row: QueuedMessage, error: str, *, count: bool) -> None:
        error = self._stored(error)
        attempts = row.attempts + 1
        if count and attempts >= self.limits.max_attempts:
            log.error("outbox row %s failed after %d attempts: %s", row.id, attempts, error)
            await outbox.mark_failed(self.db, row.id, error)
            return
        delay = min(self.limits.backoff_cap, self.limits.backoff_base * 2 ** (attempts - 1))
        await outbox.retry_later(
            self.db,
            row.id,
            attempts=attempts if count else row.attempts,
            until=time.time() + delay,
            error=error,
        )

    async def _call(self, row: QueuedMessage) -> None:
        if row.method == "copy":
            params = _json(row.params)
            try:
                from_chat_id = int(params["from_chat_id"])
                message_id = int(params["message_id"])
            except (KeyError, TypeError, ValueError) as exc:
                raise RenderError(f"bad copy params: {exc}") from None
            await self.bot.copy_message(
                chat_id=row.chat_id,
                from_chat_id=from_chat_id,
                message_id=message_id,
                reply_markup=self._markup(row, self._language(row)),
            )
            return
        if row.method != "text" or not row.key:
            raise RenderError(f"unknown method {row.method!r} or no key")
        lang = self._language(row)
        text = self._render(row.key, lang, _json(row.params))
        text = fit(text)  # counted as Telegram does (UTF-16): emoji count twice
        await self.bot.send_message(
            chat_id=row.chat_id, text=text, reply_markup=self._markup(row, lang)
        )

    def _language(self, row: QueuedMessage) -> str:
        if row.lang:
            return row.lang
        return pick_language(
            row.user_language, row.user_tg_language, self.settings.default_language
        )

    def _render(self, key: str, lang: str, params: dict[str, Any]) -> str:
        try:
            return self.core.get(key, lang, **localize_params(params, lang))
        except Exception as exc:  # KeyNotFoundError, FluentMessageError...
            raise RenderError(f"{key}: {exc}") from None

    def _markup(self, row: QueuedMessage, lang: str) -> InlineKeyboardMarkup | None:
        if not row.buttons:
            return None
        try:
            rows = json.loads(row.buttons)
            keyboard = [
                [
                    InlineKeyboardButton(
                        text=self._render(b["key"], lang, b.get("params") or {}),
                        callback_data=b["data"],
                    )
                    for b in line
                ]
                for line in rows
            ]
        except (ValueError, TypeError, KeyError) as exc:
            raise RenderError(f"bad buttons: {exc}") from None
        return InlineKeyboardMarkup(inline_keyboard=keyboard)


def _json(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError as exc:
        raise RenderError(f"bad params JSON: {exc}") from None
    if not isinstance(value, dict):
        raise RenderError("params are not an object")
    return value
