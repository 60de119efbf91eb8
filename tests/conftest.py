"""Fixtures every test file may ask for: a clean environment, a real SQLite file, the fake
panel / Bot API / Crypto Pay servers and real clients of them, the settings, the poller, the
whole bot (`harness`). Helpers that are not fixtures are in tests/helpers.py."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.db import Database
from bot.panel import PanelClient
from bot.payments.cryptopay import CryptoPayClient
from bot.services.orders.poller import Poller, PollerConfig
from tests.fakes.cryptopay import FakeCryptoPay
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness

# Older test files import these from here; tests/helpers.py is where they live.
from tests.helpers import (  # noqa: F401
    ADMIN_CHAT,
    NO_POSTGRES,
    NOTICES,
    TEST_DATABASE_URL,
    TEST_KEY,
    TEST_TOKEN,
    add_user,
    make_notices,
    postgres_schema,
)

BACKENDS = ("sqlite", "postgresql")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line saying how many PostgreSQL variants were skipped and why (a plain
    `python -m pytest` without TEST_DATABASE_URL), so a green run never hides it."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if NO_POSTGRES in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} [postgresql] test variant(s) skipped: {NO_POSTGRES}"
            " (set it to postgresql://... to run them)",
            yellow=True,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "panel_client(**options): PanelClient options of the `panel_client` fixture"
        " (timeouts, retries) for a test or, as `pytestmark`, a module",
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings come only from what a test sets: no .env, no developer environment."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "BOT_TOKEN",
        "BOT_API_URL",
        "PANEL_API_URL",
        "PANEL_API_KEY",
        "ADMIN_CHAT_ID",
        "ADMIN_IDS",
        "DATABASE_PATH",
        "DATABASE_URL",
        "DEFAULT_LANGUAGE",
        "MARKUP_PERCENT",
        "STARS_RATE",
        "TOPUP_MIN",
        "TOPUP_MAX",
        "TOPUP_PRESETS",
        "CRYPTO_PAY_TOKEN",
        "CRYPTO_PAY_ASSETS",
        "CRYPTO_PAY_API_URL",
        "PAYMENTS_RECONCILE_SECONDS",
        "SUPPORT_CONTACT",
        "HTTP_LISTEN",
        "LOG_FORMAT",
        "BACKUP_DIR",
        "BACKUP_KEEP",
        "DATABASE_URL",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_LISTEN",
        "REDIS_URL",
        "REDIS_PREFIX",
        "FSM_TTL_SECONDS",
        "LEADER_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The defaults with only the required values set (a test may change a field). The
    services are handed `db`; nothing opens the database path named here."""
    return load_settings(
        bot_token=TEST_TOKEN,
        panel_api_url="http://127.0.0.1:9",
        panel_api_key=TEST_KEY,
        admin_chat_id=ADMIN_CHAT,
        database_path=tmp_path / "unused.sqlite3",
    )


@pytest.fixture(params=BACKENDS)
async def database_target(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Path | str]:
    """What the test's database is: a SQLite file ([sqlite]) or a fresh PostgreSQL schema
    ([postgresql], skipped without TEST_DATABASE_URL). Every test that touches the
    database runs once per engine through this fixture (`db`, `harness`...)."""
    if request.param == "sqlite":
        yield tmp_path / "test.sqlite3"
        return
    if not TEST_DATABASE_URL:
        pytest.skip(NO_POSTGRES)
    async with postgres_schema() as url:
        yield url


@pytest.fixture
async def db(database_target: Path | str) -> AsyncIterator[Database]:
    database = Database(database_target)
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite database only, for what only SQLite has (its search index, the dialog cache)."""
    database = Database(tmp_path / "sqlite-only.sqlite3")
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def fake_panel() -> AsyncIterator[FakePanel]:
    panel = FakePanel()
    await panel.start()
    try:
        yield panel
    finally:
        await panel.stop()


@pytest.fixture
async def panel_client(
    request: pytest.FixtureRequest, fake_panel: FakePanel
) -> AsyncIterator[PanelClient]:
    """A PanelClient of `fake_panel` that gives up quickly and does not wait between
    retries; `@pytest.mark.panel_client(read_timeout=0.3, retries=0)` changes its options."""
    options: dict[str, Any] = {"connect_timeout": 1, "read_timeout": 2, "backoff": 0}
    marker = request.node.get_closest_marker("panel_client")
    if marker is not None:
        options.update(marker.kwargs)
    async with PanelClient(fake_panel.url, fake_panel.key, **options) as client:
        yield client


@pytest.fixture
def poller(db: Database, panel_client: PanelClient) -> Poller:
    """The order poller on `db` and `panel_client`; a test runs it with `poll_once`."""
    return Poller(db, panel_client, notices=NOTICES, config=PollerConfig(interval=60))


@pytest.fixture
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    tg = FakeTelegram()
    await tg.start()
    try:
        yield tg
    finally:
        await tg.stop()


@pytest.fixture
async def fake_cryptopay() -> AsyncIterator[FakeCryptoPay]:
    async with FakeCryptoPay() as fake:
        yield fake


@pytest.fixture
async def cryptopay_client(fake_cryptopay: FakeCryptoPay) -> AsyncIterator[CryptoPayClient]:
    async with CryptoPayClient(
        fake_cryptopay.token, fake_cryptopay.url, backoff=0, read_timeout=2
    ) as client:
        yield client


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of its own on TEST_REDIS_URL's Redis (skipped without it); every key
    under it is deleted afterwards."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (Redis)")
    from redis.asyncio import Redis

    prefix = f"test-{secrets.token_hex(6)}"
    yield prefix
    redis = Redis.from_url(url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.fixture
def fsm_backend(request: pytest.FixtureRequest, database_target: Path | str) -> dict[str, Any]:
    """Where the FSM is, paired as deployed: with SQLite in the database (one process); with
    PostgreSQL in Redis (replicas) when TEST_REDIS_URL is set. A test that asks for it next
    to `database_target` runs its dialogs on both, at no extra run."""
    if isinstance(database_target, Path) or not os.environ.get("TEST_REDIS_URL"):
        return {}
    prefix = request.getfixturevalue("redis_prefix")
    return {"redis_url": os.environ["TEST_REDIS_URL"], "redis_prefix": prefix}


@pytest.fixture
async def harness(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, database_target: Path | str
) -> AsyncIterator[BotHarness]:
    h = BotHarness(tmp_path, fake_tg, fake_panel, database=database_target)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


@pytest.fixture
async def h_ref(harness: BotHarness) -> BotHarness:
    """The harness with an inviter who has opened the bot (referrals, promo codes)."""
    await harness.send("/start", 2001)
    return harness
