from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.helpers import TEST_KEY, TEST_TOKEN


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


PAYMENT_VARS = (
    "STARS_RATE",
    "TOPUP_MIN",
    "TOPUP_MAX",
    "TOPUP_PRESETS",
    "CRYPTO_PAY_TOKEN",
    "CRYPTO_PAY_ASSETS",
    "CRYPTO_PAY_API_URL",
    "PAYMENTS_RECONCILE_SECONDS",
)


@pytest.fixture
def no_payment_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PAYMENT_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_payment_env")
def test_payment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch)
    settings = load_settings()
    assert settings.stars_rate is None and settings.stars_rate_micros is None
    assert settings.topup_min_micros == 1_000_000
    assert settings.topup_max_micros == 1_000_000_000
    assert settings.topup_presets_micros == [1_000_000, 5_000_000, 10_000_000, 25_000_000]
    assert settings.crypto_pay_token is None
    assert settings.crypto_pay_assets == ["USDT", "TON", "BTC"]
    assert settings.crypto_pay_api_url == "https://pay.crypt.bot/api"
    assert settings.payments_reconcile_seconds == 300


@pytest.mark.usefixtures("no_payment_env")
def test_payment_settings_exact_and_normalized(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "12345:AAzQcSECRETxyz"
    _env(
        monkeypatch,
        STARS_RATE="0.013",
        TOPUP_MIN="0.5",
        TOPUP_MAX="250.25",
        TOPUP_PRESETS="25, 1,5,5",
        CRYPTO_PAY_TOKEN=token,
        CRYPTO_PAY_ASSETS="usdt, TON",
        CRYPTO_PAY_API_URL="https://testnet-pay.crypt.bot/api/",
        PAYMENTS_RECONCILE_SECONDS="10",
    )
    settings = load_settings()
    assert settings.stars_rate == Decimal("0.013")
    assert settings.stars_rate_micros == 13_000  # exact: 0.013 * 10^6, no float on the way
    assert settings.topup_min_micros == 500_000
    assert settings.topup_max_micros == 250_250_000
    assert settings.topup_presets == [Decimal(1), Decimal(5), Decimal(25)]  # sorted, unique
    assert settings.crypto_pay_token is not None
    assert settings.crypto_pay_token.get_secret_value() == token
    assert token not in repr(settings)
    assert settings.crypto_pay_assets == ["USDT", "TON"]
    assert settings.crypto_pay_api_url == "https://testnet-pay.crypt.bot/api"
    assert settings.payments_reconcile_seconds == 10


@pytest.mark.usefixtures("no_payment_env")
def test_blank_payment_values_mean_off_or_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """`.env.example` ships with STARS_RATE= and CRYPTO_PAY_TOKEN= empty: both mean "off"."""
    _env(monkeypatch, STARS_RATE="", CRYPTO_PAY_TOKEN="  ", TOPUP_MIN="")
    settings = load_settings()
    assert settings.stars_rate is None
    assert settings.crypto_pay_token is None
    assert settings.topup_min == Decimal(1)


@pytest.mark.usefixtures("no_payment_env")
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STARS_RATE", "0", "positive"),
        ("STARS_RATE", "-0.01", "positive"),
        ("STARS_RATE", "0.0000001", "6 decimal"),
        ("STARS_RATE", "abc", "decimal"),
        ("STARS_RATE", "NaN", ""),
        ("TOPUP_MIN", "0", "positive"),
        ("TOPUP_MAX", "0.5", "below TOPUP_MIN"),
        ("TOPUP_MAX", "10000000000", "at most"),
        ("TOPUP_PRESETS", "1,0", "positive"),
        ("TOPUP_PRESETS", "1,2000", "outside TOPUP_MIN..TOPUP_MAX: 2000"),
        ("TOPUP_PRESETS", "1,2,3,4,5,6,7,8,9", "at most 8"),
        ("CRYPTO_PAY_ASSETS", "USDT,US DT", "not an asset code: US DT"),
        ("CRYPTO_PAY_ASSETS", " , ", "at least one"),
        ("CRYPTO_PAY_API_URL", "pay.crypt.bot", "URL"),
        ("PAYMENTS_RECONCILE_SECONDS", "9", "greater than or equal to 10"),
    ],
)
def test_bad_payment_value_is_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    _env(monkeypatch, **{name: value})
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert len(info.value.problems) == 1, info.value.problems
    [problem] = info.value.problems
    assert problem.startswith(f"{name}: ")
    assert message in problem


@pytest.mark.usefixtures("no_payment_env")
def test_bad_crypto_token_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "12345:AAz SECRETVALUE"
    _env(monkeypatch, CRYPTO_PAY_TOKEN=secret)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert [p.split(":")[0] for p in info.value.problems] == ["CRYPTO_PAY_TOKEN"]
    assert "SECRETVALUE" not in str(info.value)


@pytest.mark.usefixtures("no_payment_env")
def test_env_example_is_valid(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The shipped example, with the three required values filled in, starts as is."""
    example = Path(__file__).resolve().parent.parent / ".env.example"
    lines = example.read_text(encoding="utf-8").splitlines()
    filled = {"BOT_TOKEN": TEST_TOKEN, "PANEL_API_KEY": TEST_KEY, "ADMIN_CHAT_ID": "-100123"}
    text = "\n".join(
        f"{line.split('=')[0]}={filled[line.split('=')[0]]}"
        if line.split("=")[0] in filled
        else line
        for line in lines
    )
    (tmp_path / ".env").write_text(text + "\n", encoding="utf-8")
    settings = load_settings()
    assert settings.stars_rate is None and settings.crypto_pay_token is None
    assert settings.topup_presets_micros == [1_000_000, 5_000_000, 10_000_000, 25_000_000]
