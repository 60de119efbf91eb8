"""The leader's work (bot/leader.py): settling what a killed process left half done, then the
periodic loops: catalog sync, outbox sender, order poller, payment reconciliation.

`elected` starts it, `deposed` stops the loops at once. With one process (SQLite) both
happen once, at start and stop. With replicas the leader may change while others are
placing orders, so the start-up recovery only takes what is older than any placement can
take (`RECOVERY_GRACE`), and runs again every minute while this replica leads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram_i18n.cores import FluentRuntimeCore

from bot.backup import backup_loop
from bot.commands import ADMIN_MENU, PRIVATE_MENU, MenuCommand
from bot.config import SUPPORTED_LANGUAGES
from bot.handlers.payments import star_transactions
from bot.payments.loops import CryptoPoller, StarsReconciler
from bot.sender import Sender
from bot.services import alerts, catalog
from bot.services.orders.placing import recover_submitting
from bot.services.orders.poller import Poller, PollerConfig
from bot.services.orders.requests import recover_sending

if TYPE_CHECKING:
    from aiogram import Dispatcher

    from bot.config import Settings
    from bot.db import Database
    from bot.metrics import Metrics
    from bot.panel import PanelClient
    from bot.payments.cryptopay import CryptoPayClient
    from bot.payments.models import PaymentConfig
    from bot.services.alerts import Notices
    from bot.tasks import Supervisor

log = logging.getLogger(__name__)

# Loops only the leader runs; a replica that stops leading cancels exactly these.
LEADER_TASKS = (
    "catalog-sync",
    "outbox-sender",
    "order-poller",
    "stars-reconcile",
    "cryptopay-poll",
    "stale-recovery",
    "daily-backup",
)
RECOVERY_EVERY = 60.0
ELECTION_TASK = "leader-election"  # with replicas: bot/leader.py's loop, elected/deposed


async def set_commands(bot: Bot, settings: Settings, core: FluentRuntimeCore) -> None:
    def menu(commands: tuple[MenuCommand, ...], locale: str) -> list[BotCommand]:
        return [BotCommand(command=c.name, description=core.get(c.key, locale)) for c in commands]

    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(menu(PRIVATE_MENU, settings.default_language), scope=private)
    for locale in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(menu(PRIVATE_MENU, locale), scope=private, language_code=locale)
    await bot.set_my_commands(
        menu(ADMIN_MENU, settings.default_language),
        scope=BotCommandScopeChat(chat_id=settings.admin_chat_id),
    )


class SenderWake:
    """Nudges the outbox sender (created at startup) from handlers that queue a message
    the customer should get at once (a receipt, a refund notice)."""

    def __init__(self) -> None:
        self._targets: list[Callable[[], None]] = []

    def connect(self, target: Callable[[], None]) -> None:
        self._targets.append(target)

    def disconnect(self, target: Callable[[], None]) -> None:
        """The sender stopped (this replica no longer leads)."""
        if target in self._targets:
            self._targets.remove(target)

    def __call__(self) -> None:
        for target in self._targets:
            target()


class LeaderWork:
    def __init__(
        self,
        *,
        bot: Bot,
        dispatcher: Dispatcher,
        settings: Settings,
        supervisor: Supervisor,
        db: Database,
        panel: PanelClient,
        notices: Notices,
        payments: PaymentConfig,
        cryptopay: CryptoPayClient | None,
        wake_sender: SenderWake,
        solo: bool,
        metrics: Metrics,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.settings = settings
        self.supervisor = supervisor
        self.db = db
        self.panel = panel
        self.notices = notices
        self.payments = payments
        self.cryptopay = cryptopay
        self.wake_sender = wake_sender
        self.solo = solo
        self.metrics = metrics
        self._sender: Sender | None = None

    def recovery_grace(self) -> int:
        """Seconds after which a `submitting` order or `sending` request can no longer be in
        the hands of a live replica: one panel call's longest wait, and a margin."""
        s = self.settings
        call = s.panel_total_timeout or (s.panel_connect_timeout + s.panel_read_timeout)
        return int(call) + 60

    async def recover(self) -> None:
        """Orders cut off mid-`add` -> unknown; refill/cancel requests cut off -> unknown.
        One process: everything found (nothing else can be placing). Replicas: only what is
        older than `recovery_grace`."""
        older_than = None if self.solo else int(time.time()) - self.recovery_grace()
        recovered = await recover_submitting(self.db, self.notices, older_than=older_than)
        if recovered:
            self.metrics.orders.labels("unknown").inc(recovered)
        await recover_sending(self.db, self.notices, older_than=older_than)

    async def _recovery_loop(self) -> None:
        while True:
            await asyncio.sleep(RECOVERY_EVERY)
            await self.recover()

    async def elected(self) -> None:
        self.metrics.leader.set(1)
        await self.recover()
        self._start_loops()
        if not self.solo:
            self.supervisor.start("stale-recovery", self._recovery_loop)
        await self._announce()

    async def deposed(self) -> None:
        """Stops the loops at once and waits (bounded) for them to wind down: the sender
        records the sends it has in flight."""
        if self._sender is not None:
            self.wake_sender.disconnect(self._sender.wake)
            self._sender = None
        await self.supervisor.stop_tasks(LEADER_TASKS, within=self.settings.stop_timeout / 2)
        self.metrics.leader.set(0)

    def _start_loops(self) -> None:
        s, db, panel, supervisor = self.settings, self.db, self.panel, self.supervisor
        supervisor.start(
            "catalog-sync",
            lambda: catalog.sync_loop(
                db,
                panel,
                s.catalog_refresh_seconds,
                on_report=alerts.catalog_reporter(db, panel, s),
            ),
        )
        core = self.dispatcher["i18n_middleware"].core
        sender = Sender(self.bot, db, core, s)
        poller = Poller(
            db,
            panel,
            notices=self.notices,
            config=PollerConfig(interval=s.poll_interval_seconds),
            on_enqueued=sender.wake,  # a status notification goes out at once
            on_report=self.metrics.poll_cycle,
        )
        self.metrics.watch_sender(sender)
        supervisor.start("outbox-sender", sender.run)
        supervisor.start("order-poller", poller.run)
        self._sender = sender
        self.wake_sender.connect(sender.wake)
        # Always on, also without STARS_RATE: invoices sent before it was unset can still be paid.
        reconciler = StarsReconciler(
            db,
            self.payments,
            star_transactions(self.bot),
            s.payments_reconcile_seconds,
            on_enqueued=sender.wake,
        )
        supervisor.start("stars-reconcile", reconciler.run)
        if self.cryptopay is not None:
            crypto = CryptoPoller(db, self.cryptopay, self.payments, on_enqueued=sender.wake)
            supervisor.start("cryptopay-poll", crypto.run)
        if s.backup_dir is not None and db.dialect == "sqlite":
            backup_dir, keep = s.backup_dir, s.backup_keep
            supervisor.start("daily-backup", lambda: backup_loop(db, backup_dir, keep))

    async def _announce(self) -> None:
        """What Telegram is told once per leader: the command menus and, in webhook mode,
        where to post updates (never dropping pending ones: they are the customers')."""
        try:
            await set_commands(self.bot, self.settings, self.dispatcher["i18n_middleware"].core)
        except Exception:
            log.exception("could not set the command menus")
        s = self.settings
        if s.webhook_url is None or s.webhook_secret is None:
            return
        try:
            await self.bot.set_webhook(
                url=s.webhook_url,
                secret_token=s.webhook_secret.get_secret_value(),
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
            log.info("webhook set")
        except TelegramAPIError as exc:
            log.error("could not set the webhook: %s", exc.message)
