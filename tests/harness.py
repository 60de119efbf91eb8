"""Drives the real application: the real dispatcher and aiogram Bot talking HTTP to the fake
Bot API, a real PanelClient talking to the fake panel, a real SQLite file."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.filters.callback_data import CallbackData

from bot.app import build_dispatcher, create_bot
from bot.config import Settings, load_settings
from bot.db import Database
from bot.leader import SoloLeader
from bot.memory import limit_malloc_arenas
from bot.panel import PanelClient
from bot.services.alerts import Notices
from bot.tasks import Supervisor
from bot.texts import ShopCore

if TYPE_CHECKING:
    # Only names for annotations: a process that drives the bot against fakes running
    # elsewhere (tests/benchmarks/bench_rss.py) does not load the fakes' code.
    from tests.fakes.panel import FakePanel
    from tests.fakes.telegram import Call, FakeTelegram

ADMIN_CHAT = -1001234567890
ADMIN_USER = 777


class ManualSupervisor(Supervisor):
    """Records background tasks instead of running them, so tests decide when work happens."""

    def __init__(self) -> None:
        super().__init__()
        self.factories: dict[str, Callable[[], Awaitable[None]]] = {}

    def start(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        self.factories[name] = factory


class _ErrorLog(logging.Handler):
    """Collects what the dispatcher's error handler reports: an update that failed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class BotHarness:
    def __init__(
        self,
        tmp_path: Path,
        tg: FakeTelegram,
        fake_panel: FakePanel,
        *,
        sync_catalog: bool = True,
        database: Path | str | None = None,
        texts: ShopCore | None = None,
        **overrides: Any,
    ) -> None:
        """`texts`: loaded beforehand, as `python -m bot` does (`texts.load_texts`); else the
        dispatcher's start-up loads them."""
        self.tmp_path = tmp_path
        self.tg = tg
        self.fake_panel = fake_panel
        self.sync_catalog = sync_catalog
        self.overrides = overrides
        self.preloaded_texts = texts
        # A PostgreSQL URL (the `database_target` fixture), else a SQLite file in tmp_path.
        self.database = database if isinstance(database, str) else None
        self.settings: Settings
        self.db: Database
        self.panel: PanelClient
        self.bot: Bot
        self.dp: Dispatcher
        self.supervisor: ManualSupervisor
        self._error_log = _ErrorLog()

    @property
    def errors(self) -> list[str]:
        """Messages of updates that failed (reached the dispatcher's error handler)."""
        return [r.getMessage() for r in self._error_log.records]

    async def start(self) -> BotHarness:
        # Real Telegram answers 400 "message is not modified" to an edit that changes nothing.
        self.tg.strict_edits = True
        app_log = logging.getLogger("bot.app")
        if self._error_log not in app_log.handlers:
            app_log.addHandler(self._error_log)
        values: dict[str, Any] = {
            "bot_token": self.tg.token,
            "bot_api_url": self.tg.url,
            "panel_api_url": self.fake_panel.url,
            "panel_api_key": self.fake_panel.key,
            "admin_chat_id": ADMIN_CHAT,
            "admin_ids": [ADMIN_USER],
            "database_path": self.tmp_path / "bot.sqlite3",
            "panel_connect_timeout": 1.0,
            "panel_read_timeout": 1.0,
        }
        if self.database is not None:
            values["database_url"] = self.database
        values.update(self.overrides)
        self.settings = load_settings(**values)
        limit_malloc_arenas()  # as `python -m bot` does before the database opens
        self.db = Database(self.settings.database_target)
        await self.db.connect()
        self.panel = PanelClient(
            self.settings.panel_api_url,
            self.settings.panel_api_key.get_secret_value(),
            connect_timeout=self.settings.panel_connect_timeout,
            read_timeout=self.settings.panel_read_timeout,
            retries=1,
            backoff=0.01,
        )
        self.bot = create_bot(self.settings)
        self.supervisor = ManualSupervisor()
        # one process, as the tests drive it: the leader from the start, also on PostgreSQL
        self.dp = build_dispatcher(
            self.settings,
            self.db,
            self.panel,
            self.supervisor,
            leader=SoloLeader(),
            texts=self.preloaded_texts,
        )
        await self.dp.emit_startup(
            bot=self.bot, dispatcher=self.dp, bots=[self.bot], **self.dp.workflow_data
        )
        if self.sync_catalog:
            catalog = _optional("bot.services.catalog")
            if catalog is not None and hasattr(catalog, "sync"):
                await catalog.sync(self.db, self.panel)
        return self

    async def stop(self) -> None:
        logging.getLogger("bot.app").removeHandler(self._error_log)
        await self.dp.emit_shutdown(
            bot=self.bot, dispatcher=self.dp, bots=[self.bot], **self.dp.workflow_data
        )
        await self.dp.storage.close()
        await self.bot.session.close()
        await self.panel.close()
        await self.db.close()

    async def restart(self) -> None:
        """A new process on the same database and the same fake servers."""
        await self.stop()
        self.sync_catalog = False
        await self.start()

    @property
    def notices(self) -> Notices:
        """What the app hands the order services (its workflow data)."""
        return self.dp["notices"]  # type: ignore[no-any-return]

    @property
    def core(self) -> Any:
        return self.dp["i18n_middleware"].core

    async def _feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.tg.calls)
        await self.tg.feed(self.dp, self.bot, update)
        return self.tg.calls[before:]

    async def send(
        self,
        text: str,
        user_id: int = 1001,
        *,
        language_code: str | None = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
        **extra: Any,
    ) -> list[Call]:
        message = self.tg.make_message(
            text,
            user_id=user_id,
            chat_id=chat_id,
            language_code=language_code,
            chat_type=chat_type,
            **extra,
        )
        return await self._feed(message)

    async def send_message(self, message: dict[str, Any]) -> list[Call]:
        """Feed a hand-made message dict (a photo, a sticker...)."""
        return await self._feed(message)

    async def admin(self, text: str, user_id: int = ADMIN_USER) -> list[Call]:
        return await self.send(text, user_id, chat_id=ADMIN_CHAT, chat_type="supergroup")

    async def press(
        self,
        data: str | CallbackData,
        user_id: int = 1001,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
        language_code: str | None = "en",
        inaccessible: bool = False,
    ) -> list[Call]:
        """`inaccessible`: the pressed message is too old (or deleted) for the bot to see:
        the callback carries an InaccessibleMessage."""
        packed = data.pack() if isinstance(data, CallbackData) else data
        callback = self.tg.make_callback(
            packed,
            user_id=user_id,
            chat_id=chat_id,
            message_id=message_id,
            language_code=language_code,
            inaccessible=inaccessible,
        )
        return await self._feed(callback)

    async def inline(
        self, query: str, user_id: int = 1001, *, offset: str = "", language_code: str = "en"
    ) -> Call:
        """`@bot <query>` typed by the user; the bot's one answerInlineQuery (checked ok)."""
        from tests.fakes.telegram import make_inline_query

        calls = await self._feed(
            make_inline_query(query, user_id, offset=offset, language_code=language_code)
        )
        [answer] = [c for c in calls if c.method == "answerInlineQuery"]
        assert answer.ok, answer.description
        return answer

    def texts(self, calls: list[Call]) -> list[str]:
        return [c.text for c in calls if c.text]

    @staticmethod
    def buttons(call: Call) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button in a sent or edited message."""
        markup = call.reply_markup or {}
        return [
            (b.get("text", ""), b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None
