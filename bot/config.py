"""Settings, read from the environment and an optional `.env` file.

Nothing here is read at import time: `load_settings()` is called by the entry point.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.envfile import unquote
from bot.health import DEFAULT_DATABASE_PATH, split_listen
from bot.money import MAX_AMOUNT, MICRO, to_micros

TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
SUPPORTED_LANGUAGES = ("en", "ru")
CRYPTO_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,200}$")
ASSET_RE = re.compile(r"^[A-Z0-9]{2,10}$")
SUPPORT_CONTACT_RE = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|https?://\S{3,200})$")
WEBHOOK_URL_RE = re.compile(r"^https://[^\s/?#]+/[^\s?#]*$")
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
MAX_PRESETS = 8  # one keyboard row each way fits; more is noise


def _http_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must be an http:// or https:// URL")
    return value


class TelegramSettings(BaseSettings):
    """What talking to Telegram needs: `python -m bot chats` runs with only these set."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
    )

    bot_token: SecretStr
    bot_api_url: str = "https://api.telegram.org"

    @model_validator(mode="before")
    @classmethod
    def _unquote(cls, data: object) -> object:
        # KEY="value" in `.env`: python-dotenv drops the quotes, `docker run --env-file`
        # keeps them. Both mean the same value.
        if isinstance(data, dict):
            return {k: unquote(v) if isinstance(v, str) else v for k, v in data.items()}
        return data

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must look like 123456:ABC... (the token from @BotFather)")
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _bot_api_url(cls, value: str) -> str:
        return _http_url(value)


class Settings(TelegramSettings):
    # No default: a shop's panel is its own (another panel's address rejects every key).
    panel_api_url: str
    panel_api_key: SecretStr
    admin_chat_id: int
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    database_path: Path = Path(DEFAULT_DATABASE_PATH)
    # Unset: SQLite at DATABASE_PATH. sqlite:///path: SQLite there. postgresql://...: PostgreSQL
    # (several replicas may share it). A secret: it may hold a password.
    database_url: SecretStr | None = None
    default_language: Literal["en", "ru"] = "en"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    panel_connect_timeout: float = Field(default=10.0, gt=0, le=120)
    panel_read_timeout: float = Field(default=30.0, gt=0, le=600)
    # Whole-answer deadline per request (a panel dripping bytes slowly); unset: connect + read.
    panel_total_timeout: float | None = Field(default=None, gt=0, le=900)
    catalog_refresh_seconds: int = Field(default=1800, ge=60)
    markup_percent: Decimal = Field(default=Decimal(0), ge=-99, le=10000)
    # what an inviter earns of their invited users' settled orders; 0 = off (/referral)
    referral_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)
    poll_interval_seconds: int = Field(default=60, ge=5)
    panel_low_balance: Decimal = Field(default=Decimal(0), ge=0)
    # On SIGTERM: seconds to let updates in flight and the sender finish before exiting.
    stop_timeout: float = Field(default=20.0, ge=1, le=300)
    # Mass order: at most this many panel `add` requests in flight at once for one list.
    mass_order_concurrency: int = Field(default=5, ge=1, le=50)

    # Payments. Amounts are in the shop (panel) currency; exact decimals, at most 6 places.
    stars_rate: Decimal | None = None  # value of one Telegram Star; unset = no Stars top-up
    topup_min: Decimal = Decimal(1)
    topup_max: Decimal = Decimal(1000)
    topup_presets: Annotated[list[Decimal], NoDecode] = Field(
        default_factory=lambda: [Decimal(1), Decimal(5), Decimal(10), Decimal(25)]
    )
    crypto_pay_token: SecretStr | None = None  # unset = no Crypto Pay
    crypto_pay_assets: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["USDT", "TON", "BTC"]
    )
    crypto_pay_api_url: str = "https://pay.crypt.bot/api"
    payments_reconcile_seconds: int = Field(default=300, ge=10)
    # Where customers reach a person: a @username or a link; shown with every support text.
    support_contact: str = ""

    # Operations (issue 15). HTTP_LISTEN=host:port serves /healthz, /readyz and /metrics;
    # unset: no HTTP server (polling mode needs none).
    http_listen: str | None = None
    log_format: Literal["text", "json"] = "text"
    # A daily copy of the SQLite database into BACKUP_DIR, the newest BACKUP_KEEP kept.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1, le=1000)

    # Several replicas (README "Running several replicas"). WEBHOOK_URL unset: long polling.
    webhook_url: str | None = None  # https://bot.example.com/tg/<path>: Telegram posts here
    webhook_secret: SecretStr | None = None  # required with WEBHOOK_URL; checked on each post
    webhook_listen: str = "0.0.0.0:8080"
    # REDIS_URL unset: FSM in the database, one process. Set: FSM, per-user locks and the
    # update-id guard in Redis, shared by every replica.
    redis_url: SecretStr | None = None
    redis_prefix: str = Field(default="smmbot", pattern=r"^[A-Za-z0-9_.:-]{1,40}$")
    fsm_ttl_seconds: int = Field(default=86400, ge=600)  # an abandoned dialog is forgotten
    # Seconds within which another replica takes over from a leader that died (PostgreSQL).
    leader_timeout: int = Field(default=15, ge=5, le=300)

    @field_validator(
        "http_listen", "backup_dir", "webhook_url", "webhook_secret", "redis_url", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("http_listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None:
            split_listen(value)
        return value

    @property
    def http_address(self) -> tuple[str, int] | None:
        return None if self.http_listen is None else split_listen(self.http_listen)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not WEBHOOK_URL_RE.match(value):
            raise ValueError("must be an https:// URL with a path, e.g. https://bot.example.com/tg")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token; long enough not to be guessed
        if value is not None and not WEBHOOK_SECRET_RE.match(value.get_secret_value()):
            raise ValueError("must be 16-256 characters: letters, digits, _ and -")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        if not value.strip().rpartition(":")[0] or split_listen(value)[1] == 0:
            raise ValueError("must be host:port, e.g. 0.0.0.0:8080")
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET is required when WEBHOOK_URL is set"
                " (Telegram sends it with every update; others are refused)"
            )
        return self

    @property
    def webhook_path(self) -> str:
        """Where the aiohttp server takes updates: the path of WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def listen_address(self) -> tuple[str, int]:
        return split_listen(self.webhook_listen)

    @field_validator("panel_api_key")
    @classmethod
    def _key_present(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("panel_api_url", "crypto_pay_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("admin_chat_id")
    @classmethod
    def _group_id(cls, value: int) -> int:
        if value >= 0:
            raise ValueError(
                "must be the operators' group id, a negative number such as -1001234567890"
                " (a positive id is a person, not a group)"
            )
        return value

    @field_validator("admin_ids", "topup_presets", "crypto_pay_assets", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("support_contact")
    @classmethod
    def _contact(cls, value: str) -> str:
        value = value.strip()
        if value and not SUPPORT_CONTACT_RE.match(value):
            raise ValueError("must be a @username or an https:// link")
        return value

    @field_validator("stars_rate", "topup_min", "topup_max", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and not value.strip():
            default = cls.model_fields[info.field_name or ""].default
            return default
        return value

    @field_validator("stars_rate", "topup_min", "topup_max")
    @classmethod
    def _money(cls, value: Decimal | None) -> Decimal | None:
        if value is not None:
            _check_money(value)
        return value

    @field_validator("topup_presets")
    @classmethod
    def _presets(cls, value: list[Decimal], info: ValidationInfo) -> list[Decimal]:
        for amount in value:
            _check_money(amount)
        if len(value) > MAX_PRESETS:
            raise ValueError(f"at most {MAX_PRESETS} amounts")
        low, high = info.data.get("topup_min"), info.data.get("topup_max")
        if low is not None and high is not None:
            outside = [str(p) for p in value if not low <= p <= high]
            if outside:
                raise ValueError(f"outside TOPUP_MIN..TOPUP_MAX: {', '.join(outside)}")
        return sorted(set(value))

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            url = value.get_secret_value().strip()
            if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
                raise ValueError("must start with sqlite:/// or postgresql://")
            value = SecretStr(url)
        return value

    @property
    def database_target(self) -> Path | str:
        """What `Database(...)` opens: DATABASE_URL if set, else the DATABASE_PATH file."""
        if self.database_url is None:
            return self.database_path
        url = self.database_url.get_secret_value()
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else url

    @property
    def uses_postgres(self) -> bool:
        return isinstance(self.database_target, str)

    @field_validator("crypto_pay_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("crypto_pay_token")
    @classmethod
    def _crypto_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Crypto Pay tokens look like 12345:AAzQc...; spaces or quotes are a paste error
        if value is not None and not CRYPTO_TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must look like 12345:AA... (the token from @CryptoBot, /pay)")
        return value

    @field_validator("crypto_pay_assets")
    @classmethod
    def _assets(cls, value: list[str]) -> list[str]:
        assets = list(dict.fromkeys(asset.strip().upper() for asset in value))
        if not assets:
            raise ValueError("name at least one asset, e.g. USDT,TON")
        bad = [asset for asset in assets if not ASSET_RE.match(asset)]
        if bad:
            raise ValueError(f"not an asset code: {', '.join(bad)}")
        return assets

    @field_validator("topup_max")
    @classmethod
    def _max_not_below_min(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        low = info.data.get("topup_min")
        if low is not None and value < low:
            raise ValueError(f"must not be below TOPUP_MIN ({low})")
        return value

    # Payments in micro-units, the only form the services use.
    @property
    def stars_rate_micros(self) -> int | None:
        return None if self.stars_rate is None else to_micros(self.stars_rate)

    @property
    def topup_min_micros(self) -> int:
        return to_micros(self.topup_min)

    @property
    def topup_max_micros(self) -> int:
        return to_micros(self.topup_max)

    @property
    def topup_presets_micros(self) -> list[int]:
        return [to_micros(p) for p in self.topup_presets]


def _check_money(value: Decimal) -> None:
    """Positive, at most 6 decimals (exact in micro-units), not absurd."""
    if not value.is_finite() or value <= 0:
        raise ValueError("must be a positive amount")
    if value > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT}")
    if (value * MICRO) % 1:
        raise ValueError("at most 6 decimal places")


class SettingsError(Exception):
    """Settings are missing or invalid; `problems` has one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    return settings  # nothing is created here: `check` must change nothing


def load_telegram_settings() -> TelegramSettings:
    try:
        return TelegramSettings()
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> list[str]:
    """One line per problem, naming the variable. Never includes the value given."""
    problems = []
    for err in exc.errors(include_input=False, include_url=False):
        name = str(err["loc"][0]).upper() if err["loc"] else "SETTINGS"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required but not set"
        problems.append(f"{name}: {message}")
    return problems
