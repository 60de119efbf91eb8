from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.envfile import read_setting
from bot.health import DEFAULT_DATABASE_PATH, http_health
from tests.helpers import TEST_KEY, TEST_TOKEN

PANEL_URL = "https://panel.example/api/v2"


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    base = {
        "BOT_TOKEN": TEST_TOKEN,
        "PANEL_API_URL": PANEL_URL,
        "PANEL_API_KEY": TEST_KEY,
        "ADMIN_CHAT_ID": "-100123",
    }
    base.update(values)
    for name, value in base.items():
        monkeypatch.setenv(name, value)


def test_defaults_and_nothing_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Reading settings creates nothing (`check` must change nothing); the database's folder
    is made by Database.connect at start."""
    _env(monkeypatch, DATABASE_PATH=str(tmp_path / "deep" / "dir" / "bot.sqlite3"))
    settings = load_settings()
    assert settings.bot_api_url == "https://api.telegram.org"
    assert settings.panel_api_url == PANEL_URL
    assert settings.default_language == "en"
    assert settings.markup_percent == Decimal(0)
    assert settings.catalog_refresh_seconds == 1800
    assert settings.admin_ids == []
    assert not (tmp_path / "deep").exists()


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
        "PANEL_API_URL",  # no vendor default: another panel's address rejects every key
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
        f"BOT_TOKEN={TEST_TOKEN}\nPANEL_API_URL={PANEL_URL}\nPANEL_API_KEY={TEST_KEY}\n"
        "ADMIN_CHAT_ID=-5\nDEFAULT_LANGUAGE=ru\n"
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


REQUIRED = {
    "BOT_TOKEN": TEST_TOKEN,
    "PANEL_API_URL": PANEL_URL,
    "PANEL_API_KEY": TEST_KEY,
    "ADMIN_CHAT_ID": "-100123",
}


@pytest.mark.usefixtures("no_payment_env")
def test_env_example_is_valid(tmp_path: Path) -> None:
    """The shipped example, with the four required values the README names filled in,
    starts as is; it sets no DATABASE_PATH, so the container's /data path applies."""
    example = Path(__file__).resolve().parent.parent / ".env.example"
    lines = example.read_text(encoding="utf-8").splitlines()
    assigned = {line.split("=")[0]: line for line in lines if "=" in line and line[0] != "#"}
    empty = {name for name, line in assigned.items() if line == f"{name}="}
    assert set(REQUIRED) <= empty, "the example leaves the required values to fill in"
    assert "DATABASE_PATH" not in assigned
    readme = (example.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in REQUIRED)
    text = "\n".join(
        f"{line.split('=')[0]}={REQUIRED[line.split('=')[0]]}"
        if line.split("=")[0] in REQUIRED
        else line
        for line in lines
    )
    (tmp_path / ".env").write_text(text + "\n", encoding="utf-8")
    settings = load_settings()
    assert settings.database_path == Path(DEFAULT_DATABASE_PATH)
    assert settings.stars_rate is None and settings.crypto_pay_token is None
    assert settings.topup_presets_micros == [1_000_000, 5_000_000, 10_000_000, 25_000_000]


@pytest.mark.parametrize("value", ["1001234567890", "0", "42"])
def test_admin_chat_id_must_be_a_group(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    _env(monkeypatch, ADMIN_CHAT_ID=value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    [problem] = info.value.problems
    assert problem.startswith("ADMIN_CHAT_ID: must be the operators' group id, a negative")


def test_quoted_values_mean_the_same_in_env_and_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`docker run --env-file` keeps the quotes python-dotenv removes: both are accepted."""
    _env(
        monkeypatch,
        BOT_TOKEN=f'"{TEST_TOKEN}"',
        PANEL_API_URL=f"'{PANEL_URL}'",
        PANEL_API_KEY=f'"{TEST_KEY}"',
        ADMIN_CHAT_ID='"-100123"',
        DATABASE_PATH='"/data/bot.sqlite3"',
        ADMIN_IDS="'11,22'",
    )
    from_env = load_settings()
    for name in REQUIRED:
        monkeypatch.delenv(name)
    monkeypatch.delenv("DATABASE_PATH")
    monkeypatch.delenv("ADMIN_IDS")
    (tmp_path / ".env").write_text(
        "".join(f'{name}="{value}"\n' for name, value in REQUIRED.items())
        + "DATABASE_PATH='/data/bot.sqlite3'\nADMIN_IDS=\"11,22\"\n"
    )
    from_file = load_settings()
    for settings in (from_env, from_file):
        assert settings.bot_token.get_secret_value() == TEST_TOKEN
        assert settings.panel_api_url == PANEL_URL
        assert settings.panel_api_key.get_secret_value() == TEST_KEY
        assert settings.admin_chat_id == -100123
        assert settings.database_path == Path("/data/bot.sqlite3")
        assert settings.admin_ids == [11, 22]


def test_only_one_matching_pair_of_quotes_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, PANEL_API_KEY="\"key'", DATABASE_PATH="''x''")
    settings = load_settings()
    assert settings.panel_api_key.get_secret_value() == "\"key'"
    assert settings.database_path == Path("'x'")


# `python -m bot health` reads DATABASE_PATH without pydantic: it must find what the bot finds.
ENV_FILE_CASES = [
    "DATABASE_PATH=/a/b.sqlite3",
    'export DATABASE_PATH = "/a b/c.sqlite3"  # where it lives',
    "DATABASE_PATH='/a/b' # c",
    "database_path=/lower/case",
    "DATABASE_PATH=/a/b #comment",
    "DATABASE_PATH=/a/b#notcomment",
    "DATABASE_PATH=/first\nDATABASE_PATH=/second",
    'DATABASE_PATH="/a/\\"q\\"/b"',
    "DATABASE_PATH=${HOME}/x.sqlite3",
    "# DATABASE_PATH=/commented/out",
    "'DATABASE_PATH'=/quoted/key",
    "DATABASE_PATH= # empty",
    'DATABASE_PATH="/unclosed',
    "\ufeffDATABASE_PATH=/after/bom",
    "OTHER_DATABASE_PATH=/not/this",
]


@pytest.mark.parametrize("text", ENV_FILE_CASES)
def test_health_reads_the_env_file_as_the_bot_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str
) -> None:
    _env(monkeypatch)
    (tmp_path / ".env").write_text(text + "\n", encoding="utf-8")
    expected = load_settings().database_path
    assert Path(read_setting("DATABASE_PATH", DEFAULT_DATABASE_PATH)) == expected


@pytest.mark.parametrize("value", ["/from/env", '"/from/env"', "'/from/env'"])
def test_health_prefers_the_environment_as_the_bot_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    _env(monkeypatch, DATABASE_PATH=value)
    (tmp_path / ".env").write_text("DATABASE_PATH=/from/file\n")
    assert load_settings().database_path == Path("/from/env")
    assert read_setting("DATABASE_PATH", DEFAULT_DATABASE_PATH) == "/from/env"


def test_health_refuses_a_listen_address_the_bot_would_refuse(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The health check reads HTTP_LISTEN without loading the settings, with the same
    parser: a value the bot refuses is reported as such, not asked for as a URL."""
    _env(monkeypatch, HTTP_LISTEN="127.0.0.1:port")
    with pytest.raises(SettingsError):
        load_settings()
    assert http_health("127.0.0.1:port") == 1
    assert "HTTP_LISTEN='127.0.0.1:port': must be host:port" in capsys.readouterr().err
