"""What replicas share through Redis (REDIS_URL): the FSM (a dialog begun on one replica
continues on another), the per-user lock (one user's updates are handled one at a time
across replicas), the update-id guard (an update delivered twice is handled once) and the
flood limit's counts. Without REDIS_URL: the FSM in the database, an in-process lock and
in-memory counts, as with one process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import TelegramObject, Update

from bot.config import Settings
from bot.db import Database
from bot.fsm_storage import SQLiteStorage
from bot.ratelimit import Flood, FloodLimiter, RedisFloodLimiter

log = logging.getLogger(__name__)

# Telegram keeps an undelivered update for 24 hours: a repeat cannot come later than that.
UPDATE_SEEN_TTL = 86400


def make_fsm(settings: Settings, db: Database) -> tuple[BaseStorage, BaseEventIsolation]:
    if settings.redis_url is None:
        return SQLiteStorage(db), SimpleEventIsolation()
    # imported here: one process without Redis does not pay for loading the client
    from aiogram.fsm.storage.redis import RedisStorage
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url.get_secret_value())
    storage = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(prefix=f"{settings.redis_prefix}:fsm", with_destiny=True),
        # an abandoned dialog's state and answers go after this long
        state_ttl=settings.fsm_ttl_seconds,
        data_ttl=settings.fsm_ttl_seconds,
    )
    return storage, storage.create_isolation()


def update_guard(settings: Settings, storage: BaseStorage) -> UpdateGuard | None:
    redis = getattr(storage, "redis", None)  # RedisStorage's client
    if redis is None:
        return None  # one process: Telegram delivers each update to it once
    return UpdateGuard(redis, settings.redis_prefix)


def flood_limiter(settings: Settings, storage: BaseStorage) -> Flood:
    redis = getattr(storage, "redis", None)  # RedisStorage's client
    if redis is None:
        return FloodLimiter()
    return RedisFloodLimiter(redis, settings.redis_prefix)


class UpdateGuard(BaseMiddleware):
    """Telegram re-sends an update it got no 200 for, possibly to another replica, and
    aiogram does not remember update ids: the first replica to claim the id in Redis
    (SET NX) handles it, any other drops it. (What changes money is idempotent anyway:
    this keeps the customer from seeing a screen twice.)"""

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            bot = data.get("bot")
            key = f"{self.prefix}:update:{bot.id if bot else 0}:{event.update_id}"
            if not await self.redis.set(key, 1, nx=True, ex=UPDATE_SEEN_TTL):
                log.info("update %s was handled already (a repeat): skipped", event.update_id)
                return None
        return await handler(event, data)
