"""A fake Telegram Bot API server for tests.

It is a real aiohttp web server bound to 127.0.0.1 that a real aiogram ``Bot`` talks
to over loopback HTTP::

    async with FakeTelegram() as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        await tg.feed(dp, bot, tg.make_update(message=tg.make_message("/start", user_id=42)))
        assert "Welcome" in tg.last_text(42)
        await bot.session.close()

For a bot running in a subprocess, pass ``BOT_API_URL=tg.url`` and feed updates with
``tg.push_update(...)``; they are delivered through ``getUpdates`` long polling. Wait for
the bot's answer with ``await tg.wait_for("sendMessage")``.

It models what the bot calls and what the tests need: getMe, sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, answerInlineQuery (Telegram's limits checked),
copyMessage, setMyCommands, getChat, getChatMember, getUpdates, and payments (sendInvoice,
answerPreCheckoutQuery, refundStarPayment, getStarTransactions). Any other method answers
``true`` and is recorded.

URL shape (see ``aiogram.client.telegram.TelegramAPIServer.from_base``):
``{url}/bot{token}/{method}``. Answers are ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.types import Update

DEFAULT_TOKEN = "123456:TEST-token"

DEFAULT_USER_ID = 1001
DEFAULT_GROUP_ID = -1001234567890

# Parameters that are strings in the Bot API and must never be JSON-decoded
# (a text of "123" or "true" must stay a string).
STRING_FIELDS = frozenset(
    {
        "text",
        "parse_mode",
        "callback_query_id",
        "pre_checkout_query_id",
        "url",
        "title",
        "description",
        "payload",
        "currency",
        "provider_token",
        "start_parameter",
        "language_code",
        "error_message",
        "telegram_payment_charge_id",
        "inline_query_id",
        "next_offset",
    }
)

# Methods that deliver a new message to a chat (flood-controlled, counted in .delivered).
COUNTED_METHODS = frozenset({"sendmessage", "copymessage", "sendinvoice"})

# Methods whose successful calls are "what the bot sent" (sent_messages / last_text).
SEND_METHODS = COUNTED_METHODS | {"editmessagetext", "editmessagereplymarkup"}

# Methods refused with 403 for chats in ``blocked_chats``.
BLOCKABLE_METHODS = SEND_METHODS

# Payments in Telegram Stars (https://core.telegram.org/bots/payments-stars).
STARS_CURRENCY = "XTR"
MAX_STARS_PER_INVOICE = 10_000  # currencies.json: XTR max_amount
PRE_CHECKOUT_TIMEOUT = 10.0  # Telegram waits this long for answerPreCheckoutQuery
# Telegram's answer to a second or late answer of a query (callback or pre-checkout).
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Update types Telegram does not deliver unless explicitly listed in allowed_updates.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: something went wrong",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class TelegramError(Exception):
    """Raised inside method handlers to answer with an error."""

    def __init__(
        self,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id


@dataclass
class Call:
    """One recorded Bot API request."""

    method: str
    params: dict[str, Any]
    at: float
    error_code: int | None = None  # None: answered ok
    description: str | None = None  # error description, if any
    result: Any = None  # what was answered in "result" (ok calls)
    message: dict[str, Any] | None = None  # the Message the call created/edited, if any

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """Text (or caption) the call carried / produced."""
        for key in ("text", "caption"):
            if isinstance(self.params.get(key), str):
                return self.params[key]
        for obj in (self.message, self.result):
            if isinstance(obj, dict):
                for key in ("text", "caption"):
                    if isinstance(obj.get(key), str):
                        return obj[key]
        return None

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")


# --------------------------------------------------------------------------- factories

_global_ids = itertools.count(1)


def _user(user_id: int, first_name: str, username: str | None, language_code: str | None):
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def _chat(chat_id: int, chat_type: str, user: dict[str, Any] | None = None) -> dict[str, Any]:
    if chat_type == "private":
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        if user:
            chat["first_name"] = user.get("first_name", "User")
            if user.get("username"):
                chat["username"] = user["username"]
        else:
            chat["first_name"] = "User"
        return chat
    return {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {chat_id}"}


def _default_chat_type(chat_id: Any) -> str:
    if isinstance(chat_id, int) and chat_id < 0:
        return "supergroup" if str(chat_id).startswith("-100") else "group"
    if isinstance(chat_id, str):  # "@channel"
        return "channel"
    return "private"


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    cmd = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(cmd)}]


def make_message(
    text: str,
    user_id: int = DEFAULT_USER_ID,
    chat_id: int | None = None,
    language_code: str | None = "en",
    username: str | None = "customer",
    first_name: str = "Alice",
    chat_type: str = "private",
    message_id: int | None = None,
    reply_to: dict[str, Any] | None = None,
    date: int | None = None,
) -> dict[str, Any]:
    """A user's incoming text ``Message`` as a Bot API dict.

    ``chat_id`` defaults to ``user_id`` for private chats and to ``DEFAULT_GROUP_ID`` for
    groups. ``reply_to`` is a message dict (e.g. one the bot sent, see
    ``FakeTelegram.message(chat_id, message_id)``).
    """
    user = _user(user_id, first_name, username, language_code)
    if chat_id is None:
        chat_id = user_id if chat_type == "private" else DEFAULT_GROUP_ID
    msg: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_global_ids),
        "date": date if date is not None else int(time.time()),
        "chat": _chat(chat_id, chat_type, user),
        "from": user,
        "text": text,
    }
    if entities := _command_entities(text):
        msg["entities"] = entities
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return msg


def make_callback(
    data: str,
    user_id: int = DEFAULT_USER_ID,
    message_id: int = 1,
    chat_id: int | None = None,
    language_code: str | None = "en",
    message: dict[str, Any] | None = None,
    inaccessible: bool = False,
    bot_user: dict[str, Any] | None = None,
    username: str | None = "customer",
    first_name: str = "Alice",
) -> dict[str, Any]:
    """A ``CallbackQuery`` dict: the user pressed an inline button with ``data`` under the
    bot's message ``message_id``. ``message`` overrides the attached message; with
    ``inaccessible=True`` an ``InaccessibleMessage`` (date 0) is attached instead."""
    if chat_id is None:
        chat_id = user_id
    user = _user(user_id, first_name, username, language_code)
    chat = _chat(chat_id, _default_chat_type(chat_id), user)
    if inaccessible:
        attached = {"chat": chat, "message_id": message_id, "date": 0}
    elif message is not None:
        attached = message
    else:
        attached = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": bot_user or FakeTelegram.default_bot_user(),
            "text": "",
        }
    return {
        "id": str(next(_global_ids)),
        "from": user,
        "chat_instance": str(abs(chat_id) * 7919 % 10**12),
        "message": attached,
        "data": data,
    }


def make_inline_query(
    query: str,
    user_id: int = DEFAULT_USER_ID,
    offset: str = "",
    language_code: str | None = "en",
    chat_type: str | None = "sender",
) -> dict[str, Any]:
    """An ``InlineQuery`` dict: the user typed ``@bot <query>`` in some chat; ``offset`` is
    the ``next_offset`` of the previous answer when Telegram asks for the next page."""
    query_dict: dict[str, Any] = {
        "id": str(next(_global_ids)),
        "from": _user(user_id, "Alice", "customer", language_code),
        "query": query,
        "offset": offset,
    }
    if chat_type is not None:
        query_dict["chat_type"] = chat_type
    return query_dict


def make_update(**kind: Any) -> dict[str, Any]:
    """``make_update(message=...)`` / ``make_update(callback_query=...)`` -> Update dict.
    ``update_id`` is assigned unless given."""
    update = dict(kind)
    update.setdefault("update_id", next(_global_ids))
    return update


def make_pre_checkout_query(
    total_amount: int,
    invoice_payload: str,
    user_id: int = DEFAULT_USER_ID,
    currency: str = STARS_CURRENCY,
    query_id: str | None = None,
    language_code: str | None = "en",
    username: str | None = "customer",
    first_name: str = "Alice",
) -> dict[str, Any]:
    """A ``PreCheckoutQuery`` dict: the user pressed Pay. It carries no chat."""
    return {
        "id": query_id or f"pcq{next(_global_ids)}",
        "from": _user(user_id, first_name, username, language_code),
        "currency": currency,
        "total_amount": total_amount,
        "invoice_payload": invoice_payload,
    }


def make_successful_payment(
    total_amount: int,
    invoice_payload: str,
    user_id: int = DEFAULT_USER_ID,
    charge_id: str | None = None,
    currency: str = STARS_CURRENCY,
    message_id: int | None = None,
    language_code: str | None = "en",
    username: str | None = "customer",
    first_name: str = "Alice",
) -> dict[str, Any]:
    """The service ``Message`` Telegram sends to the bot once a payment went through."""
    user = _user(user_id, first_name, username, language_code)
    return {
        "message_id": message_id if message_id is not None else next(_global_ids),
        "date": int(time.time()),
        "chat": _chat(user_id, "private", user),
        "from": user,
        "successful_payment": {
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": invoice_payload,
            "telegram_payment_charge_id": charge_id or f"stxCharge{next(_global_ids)}",
            "provider_payment_charge_id": "",
        },
    }


def as_update(update: dict[str, Any], bot: Bot | None = None) -> Update:
    """Validate an update dict into ``aiogram.types.Update`` bound to ``bot``."""
    from aiogram.types import Update

    return Update.model_validate(update, context={"bot": bot} if bot is not None else {})


# --------------------------------------------------------------------------- server


class FakeTelegram:
    """Fake Bot API server. See module docstring."""

    def __init__(self, token: str = DEFAULT_TOKEN, bot_user: dict[str, Any] | None = None):
        self.token = token
        self.bot_user: dict[str, Any] = bot_user or self.default_bot_user(token)
        self.url = ""
        self.port = 0

        # recording
        self.calls: list[Call] = []
        self.delivered: Counter[Any] = Counter()  # chat_id -> delivered messages
        self.rejected_429 = 0  # flood-control rejections (enforce_limits)

        # faults / behaviour
        self.blocked_chats: set[Any] = set()
        self.delay: float = 0.0
        self.enforce_limits: bool = False
        self.limit_global_per_second: int = 30
        self.limit_private_interval: float = 1.0
        self.limit_group_per_minute: int = 20
        self.strict_edits: bool = False  # 400 "message is not modified" on identical edits
        # (and "message to edit not found" for a message the bot never sent or deleted)
        self.answered_callbacks: set[str] = set()  # a callback query is answered once
        self.answered_inline: set[str] = set()  # so is an inline query
        self._fail: dict[str, deque[TelegramError | None]] = defaultdict(deque)  # None: pass
        self._broken: Counter[str] = Counter()  # method -> calls left to answer broken HTTP

        # state
        self.chats: dict[Any, dict[str, Any]] = {}
        self.messages: dict[tuple[Any, int], dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self._admins: dict[Any, list[int]] = {}
        self._owners: dict[Any, int] = {}
        # The bot's own place in groups (getChat / getChatMember): a member everywhere unless
        # set here. See set_bot_member.
        self.bot_membership: dict[Any, dict[str, Any]] = {}  # chat id -> ChatMember fields
        self.unknown_chats: set[Any] = set()  # getChat: "chat not found"
        self.migrated_chats: dict[Any, int] = {}  # group id -> its supergroup's new id
        self.chat_permissions: dict[Any, dict[str, bool]] = {}  # members' default rights
        self._msg_ids: dict[Any, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._ids = itertools.count(1)

        # updates / long polling
        self._updates: deque[dict[str, Any]] = deque()
        self._last_update_id = 0
        self._allowed_updates: list[str] | None = None
        self._update_waiters: set[asyncio.Event] = set()
        self._call_waiters: set[asyncio.Event] = set()
        self._closing = False

        # flood control windows
        self._global_window: deque[float] = deque()
        self._private_last: dict[Any, float] = {}
        self._group_windows: dict[Any, deque[float]] = defaultdict(deque)

        # payments
        self.pre_checkout_timeout: float = PRE_CHECKOUT_TIMEOUT
        self.pre_checkout_answers: dict[str, dict[str, Any]] = {}  # query id -> answer
        self.star_transactions: list[dict[str, Any]] = []  # chronological, as Telegram keeps
        self.refunded_charges: set[str] = set()
        self._pre_checkouts: dict[str, tuple[float, dict[str, Any]]] = {}  # id -> (sent, query)
        self._charges: dict[str, dict[str, Any]] = {}  # charge id -> incoming transaction

        self._runner: web.AppRunner | None = None
        self._current_call: Call | None = None

    @staticmethod
    def default_bot_user(token: str = DEFAULT_TOKEN) -> dict[str, Any]:
        prefix = token.split(":", 1)[0]
        return {
            "id": int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": "Shop",
            "username": "test_shop_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> FakeTelegram:
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake(self._update_waiters)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def make_bot(self, **kwargs: Any) -> Bot:
        """A real aiogram ``Bot`` pointed at this server (close ``bot.session`` after)."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(self.url))
        return Bot(kwargs.pop("token", self.token), session=session, **kwargs)

    # ---------------------------------------------------------------- configuration

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        skip: int = 0,
    ) -> None:
        """The next ``count`` calls of ``method`` answer this error instead; with ``skip``,
        only after that many more calls of it went through as usual."""
        if description is None:
            description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
            description = description.format(retry_after=retry_after)
        self._fail[method.lower()].extend([None] * skip)
        for _ in range(count):
            self._fail[method.lower()].append(TelegramError(error_code, description, retry_after))

    def break_next(self, method: str, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` get an answer that is not valid HTTP (a
        broken proxy): aiohttp fails with an error that quotes the request URL, bot token
        and all, and aiogram raises it as a TelegramNetworkError."""
        self._broken[method.lower()] += count

    def set_admins(self, chat_id: Any, user_ids: list[int], owner: int | None = None) -> None:
        """Configure administrators of ``chat_id`` (``owner`` answers as "creator")."""
        self._admins[chat_id] = list(user_ids)
        if owner is not None:
            self._owners[chat_id] = owner

    def change_member(
        self, chat_id: Any, user_id: int, *, admin: bool, by: int | None = None
    ) -> dict[str, Any]:
        """Promote ``user_id`` in ``chat_id`` to administrator or demote them to member (as
        ``by``, default the owner, would in the app), and return the update Telegram sends
        about it: ``chat_member`` for another member, ``my_chat_member`` for the bot (a
        bot gets ``chat_member`` only as an administrator that asked for it)."""
        old = self._member(chat_id, user_id)
        admins = self._admins.setdefault(chat_id, [])
        if admin and user_id not in admins:
            admins.append(user_id)
        elif not admin and user_id in admins:
            admins.remove(user_id)
        new = self._member(chat_id, user_id)
        changer = by if by is not None else self._owners.get(chat_id, DEFAULT_USER_ID)
        kind = "my_chat_member" if user_id == self.bot_user["id"] else "chat_member"
        change = {
            "chat": self.chats.get(chat_id) or _chat(chat_id, _default_chat_type(chat_id)),
            "from": self._user_dict(changer),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self.make_update(**{kind: change})

    def set_bot_member(self, chat_id: Any, status: str, **fields: Any) -> None:
        """How the bot itself is in group ``chat_id``: "left" or "kicked" (getChat then
        answers 403 as Telegram does), "restricted" (e.g. ``can_send_messages=False``).
        For "administrator" use ``set_admins`` with the bot's id."""
        self.bot_membership[chat_id] = {"status": status, **fields}

    # ---------------------------------------------------------------- recording helpers

    def calls_of(self, method: str) -> list[Call]:
        m = method.lower()
        return [c for c in self.calls if c.method.lower() == m]

    def sent_messages(self, chat_id: Any = None, include_failed: bool = False) -> list[Call]:
        """Successful message-producing calls (send*, copyMessage, forwardMessage,
        editMessage*), optionally only those to ``chat_id``."""
        return [
            c
            for c in self.calls
            if c.method.lower() in SEND_METHODS
            and (include_failed or c.ok)
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: Any = None) -> list[str]:
        return [t for c in self.sent_messages(chat_id) if (t := c.text) is not None]

    def last_text(self, chat_id: Any) -> str:
        """Text/caption of the last message sent or edited in ``chat_id``."""
        for c in reversed(self.sent_messages(chat_id)):
            if c.text is not None:
                return c.text
        raise AssertionError(f"nothing with text sent to chat {chat_id}; calls: {self._summary()}")

    def last_markup(self, chat_id: Any) -> dict[str, Any] | None:
        for c in reversed(self.sent_messages(chat_id)):
            if c.method.lower() != "editmessagetext" or "reply_markup" in c.params:
                return c.reply_markup
        return None

    def message(self, chat_id: Any, message_id: int) -> dict[str, Any] | None:
        """The current state of a message the bot sent (after edits), or None."""
        return self.messages.get((chat_id, message_id))

    def clear(self) -> None:
        """Forget recorded calls and delivery counters (not queued updates or state)."""
        self.calls.clear()
        self.delivered.clear()
        self.rejected_429 = 0

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` (matching ``predicate``)
        were recorded; return all matching calls. AssertionError on timeout."""
        deadline = time.monotonic() + timeout

        def matching() -> list[Call]:
            return [c for c in self.calls_of(method) if predicate is None or predicate(c)]

        while True:
            found = matching()
            if len(found) >= count:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} {method} call(s) within {timeout}s, got {len(found)}; "
                    f"calls: {self._summary()}"
                )
            ev = asyncio.Event()
            self._call_waiters.add(ev)
            try:
                await asyncio.wait_for(ev.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                self._call_waiters.discard(ev)

    def _summary(self, last: int = 15) -> str:
        items = [
            f"{c.method}({c.chat_id!r}{', ' + repr(c.text[:40]) if c.text else ''})"
            + ("" if c.ok else f"->{c.error_code}")
            for c in self.calls[-last:]
        ]
        return "[" + ", ".join(items) + "]"

    # ---------------------------------------------------------------- updates

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates. Assigns ``update_id`` if missing (or not greater
        than the previous one, to keep ids increasing). Returns the update_id."""
        uid = update.get("update_id")
        if not isinstance(uid, int) or uid <= self._last_update_id:
            uid = self._last_update_id + 1
            update = {**update, "update_id": uid}
        self._last_update_id = uid
        self._updates.append(update)
        self._wake(self._update_waiters)
        return uid

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def make_message(
        self,
        text: str,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        language_code: str | None = "en",
        username: str | None = "customer",
        first_name: str = "Alice",
        chat_type: str = "private",
        message_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Like module ``make_message`` but with per-chat message ids shared with the bot's
        own messages; ``reply_to`` may be a message_id of a message the bot sent."""
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else DEFAULT_GROUP_ID
        if isinstance(reply_to, int):
            reply_to = self.messages.get(
                (chat_id, reply_to), self._bot_message(chat_id, reply_to, "")
            )
        if message_id is None:
            message_id = next(self._msg_ids[chat_id])
        msg = make_message(
            text,
            user_id=user_id,
            chat_id=chat_id,
            language_code=language_code,
            username=username,
            first_name=first_name,
            chat_type=chat_type,
            message_id=message_id,
            reply_to=reply_to,
        )
        self.chats.setdefault(chat_id, msg["chat"])
        return msg

    def make_callback(
        self,
        data: str,
        user_id: int = DEFAULT_USER_ID,
        message_id: int | None = None,
        chat_id: int | None = None,
        language_code: str | None = "en",
        inaccessible: bool = False,
    ) -> dict[str, Any]:
        """Callback query under the bot's message ``message_id`` (default: the last message
        the bot sent to the chat). The attached message is the one the bot sent (with its
        current text/markup) if known."""
        if chat_id is None:
            chat_id = user_id
        if message_id is None:
            ids = [mid for (cid, mid) in self.messages if cid == chat_id]
            message_id = max(ids) if ids else 1
        stored = self.messages.get((chat_id, message_id))
        return make_callback(
            data,
            user_id=user_id,
            message_id=message_id,
            chat_id=chat_id,
            language_code=language_code,
            message=stored if stored is not None else self._bot_message(chat_id, message_id, ""),
            inaccessible=inaccessible,
            bot_user=self.bot_user,
        )

    def make_update(self, **kind: Any) -> dict[str, Any]:
        update = dict(kind)
        if "update_id" not in update:
            self._last_update_id += 1
            update["update_id"] = self._last_update_id
        return update

    async def feed(self, dp: Dispatcher, bot: Bot, update: dict[str, Any], **kwargs: Any) -> Any:
        """``dp.feed_update(bot, Update)`` for an update dict (wraps it if it is a bare
        message / callback_query dict)."""
        if "update_id" not in update:
            kind = "message"
            if "chat_instance" in update:
                kind = "callback_query"
            elif "query" in update and "offset" in update:
                kind = "inline_query"
            elif "invoice_payload" in update and "chat" not in update:
                kind = "pre_checkout_query"
            update = self.make_update(**{kind: update})
        return await dp.feed_update(bot, as_update(update, bot), **kwargs)

    # ---------------------------------------------------------------- payments

    def invoices(self, chat_id: Any = None) -> list[dict[str, Any]]:
        """Parameters of every accepted sendInvoice (to ``chat_id``), oldest first."""
        return [
            c.params
            for c in self.calls_of("sendInvoice")
            if c.ok and (chat_id is None or c.chat_id == chat_id)
        ]

    def last_invoice(self, chat_id: Any) -> dict[str, Any]:
        found = self.invoices(chat_id)
        if not found:
            raise AssertionError(f"no invoice sent to {chat_id}; calls: {self._summary()}")
        return found[-1]

    def make_pre_checkout_query(
        self,
        total_amount: int | None = None,
        invoice_payload: str | None = None,
        user_id: int = DEFAULT_USER_ID,
        currency: str = STARS_CURRENCY,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The user pressed Pay on an invoice (default: the last one sent to ``user_id``).
        The query must be answered within ``pre_checkout_timeout`` seconds from now."""
        if total_amount is None or invoice_payload is None:
            invoice = self.last_invoice(user_id)
            total_amount = total_amount or sum(p["amount"] for p in invoice["prices"])
            invoice_payload = invoice_payload or invoice["payload"]
            currency = invoice["currency"]
        query = make_pre_checkout_query(
            total_amount, invoice_payload, user_id=user_id, currency=currency, **kwargs
        )
        self._pre_checkouts[query["id"]] = (time.monotonic(), query)
        return query

    def make_successful_payment(
        self,
        total_amount: int | None = None,
        invoice_payload: str | None = None,
        user_id: int = DEFAULT_USER_ID,
        charge_id: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The payment went through: the Stars are the bot's (see ``star_transactions``) and
        this is the ``successful_payment`` message Telegram sends. Default amount and payload:
        the last invoice sent to ``user_id``."""
        if total_amount is None or invoice_payload is None:
            invoice = self.last_invoice(user_id)
            total_amount = total_amount or sum(p["amount"] for p in invoice["prices"])
            invoice_payload = invoice_payload or invoice["payload"]
        if charge_id is None or charge_id not in self._charges:
            charge_id = self.add_star_transaction(
                total_amount, invoice_payload, user_id=user_id, charge_id=charge_id
            )
        return make_successful_payment(
            total_amount,
            invoice_payload,
            user_id=user_id,
            charge_id=charge_id,
            message_id=next(self._msg_ids[user_id]),
            **kwargs,
        )

    def add_star_transaction(
        self,
        amount: int,
        invoice_payload: str,
        user_id: int = DEFAULT_USER_ID,
        charge_id: str | None = None,
        date: int | None = None,
        first_name: str = "Alice",
    ) -> str:
        """Record an incoming Stars payment (one whose update may never reach the bot).
        Returns its telegram_payment_charge_id; getStarTransactions lists it."""
        charge_id = charge_id or f"stxCharge{next(_global_ids)}"
        if charge_id in self._charges:
            raise ValueError(f"charge {charge_id} already recorded")
        transaction = {
            "id": charge_id,
            "amount": amount,
            "date": date if date is not None else int(time.time()),
            "source": {
                "type": "user",
                "transaction_type": "invoice_payment",
                "user": _user(user_id, first_name, None, None),
                "invoice_payload": invoice_payload,
            },
        }
        self._charges[charge_id] = transaction
        self.star_transactions.append(transaction)
        return charge_id

    # ---------------------------------------------------------------- HTTP

    @staticmethod
    def _wake(waiters: set[asyncio.Event]) -> None:
        for ev in waiters:
            ev.set()

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            else:
                raw.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        return {key: self._decode(key, value) for key, value in raw.items()}

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        if not isinstance(value, str) or key in STRING_FIELDS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._read_params(request)
        call = Call(method=method, params=params, at=time.monotonic())
        self.calls.append(call)
        if self._broken[method.lower()] > 0 and request.transport is not None:
            self._broken[method.lower()] -= 1
            call.error_code = 0
            call.description = "broken HTTP"
            request.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: nonsense\r\n\r\n{}")
            request.transport.close()
            self._wake(self._call_waiters)
            return web.Response()
        try:
            if token != self.token:
                raise TelegramError(401, "Unauthorized")
            if self.delay:
                await asyncio.sleep(self.delay)
            result = await self._dispatch(method.lower(), params, call)
        except TelegramError as e:
            call.error_code = e.error_code
            call.description = e.description
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": e.error_code,
                "description": e.description,
            }
            if e.retry_after is not None:
                payload["parameters"] = {"retry_after": e.retry_after}
            if e.migrate_to_chat_id is not None:
                payload["parameters"] = {"migrate_to_chat_id": e.migrate_to_chat_id}
            self._wake(self._call_waiters)
            return web.json_response(payload, status=e.error_code)
        call.result = result
        self._wake(self._call_waiters)
        return web.json_response({"ok": True, "result": result})

    async def _dispatch(self, m: str, p: dict[str, Any], call: Call) -> Any:
        if self._fail.get(m) and (failure := self._fail[m].popleft()) is not None:
            raise failure
        chat_id = p.get("chat_id")
        if m in BLOCKABLE_METHODS and chat_id is not None and chat_id in self.blocked_chats:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        counted = m in COUNTED_METHODS
        now = time.monotonic()
        if counted and self.enforce_limits:
            retry_after = self._check_limits(chat_id, now)
            if retry_after is not None:
                self.rejected_429 += 1
                raise TelegramError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after
                )
        handler = getattr(self, f"_m_{m}", None)
        self._current_call = call  # handlers are synchronous up to here: no interleaving
        result = handler(p) if handler is not None else True
        if asyncio.iscoroutine(result):
            result = await result
        if counted:
            self._record_delivery(chat_id, now)
        return result

    # ---------------------------------------------------------------- flood control

    def _check_limits(self, chat_id: Any, now: float) -> int | None:
        window = self._global_window
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.limit_global_per_second:
            return max(1, math.ceil(window[0] + 1.0 - now))
        if isinstance(chat_id, int) and chat_id > 0:
            last = self._private_last.get(chat_id)
            if last is not None and now - last < self.limit_private_interval:
                return max(1, math.ceil(last + self.limit_private_interval - now))
        elif isinstance(chat_id, int):
            gw = self._group_windows[chat_id]
            while gw and now - gw[0] >= 60.0:
                gw.popleft()
            if len(gw) >= self.limit_group_per_minute:
                return max(1, math.ceil(gw[0] + 60.0 - now))
        return None

    def _record_delivery(self, chat_id: Any, now: float) -> None:
        self.delivered[chat_id] += 1
        self._global_window.append(now)
        if isinstance(chat_id, int) and chat_id > 0:
            self._private_last[chat_id] = now
        elif isinstance(chat_id, int):
            self._group_windows[chat_id].append(now)

    # ---------------------------------------------------------------- message helpers

    def _chat_for(self, chat_id: Any) -> dict[str, Any]:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = _chat(chat_id, _default_chat_type(chat_id))
        return chat

    def _bot_message(self, chat_id: Any, message_id: int, text: str | None) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_for(chat_id),
            "from": self.bot_user,
        }
        if text is not None:
            msg["text"] = text
        return msg

    def _require_chat(self, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            raise TelegramError(400, "Bad Request: chat_id is empty")
        return chat_id

    @staticmethod
    def _check_text(text: Any, limit: int, what: str) -> None:
        # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice
        if len(str(text).encode("utf-16-le")) // 2 > limit:
            raise TelegramError(400, f"Bad Request: {what} is too long")

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if not isinstance(markup, dict):
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise TelegramError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise TelegramError(400, "Bad Request: text buttons are unallowed")

    def _new_message(self, p: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = self._require_chat(p)
        self._check_markup(p.get("reply_markup"))
        msg = self._bot_message(chat_id, next(self._msg_ids[chat_id]), None)
        msg.update({k: v for k, v in content.items() if v is not None})
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        reply = p.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or p.get("reply_to_message_id")
        if reply_id and (chat_id, reply_id) in self.messages:
            msg["reply_to_message"] = self.messages[(chat_id, reply_id)]
        self.messages[(chat_id, msg["message_id"])] = msg
        if self._current_call is not None:
            self._current_call.message = msg
        return msg

    def _edit(self, p: dict[str, Any], **changes: Any) -> Any:
        if p.get("inline_message_id"):
            return True
        chat_id = self._require_chat(p)
        message_id = p.get("message_id")
        if not isinstance(message_id, int):
            raise TelegramError(400, "Bad Request: message identifier is not specified")
        self._check_markup(p.get("reply_markup"))
        key = (chat_id, message_id)
        if self.strict_edits and key not in self.messages:
            raise TelegramError(400, "Bad Request: message to edit not found")
        msg = dict(self.messages.get(key) or self._bot_message(chat_id, message_id, None))
        new = dict(msg)
        new.update({k: v for k, v in changes.items() if v is not None})
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            new["reply_markup"] = markup
        else:
            new.pop("reply_markup", None)
        if self.strict_edits and key in self.messages and _same(msg, new):
            raise TelegramError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        new["edit_date"] = int(time.time())
        self.messages[key] = new
        if self._current_call is not None:
            self._current_call.message = new
        return new

    # ---------------------------------------------------------------- method handlers

    def _m_getme(self, p: dict[str, Any]) -> Any:
        return self.bot_user

    def _m_sendmessage(self, p: dict[str, Any]) -> Any:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TelegramError(400, "Bad Request: message text is empty")
        self._check_text(text, 4096, "message")
        return self._new_message(p, text=text, entities=p.get("entities"))

    def _m_answercallbackquery(self, p: dict[str, Any]) -> Any:
        query_id = str(p.get("callback_query_id") or "")
        if not query_id or query_id in self.answered_callbacks:
            # Telegram accepts one answer per query; a second one is refused like this.
            raise TelegramError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = p.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise TelegramError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answered_callbacks.add(query_id)
        return True

    def _m_answerinlinequery(self, p: dict[str, Any]) -> Any:
        """Telegram's checks: one answer per query, at most 50 results with unique ids of
        1-64 bytes, a next_offset of at most 64 bytes, a deep-link parameter of allowed
        characters."""
        query_id = str(p.get("inline_query_id") or "")
        if not query_id or query_id in self.answered_inline:
            raise TelegramError(400, QUERY_TOO_OLD)
        results = p.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise TelegramError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or any(not 0 < len(i.encode()) <= 64 for i in ids):
            raise TelegramError(400, "Bad Request: RESULT_ID_INVALID")
        if len(str(p.get("next_offset") or "").encode()) > 64:
            raise TelegramError(400, "Bad Request: NEXT_OFFSET_INVALID")
        button = p.get("button") or {}
        start = button.get("start_parameter") if isinstance(button, dict) else None
        if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", str(start)):
            raise TelegramError(400, "Bad Request: START_PARAM_INVALID")
        for result in results:
            self._check_markup(result.get("reply_markup"))
        self.answered_inline.add(query_id)
        return True

    def _m_editmessagetext(self, p: dict[str, Any]) -> Any:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TelegramError(400, "Bad Request: message text is empty")
        self._check_text(text, 4096, "message")
        return self._edit(p, text=text, entities=p.get("entities"))

    def _m_editmessagereplymarkup(self, p: dict[str, Any]) -> Any:
        return self._edit(p)

    def _m_copymessage(self, p: dict[str, Any]) -> Any:
        source = self.messages.get((p.get("from_chat_id"), p.get("message_id")), {})
        content = {k: source[k] for k in ("text", "caption", "photo", "document") if k in source}
        if "caption" in p:
            content["caption"] = p["caption"]
        msg = self._new_message(p, **content)
        return {"message_id": msg["message_id"]}

    def _m_sendinvoice(self, p: dict[str, Any]) -> Any:
        for name, limit in (("title", 32), ("description", 255)):
            value = p.get(name)
            if not isinstance(value, str) or not 1 <= len(value) <= limit:
                raise TelegramError(
                    400, f"Bad Request: invoice {name} must be 1-{limit} characters"
                )
        payload = p.get("payload")
        if not isinstance(payload, str) or not 1 <= len(payload.encode()) <= 128:
            raise TelegramError(400, "Bad Request: INVOICE_PAYLOAD_INVALID")
        currency = p.get("currency")
        prices = p.get("prices")
        if (
            not isinstance(prices, list)
            or not prices
            or not all(
                isinstance(x, dict) and isinstance(x.get("amount"), int) and x.get("label")
                for x in prices
            )
        ):
            raise TelegramError(400, "Bad Request: prices must be a non-empty list of prices")
        total = sum(x["amount"] for x in prices)
        if currency == STARS_CURRENCY:
            # Stars: no payment provider, one price, no tips.
            if p.get("provider_token"):
                raise TelegramError(400, "Bad Request: PAYMENT_PROVIDER_INVALID")
            if len(prices) != 1:
                raise TelegramError(400, "Bad Request: exactly one price is allowed for XTR")
            if p.get("max_tip_amount") or p.get("suggested_tip_amounts"):
                raise TelegramError(400, "Bad Request: tips are not supported for XTR")
            if not 1 <= total <= MAX_STARS_PER_INVOICE:
                raise TelegramError(400, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID")
        elif not isinstance(currency, str) or len(currency) != 3 or not p.get("provider_token"):
            raise TelegramError(400, "Bad Request: PAYMENT_PROVIDER_INVALID")
        invoice = {
            "title": p["title"],
            "description": p["description"],
            "start_parameter": p.get("start_parameter") or "",
            "currency": currency,
            "total_amount": total,
        }
        return self._new_message(p, invoice=invoice)

    def _m_answerprecheckoutquery(self, p: dict[str, Any]) -> Any:
        query_id = str(p.get("pre_checkout_query_id") or "")
        sent = self._pre_checkouts.get(query_id)
        if sent is None:
            raise TelegramError(400, "Bad Request: QUERY_ID_INVALID")
        elapsed = time.monotonic() - sent[0]
        if query_id in self.pre_checkout_answers or elapsed > self.pre_checkout_timeout:
            raise TelegramError(400, QUERY_TOO_OLD)  # one answer, in time
        ok = p.get("ok")
        if not isinstance(ok, bool):
            raise TelegramError(400, "Bad Request: ok must be a boolean")
        error_message = p.get("error_message")
        if not ok and not (isinstance(error_message, str) and error_message.strip()):
            raise TelegramError(400, "Bad Request: ERROR_MESSAGE_EMPTY")
        self.pre_checkout_answers[query_id] = {
            "ok": ok,
            "error_message": error_message,
            "after": elapsed,
            "query": sent[1],
        }
        return True

    def _m_refundstarpayment(self, p: dict[str, Any]) -> Any:
        charge_id = str(p.get("telegram_payment_charge_id") or "")
        user_id = p.get("user_id")
        if not isinstance(user_id, int):
            raise TelegramError(400, "Bad Request: invalid user_id specified")
        transaction = self._charges.get(charge_id)
        if transaction is None or transaction["source"]["user"]["id"] != user_id:
            raise TelegramError(400, "Bad Request: CHARGE_NOT_FOUND")
        if charge_id in self.refunded_charges:
            raise TelegramError(400, "Bad Request: CHARGE_ALREADY_REFUNDED")
        self.refunded_charges.add(charge_id)
        # The refund is an outgoing transaction with the id of the original one.
        self.star_transactions.append(
            {
                "id": charge_id,
                "amount": transaction["amount"],
                "date": int(time.time()),
                "receiver": {
                    "type": "user",
                    "transaction_type": "invoice_payment",
                    "user": transaction["source"]["user"],
                    "invoice_payload": transaction["source"]["invoice_payload"],
                },
            }
        )
        return True

    def _m_getstartransactions(self, p: dict[str, Any]) -> Any:
        offset = p.get("offset", 0)
        limit = p.get("limit", 100)
        if not isinstance(offset, int) or offset < 0:
            raise TelegramError(400, "Bad Request: offset is invalid")
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            raise TelegramError(400, "Bad Request: limit is invalid")
        return {"transactions": self.star_transactions[offset : offset + limit]}

    def _m_setmycommands(self, p: dict[str, Any]) -> Any:
        self.commands = list(p.get("commands") or [])
        return True

    def _user_dict(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_user["id"]:
            return self.bot_user
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def _member(self, chat_id: Any, user_id: int) -> dict[str, Any]:
        status = "member"
        if self._owners.get(chat_id) == user_id:
            status = "creator"
        elif user_id in self._admins.get(chat_id, ()):
            status = "administrator"
        user = self._user_dict(user_id)
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = dict.fromkeys(
                (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                    "can_send_welcome_messages",
                    "can_pin_messages",
                ),
                True,
            )
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **rights,
            }
        return {"status": status, "user": user}

    def _m_getchatmember(self, p: dict[str, Any]) -> Any:
        chat_id = self._require_chat(p)
        user_id = int(p.get("user_id") or 0)
        self._check_bot_in(chat_id)
        if user_id == self.bot_user["id"] and chat_id in self.bot_membership:
            fields = self.bot_membership[chat_id]
            base: dict[str, Any] = {"until_date": 0}
            if fields["status"] == "restricted":
                base.update(dict.fromkeys(_RESTRICTED_RIGHTS, True), is_member=True)
            return {**base, **fields, "user": self.bot_user}
        return self._member(chat_id, user_id)

    def _m_getchat(self, p: dict[str, Any]) -> Any:
        chat_id = self._require_chat(p)
        self._check_bot_in(chat_id)
        chat = dict(self._chat_for(chat_id))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types=dict.fromkeys(
                (
                    "unlimited_gifts",
                    "limited_gifts",
                    "unique_gifts",
                    "premium_subscription",
                    "gifts_from_channels",
                ),
                True,
            ),
        )
        if chat["type"] in ("group", "supergroup"):
            chat["permissions"] = {
                "can_send_messages": True,
                **self.chat_permissions.get(chat_id, {}),
            }
        return chat

    def _check_bot_in(self, chat_id: Any) -> None:
        """What Telegram answers about a group the bot does not know or is no longer in."""
        if chat_id in self.migrated_chats:
            raise TelegramError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated_chats[chat_id],
            )
        if chat_id in self.unknown_chats:
            raise TelegramError(400, "Bad Request: chat not found")
        status = self.bot_membership.get(chat_id, {}).get("status")
        kind = self._chat_for(chat_id)["type"]
        if status == "kicked":
            raise TelegramError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left":
            raise TelegramError(403, f"Forbidden: bot is not a member of the {kind} chat")

    async def _m_getupdates(self, p: dict[str, Any]) -> Any:
        offset = p.get("offset")
        limit = p.get("limit")
        limit = min(max(int(limit), 1), 100) if isinstance(limit, int) else 100
        timeout = p.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        if "allowed_updates" in p:
            allowed = p["allowed_updates"]
            self._allowed_updates = list(allowed) if isinstance(allowed, list) else None
        if isinstance(offset, int) and offset != 0:
            if offset > 0:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
            else:
                while len(self._updates) > -offset:
                    self._updates.popleft()
        deadline = time.monotonic() + timeout
        while True:
            ready = self._ready_updates(limit)
            if ready or self._closing:
                return ready
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            ev = asyncio.Event()
            self._update_waiters.add(ev)
            try:
                await asyncio.wait_for(ev.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                self._update_waiters.discard(ev)

    def _ready_updates(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        # Telegram never creates updates of types the bot did not subscribe to: drop them.
        kept: deque[dict[str, Any]] = deque()
        for update in self._updates:
            kind = next((k for k in update if k != "update_id"), None)
            ok = kind in allowed if allowed else kind not in OPT_IN_UPDATE_TYPES
            if ok:
                kept.append(update)
        self._updates = kept
        return list(itertools.islice(kept, limit))


_RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    keys = ("text", "caption", "reply_markup")
    return all(old.get(k) == new.get(k) for k in keys)
