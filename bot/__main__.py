"""Entry point: `python -m bot` runs the bot (long polling); `python -m bot check` checks the
settings, Telegram and the panel, then exits 0 or non-zero with what is wrong."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

from bot.app import HEARTBEAT_EVERY, build_dispatcher, create_bot, create_panel
from bot.config import Settings, SettingsError, load_settings
from bot.db import Database
from bot.lifecycle import Lifecycle
from bot.logging_setup import setup_logging
from bot.money import format_amount
from bot.panel import PanelAuthError, PanelError, PanelNotSent, PanelRejected
from bot.payments.cryptopay import (
    CryptoPayAuthError,
    CryptoPayClient,
    CryptoPayError,
    CryptoPayNotSent,
    CryptoPayRejected,
)
from bot.payments.models import PaymentConfig

log = logging.getLogger("bot")


async def run(settings: Settings) -> None:
    db = Database(settings.database_path)
    await db.connect()
    panel = create_panel(settings)
    bot = create_bot(settings)
    try:
        lifecycle = Lifecycle(settings.stop_timeout)
        dp = build_dispatcher(settings, db, panel, lifecycle=lifecycle)
        me = await bot.get_me()
        log.info("starting @%s", me.username)
        # Our own signal handling (not aiogram's): stop polling, then the shutdown handlers
        # wait for updates in flight and the sender; the bot session, the panel client and
        # the database close last, below.
        lifecycle.install(dp.stop_polling)
        await dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    finally:
        await bot.session.close()
        await panel.close()
        await db.close()
        log.info("stopped")


async def check_stars(bot: Bot, settings: Settings) -> str | None:
    """Prints whether Stars top-ups are on and Telegram lets the bot read its Star
    transactions (what reconciliation needs); returns a problem line, or None."""
    if settings.stars_rate is None:
        print("Telegram Stars: off (STARS_RATE is not set)")
        return None
    try:
        await bot.get_star_transactions(limit=1)
    except TelegramAPIError as exc:
        return f"STARS_RATE: Stars are on, but getStarTransactions failed ({type(exc).__name__})"
    config = PaymentConfig.from_settings(settings)
    line = f"Telegram Stars: OK, 1 Star = {settings.stars_rate} (shop currency)"
    if config.stars_max < config.topup_max:
        line += f"; top-ups up to {format_amount(config.stars_max)} (10000 Stars per invoice)"
    print(line)
    return None


async def check_cryptopay(settings: Settings) -> str | None:
    """Prints whether Crypto Pay is on and answers getMe; returns a problem line, or None."""
    if settings.crypto_pay_token is None:
        print("Crypto Pay: off (CRYPTO_PAY_TOKEN is not set)")
        return None
    url = settings.crypto_pay_api_url
    client = CryptoPayClient(
        settings.crypto_pay_token.get_secret_value(),
        url,
        connect_timeout=settings.panel_connect_timeout,
        read_timeout=settings.panel_read_timeout,
        retries=0,
    )
    try:
        app = await client.get_me()
    except CryptoPayAuthError:
        return "CRYPTO_PAY_TOKEN: Crypto Pay rejected the token"
    except CryptoPayRejected as exc:
        return f"CRYPTO_PAY_API_URL: Crypto Pay refused getMe ({exc.name})"
    except CryptoPayNotSent:
        return f"CRYPTO_PAY_API_URL: cannot reach {url}"
    except CryptoPayError as exc:
        return f"CRYPTO_PAY_API_URL: no usable answer from Crypto Pay ({type(exc).__name__})"
    finally:
        await client.close()
    assets = ", ".join(settings.crypto_pay_assets)
    print(f"Crypto Pay: OK, app {app.name!r} (id {app.app_id}) at {url}, assets {assets}")
    return None


async def check(settings: Settings) -> int:
    problems: list[str] = []
    bot = create_bot(settings)
    try:
        me = await bot.get_me()
        print(f"Telegram: OK, bot @{me.username} (id {me.id})")
        stars = await check_stars(bot, settings)
        if stars is not None:
            problems.append(stars)
    except TelegramUnauthorizedError:
        problems.append("BOT_TOKEN: Telegram rejected the token (Unauthorized)")
    except TelegramNetworkError as exc:
        problems.append(f"BOT_API_URL: cannot reach {settings.bot_api_url} ({type(exc).__name__})")
    except Exception as exc:
        problems.append(f"BOT_API_URL: unexpected answer from Telegram ({type(exc).__name__})")
    finally:
        await bot.session.close()

    panel = create_panel(settings, retries=1)  # a quick verdict, not a long wait
    try:
        balance = await panel.balance()
        print(f"Panel: OK, balance {balance.amount} {balance.currency}")
    except PanelAuthError as exc:
        problems.append(f"PANEL_API_KEY: the panel rejected the key ({exc.message})")
    except PanelNotSent:
        problems.append(f"PANEL_API_URL: cannot reach {settings.panel_api_url}")
    except PanelRejected as exc:
        problems.append(f"PANEL_API_URL: the panel refused the request ({exc.message})")
    except PanelError as exc:
        problems.append(f"PANEL_API_URL: no usable answer from the panel ({type(exc).__name__})")
    finally:
        await panel.close()

    crypto = await check_cryptopay(settings)
    if crypto is not None:
        problems.append(crypto)

    try:
        db = Database(settings.database_path)
        await db.connect()
        version = await db.fetchval("PRAGMA user_version")
        await db.close()
        print(f"Database: OK, {settings.database_path} at schema version {version}")
    except Exception as exc:
        problems.append(f"DATABASE_PATH: cannot open {settings.database_path} ({exc})")

    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def health() -> int:
    """Container HEALTHCHECK: the running bot refreshes its heartbeat file every 30 s."""
    path = Path(os.environ.get("DATABASE_PATH", "data/bot.sqlite3")).parent / "heartbeat"
    try:
        age = time.time() - int(path.read_text().strip())
    except (OSError, ValueError):
        print(f"no heartbeat at {path}", file=sys.stderr)
        return 1
    if age > HEARTBEAT_EVERY * 4:
        print(f"heartbeat is {age:.0f} s old", file=sys.stderr)
        return 1
    print(f"healthy, heartbeat {age:.0f} s old")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="SMM panel shop bot")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "check", "health"])
    args = parser.parse_args(argv)
    if args.command == "health":
        return health()
    try:
        settings = load_settings()
    except SettingsError as exc:
        print("The bot cannot start; fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    setup_logging(
        settings.log_level,
        secrets=(
            settings.bot_token.get_secret_value(),
            settings.panel_api_key.get_secret_value(),
            settings.crypto_pay_token.get_secret_value() if settings.crypto_pay_token else "",
        ),
    )
    if args.command == "check":
        return asyncio.run(check(settings))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except TelegramUnauthorizedError:
        log.error("BOT_TOKEN: Telegram rejected the token (Unauthorized); the bot cannot start")
        return 1
    except TelegramNetworkError as exc:
        log.error("BOT_API_URL: cannot reach %s (%s)", settings.bot_api_url, type(exc).__name__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
