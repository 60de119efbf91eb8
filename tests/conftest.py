from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.keyboards.admin import resolve_buttons
from bot.keyboards.order_requests import order_card_data
from bot.services.alerts import Notices
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness

TEST_TOKEN = "123456:TEST-token"
TEST_KEY = "test-key-5f1c2a"
ADMIN_CHAT = -1001234567890


def make_notices(admin_chat_id: int = ADMIN_CHAT, **overrides: object) -> Notices:
    """What the app hands the order services (bot.app.make_notices), for tests without it."""
    values: dict[str, object] = {
        "admin_chat_id": admin_chat_id,
        "order_button": order_card_data,
        "resolve_buttons": resolve_buttons,
    }
    values.update(overrides)
    return Notices(**values)  # type: ignore[arg-type]


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
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "test.sqlite3")
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


async def add_user(db: Database, user_id: int = 1001, *, balance: int = 0, **extra: object) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO users (id, username, first_name, language, tg_language, first_seen,"
            " last_seen) VALUES (?, ?, ?, ?, ?, 0, 0)",
            (
                user_id,
                extra.get("username", f"user{user_id}"),
                extra.get("first_name", "Test"),
                extra.get("language"),
                extra.get("tg_language", "en"),
            ),
        )
    if balance:
        from bot.services import wallet

        await wallet.top_up(db, user_id, balance, ref=f"test:seed:{user_id}")


@pytest.fixture
async def fake_panel() -> AsyncIterator[FakePanel]:
    panel = FakePanel()
    await panel.start()
    try:
        yield panel
    finally:
        await panel.stop()


@pytest.fixture
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    tg = FakeTelegram()
    await tg.start()
    try:
        yield tg
    finally:
        await tg.stop()


@pytest.fixture
async def harness(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    h = BotHarness(tmp_path, fake_tg, fake_panel)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
