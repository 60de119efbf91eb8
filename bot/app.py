"""Builds the application: bot, dispatcher, middlewares, routers and background work.

Long-lived objects reach handlers through the dispatcher's workflow data (`AppData`);
the user row reaches them through `UserMiddleware`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from pathlib import Path
from typing import Any, TypedDict

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import (
    CallbackQuery,
    ErrorEvent,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram_i18n import I18nContext

from bot.background import ELECTION_TASK, LeaderWork, SenderWake
from bot.config import Settings, TelegramSettings
from bot.db import Database
from bot.handlers import get_routers
from bot.handlers.gates import inline_sync_filters
from bot.health import HEARTBEAT_EVERY, Beat, heartbeat_file
from bot.http_session import BotSession
from bot.i18n import make_i18n_middleware
from bot.keyboards.admin import resolve_buttons
from bot.keyboards.order_requests import order_card_data
from bot.leader import Leader, make_leader
from bot.lifecycle import Lifecycle, wait_in_flight
from bot.metrics import Metrics
from bot.middlewares.banned import BannedMiddleware
from bot.middlewares.flood import FloodMiddleware
from bot.middlewares.observe import ObserveMiddleware
from bot.middlewares.pre_checkout import PreCheckoutMiddleware
from bot.middlewares.user import UserMiddleware
from bot.ops_http import (
    OpsEndpoints,
    OpsServer,
    PanelCheck,
    Readiness,
    database_check,
    redis_check,
)
from bot.panel import PanelClient
from bot.payments.cryptopay import CryptoPayClient
from bot.payments.models import PaymentConfig
from bot.ratelimit import Cooldown, Flood
from bot.replicas import flood_limiter, make_fsm, update_guard
from bot.services import referrals
from bot.services.alerts import Notices
from bot.tasks import Supervisor
from bot.texts import ShopCore

log = logging.getLogger(__name__)


class AppData(TypedDict):
    settings: Settings
    db: Database
    panel: PanelClient
    supervisor: Supervisor
    lifecycle: Lifecycle
    notices: Notices
    payments: PaymentConfig
    cryptopay: CryptoPayClient | None  # None: Crypto Pay is off (no CRYPTO_PAY_TOKEN)
    wake_sender: SenderWake
    # bot/ratelimit.py: the cooldown per process, the flood limit in Redis with REDIS_URL
    refresh_cooldown: Cooldown  # Refresh of one order by one user: once per few seconds
    flood: Flood  # updates per user (bot/middlewares/flood.py)
    metrics: Metrics  # /metrics (bot/metrics.py), one registry per app
    beat: Beat  # the heartbeat in memory: /healthz
    ops: OpsEndpoints  # /healthz, /readyz, /metrics (bot/ops_http.py)
    ops_server: OpsServer  # their own port when HTTP_LISTEN is set
    leader: Leader  # who runs the background work (bot/leader.py)


def create_bot(settings: TelegramSettings, session: AiohttpSession | None = None) -> Bot:
    session = session or BotSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=None, link_preview_is_disabled=True),
    )


def create_panel(settings: Settings, retries: int = 3) -> PanelClient:
    return PanelClient(
        settings.panel_api_url,
        settings.panel_api_key.get_secret_value(),
        connect_timeout=settings.panel_connect_timeout,
        read_timeout=settings.panel_read_timeout,
        total_timeout=settings.panel_total_timeout,
        retries=retries,
    )


def create_cryptopay(settings: Settings) -> CryptoPayClient | None:
    if settings.crypto_pay_token is None:
        return None
    return CryptoPayClient(
        settings.crypto_pay_token.get_secret_value(),
        settings.crypto_pay_api_url,
        connect_timeout=settings.panel_connect_timeout,
        read_timeout=min(settings.panel_read_timeout, 20),
    )


def make_notices(settings: Settings) -> Notices:
    """Where the order services send news, and the Telegram buttons it carries."""
    return Notices(
        admin_chat_id=settings.admin_chat_id,
        order_button=order_card_data,
        resolve_buttons=resolve_buttons,
        admin_lang=settings.default_language,
    )


def build_dispatcher(
    settings: Settings,
    db: Database,
    panel: PanelClient,
    supervisor: Supervisor | None = None,
    lifecycle: Lifecycle | None = None,
    leader: Leader | None = None,
    texts: ShopCore | None = None,
) -> Dispatcher:
    """`texts`: the bot's texts loaded beforehand (`texts.load_texts`), else the dispatcher's
    start-up loads them."""
    supervisor = supervisor or Supervisor()
    metrics = Metrics(db)  # one process on SQLite: the leader
    panel.observer = metrics.panel_request
    storage, isolation = make_fsm(settings, db)
    ops = OpsEndpoints(Beat(), make_readiness(db, panel, storage), metrics)
    data: AppData = {
        "settings": settings,
        "db": db,
        "panel": panel,
        "supervisor": supervisor,
        "lifecycle": lifecycle or Lifecycle(settings.stop_timeout),
        "notices": make_notices(settings),
        "payments": PaymentConfig.from_settings(settings),
        "cryptopay": create_cryptopay(settings),
        "wake_sender": SenderWake(),
        "refresh_cooldown": Cooldown(),
        "flood": flood_limiter(settings, storage),
        "metrics": metrics,
        "beat": ops.beat,
        "ops": ops,
        "ops_server": OpsServer(ops),
        "leader": leader
        or make_leader(db.dialect, _database_url(settings), settings.leader_timeout),
    }
    dp = Dispatcher(storage=storage, events_isolation=isolation, **data)
    # Outermost: times the whole handling and sets the log context for everything after it;
    # then the guard against a repeated update (Redis), then aiogram's own (registered in
    # Dispatcher.__init__: taken out and put back after ours).
    registered = list(dp.update.outer_middleware)
    for middleware in registered:
        dp.update.outer_middleware.unregister(middleware)
    dp.update.outer_middleware(ObserveMiddleware(metrics))
    guard = update_guard(settings, storage)
    if guard is not None:  # a repeated update goes no further
        dp.update.outer_middleware(guard)
    for middleware in registered:
        dp.update.outer_middleware(middleware)
    i18n = make_i18n_middleware(settings.default_language, core=texts)
    # Pre-checkout queries are answered before the FSM middleware takes the user's lock
    # (bot/middlewares/pre_checkout.py): aiogram registered it in Dispatcher.__init__, so
    # it is taken out and put back after ours.
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(
        PreCheckoutMiddleware(
            db, data["payments"], i18n.core, settings.default_language, settings.support_contact
        )
    )
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(UserMiddleware(db))
    i18n.setup(dispatcher=dp)
    dp.update.outer_middleware(FloodMiddleware(data["flood"]))
    dp.update.outer_middleware(BannedMiddleware())
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(*get_routers(settings))
    dp.errors.register(on_error)
    inline_sync_filters(dp)
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    # aiogram registered its own FSM close first; updates in flight still use the FSM
    # storage, so waiting for them must come before it.
    dp.shutdown.handlers.insert(0, dp.shutdown.handlers.pop())
    return dp


def make_readiness(db: Database, panel: PanelClient, storage: BaseStorage) -> Readiness:
    """What /readyz asks: the database, the panel and, with REDIS_URL, Redis."""
    readiness = Readiness()
    readiness.add("database", database_check(db))
    readiness.add("panel", PanelCheck(db, panel))
    redis = getattr(storage, "redis", None)  # RedisStorage's client
    if redis is not None:
        readiness.add("redis", redis_check(redis))
    return readiness


def _served_by_webhook(settings: Settings) -> bool:
    """In webhook mode the webhook server serves /healthz, /readyz and /metrics itself
    (bot/webhook.py): HTTP_LISTEN on the same address would be a second server there."""
    return settings.webhook_url is not None and settings.http_address == settings.listen_address


def _database_url(settings: Settings) -> str | None:
    """DATABASE_URL: the leader election opens its own connection from it."""
    return settings.database_url.get_secret_value() if settings.database_url else None


def heartbeat_path(settings: Settings) -> Path:
    return heartbeat_file(settings.database_path)


async def heartbeat(path: Path, beat: Beat | None = None) -> None:
    """Touches a file while the bot runs (the container's HEALTHCHECK reads its age) and
    the in-memory beat /healthz reads. The folder is made here: on PostgreSQL nothing else
    creates DATABASE_PATH's folder."""
    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
    while True:
        await asyncio.to_thread(path.write_text, str(int(time.time())))
        if beat is not None:
            beat.touch()
        await asyncio.sleep(HEARTBEAT_EVERY)


async def on_startup(
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
    metrics: Metrics,
    beat: Beat,
    ops_server: OpsServer,
    leader: Leader,
) -> None:
    """Every replica beats its heart and serves /healthz; the leader's work
    (bot/background.py) starts here with one process, and when this replica is elected
    with several."""
    await referrals.store_default(db, settings.referral_percent)  # /referral overrides it
    supervisor.start("heartbeat", lambda: heartbeat(heartbeat_path(settings), beat))
    if settings.http_address is not None and not _served_by_webhook(settings):
        await ops_server.start(*settings.http_address)
    work = LeaderWork(
        bot=bot,
        dispatcher=dispatcher,
        settings=settings,
        supervisor=supervisor,
        db=db,
        panel=panel,
        notices=notices,
        payments=payments,
        cryptopay=cryptopay,
        wake_sender=wake_sender,
        solo=leader.solo,
        metrics=metrics,
    )
    if leader.solo:
        # before any update is taken: settle what a killed process left half done
        await work.elected()
    else:
        metrics.leader.set(0)
        supervisor.start(ELECTION_TASK, lambda: leader.run(work.elected, work.deposed))
    # What start-up built (modules, routers, pydantic schemas, texts) lives as long as the
    # process: out of the garbage collector's sight, a full collection walks only what the
    # updates made. Measured: 3 full collections of 180-210 ms each in 2,400 updates with a
    # 10k-service catalog, 140 ms at most after. on_shutdown gives them back.
    gc.collect()
    gc.freeze()


async def on_shutdown(
    dispatcher: Dispatcher,
    supervisor: Supervisor,
    lifecycle: Lifecycle,
    cryptopay: CryptoPayClient | None,
    ops_server: OpsServer,
    settings: Settings,
) -> None:
    # aiogram keeps the updates it is handling (as tasks) in this set; polling has stopped,
    # they have not: an order being placed must finish and be recorded.
    await wait_in_flight(dispatcher._handle_update_tasks, lifecycle.remaining(share=0.6))
    # A leader stops its loops (the sender's last sends) before it lets go of the lock:
    # another replica must not start sending while this one still is.
    await supervisor.stop_tasks([ELECTION_TASK], within=lifecycle.remaining(share=0.9))
    await supervisor.stop(within=lifecycle.remaining())
    # Stopped: `python -m bot restore` may go ahead at once (it refuses while this is fresh).
    heartbeat_path(settings).unlink(missing_ok=True)
    if cryptopay is not None:
        await cryptopay.close()
    await ops_server.stop()  # last: /healthz answers while updates in flight finish
    gc.unfreeze()  # what on_startup froze can be collected again (a restart in place, tests)


async def on_error(event: ErrorEvent, **data: Any) -> None:
    metrics: Metrics | None = data.get("metrics")
    if metrics is not None:
        metrics.update_errors.labels(event.update.event_type).inc()
    log.error(
        "update %s failed: %r", event.update.update_id, event.exception, exc_info=event.exception
    )
    try:
        if (
            isinstance(event.update.message, Message)
            and event.update.message.chat.type == "private"
        ):
            await event.update.message.answer(_error_text(data))
        elif isinstance(event.update.callback_query, CallbackQuery):
            await _tell_presser(event.update.callback_query, _error_text(data))
    except TelegramForbiddenError as exc:
        # the user blocked the bot: nothing can reach them, and nothing is wrong with us
        log.info("could not tell the user about the error of update %s: %s",
                 event.update.update_id, exc.message)  # fmt: skip
    except Exception:
        log.exception("could not tell the user about the error")


def _error_text(data: dict[str, Any]) -> str:
    i18n: I18nContext | None = data.get("i18n")
    if i18n is not None:
        return i18n.get("error-generic")
    # The update failed before the i18n middleware ran (loading the user row, say): the
    # user's language is unknown, the default one still says something went wrong.
    dispatcher: Dispatcher = data["dispatcher"]
    settings: Settings = data["settings"]
    return str(dispatcher["i18n_middleware"].core.get("error-generic", settings.default_language))


async def _tell_presser(query: CallbackQuery, text: str) -> None:
    """An alert when the query is still unanswered; usually CallbackAnswerMiddleware has
    answered it already (after the failed handler), and Telegram refuses a second answer:
    then a message in the private chat the button was in."""
    try:
        await query.answer(text, show_alert=True)
        return
    except TelegramBadRequest:
        pass
    if query.message is not None and query.message.chat.type == "private":
        await query.message.answer(text)
