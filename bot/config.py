"""Settings, read from the environment and an optional `.env` file.

Nothing here is read at import time: `load_settings()` is called by the entry point.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
SUPPORTED_LANGUAGES = ("en", "ru")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
    )

    bot_token: SecretStr
    bot_api_url: str = "https://api.telegram.org"
    panel_api_url: str = "https://worldsmartsmm.com/api/v3"
    panel_api_key: SecretStr
    admin_chat_id: int
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    database_path: Path = Path("data/bot.sqlite3")
    default_language: Literal["en", "ru"] = "en"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    panel_connect_timeout: float = Field(default=10.0, gt=0, le=120)
    panel_read_timeout: float = Field(default=30.0, gt=0, le=600)
    catalog_refresh_seconds: int = Field(default=1800, ge=60)
    markup_percent: Decimal = Field(default=Decimal(0), ge=-99, le=10000)
    poll_interval_seconds: int = Field(default=60, ge=5)
    panel_low_balance: Decimal = Field(default=Decimal(0), ge=0)
    # On SIGTERM: seconds to let updates in flight and the sender finish before exiting.
    stop_timeout: float = Field(default=20.0, ge=1, le=300)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must look like 123456:ABC... (the token from @BotFather)")
        return value

    @field_validator("panel_api_key")
    @classmethod
    def _key_present(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("bot_api_url", "panel_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


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
    settings.database_path.parent.mkdir(parents=True, exist_ok=True)
    return settings


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
