"""What several replicas share: the settings of webhook mode and Redis, the FSM in Redis
with a TTL (a dialog begun on one replica continues on another), the per-user lock in Redis,
the update-id guard (an update delivered twice is handled once) and the flood limit."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

from bot.config import Settings, SettingsError, load_settings
from bot.db import Database
from bot.fsm_storage import SQLiteStorage
from bot.ratelimit import FLOOD_LIMIT, FloodLimiter, RedisFloodLimiter
from bot.replicas import flood_limiter, make_fsm, update_guard
from bot.states import OrderDialog
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness
from tests.helpers import ADMIN_CHAT, TEST_KEY, TEST_TOKEN, shown

SECRET = "s3cret-webhook-token-0123"
KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


def _settings(**extra: Any) -> Settings:
    return load_settings(
        bot_token=TEST_TOKEN,
        panel_api_url="http://127.0.0.1:9",
        panel_api_key=TEST_KEY,
        admin_chat_id=ADMIN_CHAT,
        **extra,
    )


# ---------------------------------------------------------------- settings


def test_webhook_settings() -> None:
    s = _settings(webhook_url="https://bot.example.com/tg/hook", webhook_secret=SECRET)
    assert s.webhook_path == "/tg/hook"
    assert s.listen_address == ("0.0.0.0", 8080)
    s = _settings(
        webhook_url="https://bot.example.com/", webhook_secret=SECRET, webhook_listen="[::]:9000"
    )
    assert (s.webhook_path, s.listen_address) == ("/", ("::", 9000))
    assert _settings(http_listen=" :9100 ").http_address == ("0.0.0.0", 9100)
    assert _settings(http_listen="[::1]:0").http_address == ("::1", 0)  # 0: any free port
    assert _settings(webhook_url="", redis_url="").webhook_url is None  # blank: unset


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"webhook_url": "https://bot.example.com/tg"}, "WEBHOOK_SECRET is required"),
        ({"webhook_url": "http://bot.example.com/tg", "webhook_secret": SECRET}, "WEBHOOK_URL"),
        ({"webhook_url": "https://bot.example.com/tg", "webhook_secret": "short"}, "16-256"),
        ({"webhook_url": "https://x.test/a", "webhook_secret": SECRET + "!"}, "WEBHOOK_SECRET"),
        ({"webhook_listen": "8080"}, "WEBHOOK_LISTEN"),
        ({"webhook_listen": "0.0.0.0:99999"}, "WEBHOOK_LISTEN"),
        ({"webhook_listen": ":8080"}, "WEBHOOK_LISTEN"),  # the webhook names its host
        ({"webhook_listen": "0.0.0.0:0"}, "WEBHOOK_LISTEN"),  # Telegram needs a known port
        ({"http_listen": "8080"}, "HTTP_LISTEN"),
        ({"http_listen": "127.0.0.1:port"}, "HTTP_LISTEN"),
        ({"redis_url": "localhost:6379"}, "REDIS_URL"),
        ({"leader_timeout": 4}, "LEADER_TIMEOUT"),
        ({"fsm_ttl_seconds": 10}, "FSM_TTL_SECONDS"),
    ],
)
def test_bad_replica_settings_say_which_and_never_the_value(
    values: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        _settings(**values)
    text = "\n".join(caught.value.problems)
    assert problem in text
    assert SECRET not in text


async def test_without_redis_the_fsm_is_in_the_database(db: Database) -> None:
    settings = _settings()
    storage, isolation = make_fsm(settings, db)
    assert isinstance(storage, SQLiteStorage)
    assert not isinstance(isolation, RedisEventIsolation)
    assert update_guard(settings, storage) is None


# ---------------------------------------------------------------- Redis


async def test_redis_fsm_is_shared_and_forgets_abandoned_dialogs(
    db: Database, redis_prefix: str
) -> None:
    settings = _settings(
        redis_url=os.environ["TEST_REDIS_URL"], redis_prefix=redis_prefix, fsm_ttl_seconds=3600
    )
    first, isolation = make_fsm(settings, db)
    second, _ = make_fsm(settings, db)  # another replica
    assert isinstance(first, RedisStorage) and isinstance(isolation, RedisEventIsolation)
    assert isinstance(second, RedisStorage)
    try:
        await first.set_state(KEY, OrderDialog.quantity)
        await first.set_data(KEY, {"service": "2", "link": "https://x.test/p"})
        assert await second.get_state(KEY) == OrderDialog.quantity.state
        assert await second.get_data(KEY) == {"service": "2", "link": "https://x.test/p"}
        keys = [k async for k in first.redis.scan_iter(match=f"{redis_prefix}:*")]
        assert len(keys) == 2  # state and data, under this bot's prefix only
        for key in keys:
            assert 0 < await first.redis.ttl(key) <= 3600
    finally:
        await first.close()
        await second.close()


async def test_the_same_update_twice_is_handled_once(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, redis_prefix: str
) -> None:
    h = BotHarness(
        tmp_path,
        fake_tg,
        fake_panel,
        redis_url=os.environ["TEST_REDIS_URL"],
        redis_prefix=redis_prefix,
    )
    await h.start()
    try:
        update = fake_tg.make_update(message=fake_tg.make_message("/start", user_id=1001))
        first = await h.send_message(update)
        again = await h.send_message(update)  # Telegram retried, to another replica
        assert shown(first) and not shown(again)
        other = await h.send("/start")  # a new update from the same user is answered
        assert shown(other)
        assert not h.errors
    finally:
        await h.stop()


async def test_the_flood_limit_is_counted_across_replicas(db: Database, redis_prefix: str) -> None:
    """A user's updates spread over two replicas count together: the one past the limit is
    answered "slow down" once, by whichever replica gets it; both then drop the user's
    updates until the window has passed; another user is not held back."""
    settings = _settings(redis_url=os.environ["TEST_REDIS_URL"], redis_prefix=redis_prefix)
    assert isinstance(flood_limiter(_settings(), SQLiteStorage(db)), FloodLimiter)
    storages = [make_fsm(settings, db)[0] for _ in range(2)]
    try:
        replicas = [flood_limiter(settings, storage) for storage in storages]
        assert all(isinstance(r, RedisFloodLimiter) for r in replicas)
        for r in replicas:
            r.window = 1.0
        verdicts = [await replicas[i % 2].verdict(7) for i in range(FLOOD_LIMIT)]
        assert verdicts == ["ok"] * FLOOD_LIMIT
        assert await replicas[0].verdict(7) == "warn"
        assert [await r.verdict(7) for r in replicas * 2] == ["drop"] * 4
        assert await replicas[1].verdict(8) == "ok"
        await asyncio.sleep(1.1)  # Redis expires the mute and the counts
        assert await replicas[1].verdict(7) == "ok"
        keys = [k async for k in storages[0].redis.scan_iter(match=f"{redis_prefix}:*")]
        ttls = [await storages[0].redis.pttl(key) for key in keys]
        assert ttls and all(0 < ttl <= 1000 for ttl in ttls), ttls  # nothing kept for good
    finally:
        for storage in storages:
            await storage.close()


async def test_an_unreachable_redis_lets_updates_through(
    redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    try:
        limiter = RedisFloodLimiter(redis, redis_prefix, limit=1)
        with caplog.at_level(logging.WARNING, logger="bot.ratelimit"):
            assert [await limiter.verdict(7) for _ in range(3)] == ["ok"] * 3
        assert "flood limit not checked for user 7" in caplog.text
    finally:
        await redis.aclose()


async def test_a_flood_is_answered_once_through_redis(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, redis_prefix: str
) -> None:
    h = BotHarness(
        tmp_path, fake_tg, fake_panel, redis_url=os.environ["TEST_REDIS_URL"],
        redis_prefix=redis_prefix,
    )  # fmt: skip
    await h.start()
    try:
        assert isinstance(h.dp["flood"], RedisFloodLimiter)
        h.dp["flood"].limit = 3
        for _ in range(3):
            assert shown(await h.send("/help", 1001))
        warned = await h.send("/help", 1001)
        assert any("slow down" in (c.text or "") for c in warned)
        assert await h.send("/help", 1001) == []
        assert shown(await h.send("/help", 1002))
        assert not h.errors
    finally:
        await h.stop()


def test_compose_file_names_only_documented_settings() -> None:
    """compose.yaml (no compose engine on CI to run it): every `${NAME}` it reads from .env is
    documented in .env.example, and every setting it gives the bot is one the bot knows."""
    root = Path(__file__).resolve().parents[1]
    compose = (root / "compose.yaml").read_text(encoding="utf-8")
    example = (root / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose))
    assert used and used <= documented, used - documented
    bot_block = compose.split("\n  bot:\n", 1)[1].split("\n  postgres:\n", 1)[0]
    environment = bot_block.split("environment:\n", 1)[1].split("\n    expose:", 1)[0]
    given = set(re.findall(r"^\s+([A-Z][A-Z0-9_]+):", environment, re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert given == {"DATABASE_URL", "REDIS_URL", "WEBHOOK_URL", "WEBHOOK_LISTEN"}
    assert given <= fields
