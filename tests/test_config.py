from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.conftest import TEST_KEY, TEST_TOKEN


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    base = {
        "BOT_TOKEN": TEST_TOKEN,
        "PANEL_API_KEY": TEST_KEY,
        "ADMIN_CHAT_ID": "-100123",
    }
    base.update(values)
    for name, value in base.items():
        monkeypatch.setenv(name, value)


def test_defaults_and_folder_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _env(monkeypatch, DATABASE_PATH=str(tmp_path / "deep" / "dir" / "bot.sqlite3"))
    settings = load_settings()
    assert settings.bot_api_url == "https://api.telegram.org"
    assert settings.panel_api_url == "https://worldsmartsmm.com/api/v3"
    assert settings.default_language == "en"
    assert settings.markup_percent == Decimal(0)
    assert settings.catalog_refresh_seconds == 1800
    assert settings.admin_ids == []
    assert (tmp_path / "deep" / "dir").is_dir()


def test_admin_ids_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, ADMIN_IDS="11, 22,33", MARKUP_PERCENT="12.5")
    settings = load_settings()
    assert settings.admin_ids == [11, 22, 33]
    assert settings.markup_percent == Decimal("12.5")


def test_missing_settings_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings()
    problems = info.value.problems
    assert sorted(p.split(":")[0] for p in problems) == [
        "ADMIN_CHAT_ID",
        "BOT_TOKEN",
        "PANEL_API_KEY",
    ]
    assert all("required" in p for p in problems)


def test_invalid_values_named_and_secrets_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    secret_token = "not-a-token-SECRETVALUE"
    _env(
        monkeypatch,
        BOT_TOKEN=secret_token,
        ADMIN_CHAT_ID="group",
        DEFAULT_LANGUAGE="de",
        BOT_API_URL="ftp://x",
        POLL_INTERVAL_SECONDS="0",
    )
    with pytest.raises(SettingsError) as info:
        load_settings()
    text = str(info.value)
    names = {p.split(":")[0] for p in info.value.problems}
    assert names == {
        "BOT_TOKEN",
        "ADMIN_CHAT_ID",
        "DEFAULT_LANGUAGE",
        "BOT_API_URL",
        "POLL_INTERVAL_SECONDS",
    }
    assert secret_token not in text
    assert "SECRETVALUE" not in text


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={TEST_TOKEN}\nPANEL_API_KEY={TEST_KEY}\nADMIN_CHAT_ID=-5\nDEFAULT_LANGUAGE=ru\n"
    )
    settings = load_settings()
    assert settings.default_language == "ru"
    assert settings.admin_chat_id == -5
    assert settings.panel_api_key.get_secret_value() == TEST_KEY
    assert TEST_KEY not in repr(settings)
