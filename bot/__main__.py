"""Entry point: `python -m bot` runs the bot (long polling, or a webhook server when
WEBHOOK_URL is set); `python -m bot check` checks the
settings, Telegram, the operators' group, the panel and the database without changing
anything, then exits 0 or non-zero with what is wrong; `python -m bot chats` lists the
groups the bot was added to (to find ADMIN_CHAT_ID); `python -m bot health` is the
container's HEALTHCHECK; `python -m bot backup PATH` copies the live database consistently and
`python -m bot restore PATH` puts a copy back while the bot is stopped; `python -m bot
migrate-data --from sqlite:///path --to postgresql://...` copies a shop's data to PostgreSQL.

`health` runs every minute, so nothing heavy (aiogram, pydantic) is imported at the top of
this module: each command imports what it needs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import User

    from bot.config import Settings, TelegramSettings

COMMANDS = ("run", "check", "chats", "health", "backup", "restore", "migrate-data")


async def run(settings: Settings) -> None:
    import logging

    from bot.texts import load_texts

    texts = load_texts(settings.default_language)  # first: see load_texts

    from bot.app import build_dispatcher, create_bot, create_panel
    from bot.db import Database
    from bot.lifecycle import Lifecycle
    from bot.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before the database's threads allocate
    log = logging.getLogger("bot")
    db = Database(settings.database_target)
    await db.connect()
    panel = create_panel(settings)
    bot = create_bot(settings)
    try:
        lifecycle = Lifecycle(settings.stop_timeout)
        dp = build_dispatcher(settings, db, panel, lifecycle=lifecycle, texts=texts)
        me = await bot.get_me()
        if settings.webhook_url is not None:
            from bot.webhook import serve

            log.info("starting @%s (webhook)", me.username)
            await serve(settings, dp, bot, lifecycle)
            return
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


# ---------------------------------------------------------------- check: one function per part


async def check(settings: Settings) -> int:
    from bot.app import create_bot

    problems: list[str] = []
    bot = create_bot(settings)
    try:
        me = await _check_telegram(bot, settings, problems)
        if me is not None:
            await _check_admin_group(bot, settings, me, problems)
            await _check_stars(bot, settings, problems)
    finally:
        await bot.session.close()
    await _check_panel(settings, problems)
    await _check_cryptopay(settings, problems)
    await _check_database(settings, problems)
    await _check_replicas(settings, problems)

    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


async def _check_telegram(bot: Bot, settings: Settings, problems: list[str]) -> User | None:
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        problems.append("BOT_TOKEN: Telegram rejected the token (Unauthorized)")
    except TelegramNetworkError as exc:
        problems.append(f"BOT_API_URL: cannot reach {settings.bot_api_url} ({type(exc).__name__})")
    except Exception as exc:
        problems.append(f"BOT_API_URL: unexpected answer from Telegram ({type(exc).__name__})")
    else:
        print(f"Telegram: OK, bot @{me.username} (id {me.id})")
        return me
    return None


async def _check_admin_group(bot: Bot, settings: Settings, me: User, problems: list[str]) -> None:
    """Is ADMIN_CHAT_ID a group the bot is in and may post to? Alerts go nowhere otherwise."""
    from aiogram.enums import ChatMemberStatus as S
    from aiogram.exceptions import (
        TelegramAPIError,
        TelegramBadRequest,
        TelegramForbiddenError,
        TelegramMigrateToChat,
    )
    from aiogram.types import ChatMemberRestricted

    chat_id = settings.admin_chat_id
    add_bot = f"add @{me.username} to the operators' group (`python -m bot chats` lists its id)"
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, me.id)
    except TelegramMigrateToChat as exc:
        problems.append(
            f"ADMIN_CHAT_ID: the group became a supergroup and its id changed: "
            f"set ADMIN_CHAT_ID={exc.migrate_to_chat_id}"
        )
        return
    except TelegramForbiddenError as exc:
        problems.append(
            f"ADMIN_CHAT_ID: the bot is not in group {chat_id} ({exc.message}); {add_bot}"
        )
        return
    except TelegramBadRequest as exc:
        problems.append(
            f"ADMIN_CHAT_ID: Telegram does not know group {chat_id} to this bot "
            f"({exc.message}); check the id and {add_bot}"
        )
        return
    except TelegramAPIError as exc:
        problems.append(f"ADMIN_CHAT_ID: Telegram did not say ({exc.message})")
        return
    except Exception as exc:  # network: the getMe above went through, so rarely
        problems.append(f"ADMIN_CHAT_ID: could not ask Telegram about it ({type(exc).__name__})")
        return

    name = f'"{chat.title}" ({chat_id})'
    if chat.type not in ("group", "supergroup"):
        problems.append(f"ADMIN_CHAT_ID: {name} is a {chat.type}, not a group")
        return
    if member.status in (S.CREATOR, S.ADMINISTRATOR):
        role, can_post = "an administrator", True
    elif isinstance(member, ChatMemberRestricted):
        if not member.is_member:
            problems.append(f"ADMIN_CHAT_ID: the bot is not in {name}; {add_bot}")
            return
        role, can_post = "a restricted member", member.can_send_messages
    elif member.status == S.MEMBER:
        allowed = chat.permissions.can_send_messages if chat.permissions else None
        role, can_post = "a member", allowed is not False
    else:  # left, kicked
        problems.append(f"ADMIN_CHAT_ID: the bot is not in {name} ({member.status}); {add_bot}")
        return
    if not can_post:
        problems.append(
            f"ADMIN_CHAT_ID: the bot is {role} of {name} but may not post there: "
            "make it an administrator, or let members send messages"
        )
        return
    print(f"Operators' group: OK, {name}: the bot is {role} and can post there")


async def _check_panel(settings: Settings, problems: list[str]) -> None:
    from bot.app import create_panel
    from bot.panel import PanelAuthError, PanelError, PanelNotSent, PanelRejected

    panel = create_panel(settings, retries=1)  # a quick verdict, not a long wait
    try:
        balance = await panel.balance()
        print(f"Panel: OK, balance {balance.amount} {balance.currency}")
    except PanelAuthError as exc:
        problems.append(
            f"PANEL_API_KEY: the panel at {settings.panel_api_url} rejected the key "
            f"({exc.message}); if the key is right, check PANEL_API_URL: another panel's "
            "address rejects every key"
        )
    except PanelNotSent:
        problems.append(f"PANEL_API_URL: cannot reach {settings.panel_api_url}")
    except PanelRejected as exc:
        problems.append(f"PANEL_API_URL: the panel refused the request ({exc.message})")
    except PanelError as exc:
        problems.append(f"PANEL_API_URL: no usable answer from the panel ({type(exc).__name__})")
    finally:
        await panel.close()


async def _check_stars(bot: Bot, settings: Settings, problems: list[str]) -> None:
    """Whether Stars top-ups are on and Telegram lets the bot read its Star transactions
    (what reconciliation needs)."""
    from aiogram.exceptions import TelegramAPIError

    from bot.money import format_amount
    from bot.payments.models import PaymentConfig

    if settings.stars_rate is None:
        print("Telegram Stars: off (STARS_RATE is not set)")
        return
    try:
        await bot.get_star_transactions(limit=1)
    except TelegramAPIError as exc:
        problems.append(
            f"STARS_RATE: Stars are on, but getStarTransactions failed ({type(exc).__name__})"
        )
        return
    config = PaymentConfig.from_settings(settings)
    line = f"Telegram Stars: OK, 1 Star = {settings.stars_rate} (shop currency)"
    if config.stars_max < config.topup_max:
        line += f"; top-ups up to {format_amount(config.stars_max)} (10000 Stars per invoice)"
    print(line)


async def _check_cryptopay(settings: Settings, problems: list[str]) -> None:
    """Whether Crypto Pay is on and answers getMe."""
    from bot.payments.cryptopay import (
        CryptoPayAuthError,
        CryptoPayClient,
        CryptoPayError,
        CryptoPayNotSent,
        CryptoPayRejected,
    )

    if settings.crypto_pay_token is None:
        print("Crypto Pay: off (CRYPTO_PAY_TOKEN is not set)")
        return
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
        problems.append("CRYPTO_PAY_TOKEN: Crypto Pay rejected the token")
        return
    except CryptoPayRejected as exc:
        problems.append(f"CRYPTO_PAY_API_URL: Crypto Pay refused getMe ({exc.name})")
        return
    except CryptoPayNotSent:
        problems.append(f"CRYPTO_PAY_API_URL: cannot reach {url}")
        return
    except CryptoPayError as exc:
        problems.append(
            f"CRYPTO_PAY_API_URL: no usable answer from Crypto Pay ({type(exc).__name__})"
        )
        return
    finally:
        await client.close()
    assets = ", ".join(settings.crypto_pay_assets)
    print(f"Crypto Pay: OK, app {app.name!r} (id {app.app_id}) at {url}, assets {assets}")


async def _check_database(settings: Settings, problems: list[str]) -> None:
    """Read-only: `check` creates no file and applies no migration."""
    from bot.db.database import inspect

    target = settings.database_target
    if isinstance(target, str):
        await _check_postgres(target, problems)
        return
    path = target
    state = inspect(path)
    if state.problem is not None:
        problems.append(f"DATABASE_PATH: {state.problem}")
    elif not state.exists:
        print(f"Database: OK, {path} does not exist yet; it will be created at start (writable)")
    elif state.version > state.latest:
        problems.append(
            f"DATABASE_PATH: {path} is at schema version {state.version}, newer than this "
            f"version of the bot knows ({state.latest}): run the newer bot"
        )
    elif state.version < state.latest:
        pending = state.latest - state.version
        print(
            f"Database: OK, {path} at schema version {state.version}; {pending} "
            f"migration(s) will be applied at start (to version {state.latest})"
        )
    else:
        print(f"Database: OK, {path} at schema version {state.version} (up to date)")


async def _check_postgres(url: str, problems: list[str]) -> None:
    """PostgreSQL: connect, read schema_version; never migrates, never prints the password."""
    from bot.db.postgres import inspect, redact_url

    state = await inspect(url)
    where = redact_url(url)
    if state.problem is not None:
        problems.append(f"DATABASE_URL: {state.problem}")
    elif state.version > state.latest:
        problems.append(
            f"DATABASE_URL: {where} is at schema version {state.version}, newer than this "
            f"version of the bot knows ({state.latest}): run the newer bot"
        )
    elif state.version < state.latest:
        print(
            f"Database: OK, PostgreSQL {where} at schema version {state.version}; "
            f"{state.latest - state.version} migration(s) will be applied at start "
            f"(to version {state.latest})"
        )
    else:
        print(f"Database: OK, PostgreSQL {where} at schema version {state.version} (up to date)")


async def _check_replicas(settings: Settings, problems: list[str]) -> None:
    """Webhook or polling, and whether Redis answers (read-only: a PING)."""
    if settings.webhook_url is None:
        print("Updates: long polling (WEBHOOK_URL is not set)")
    else:
        host, port = settings.listen_address
        print(f"Updates: webhook at {settings.webhook_url}, listening on {host}:{port}")
    if settings.redis_url is None:
        print("Redis: off (REDIS_URL is not set): dialogs in the database, one process")
        return
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url.get_secret_value(), socket_timeout=5)
    try:
        await redis.ping()
        print("Redis: OK")
    except Exception as exc:
        problems.append(f"REDIS_URL: Redis does not answer ({type(exc).__name__})")
    finally:
        await redis.aclose()


# ---------------------------------------------------------------- chats


async def chats(settings: TelegramSettings) -> int:
    """The groups in the bot's pending updates: how an operator finds ADMIN_CHAT_ID without
    a third-party bot. Reads without confirming, so the bot still gets these updates."""
    from aiogram.exceptions import TelegramAPIError, TelegramConflictError

    from bot.app import create_bot

    bot = create_bot(settings)
    try:
        me = await bot.get_me()
        updates = await bot.get_updates(timeout=0, limit=100)
    except TelegramConflictError:
        print(
            "Telegram: another process is reading this bot's updates (is the bot running?)."
            " Stop it and run this again.",
            file=sys.stderr,
        )
        return 1
    except TelegramAPIError as exc:
        print(f"Telegram: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await bot.session.close()
    found: dict[int, str] = {}
    for update in updates:
        for event in (
            update.message,
            update.edited_message,
            update.my_chat_member,
            update.chat_member,
            update.callback_query.message if update.callback_query else None,
        ):
            chat = getattr(event, "chat", None)
            if chat is not None and chat.type in ("group", "supergroup"):
                found[chat.id] = f'{chat.type} "{chat.title}"'
    if not found:
        print(
            f"No group in @{me.username}'s pending updates. Add the bot to the operators' group"
            f" (or send /start@{me.username} there), then run this again. A running bot takes"
            " the updates first: stop it meanwhile."
        )
        return 1
    print("Groups in the bot's pending updates (set ADMIN_CHAT_ID to the operators' one):")
    for chat_id, what in found.items():
        print(f"  {chat_id}  {what}")
    return 0


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="SMM panel shop bot")
    parser.add_argument("command", nargs="?", default="run", choices=COMMANDS)
    parser.add_argument("path", nargs="?", help="backup / restore: the backup file (or folder)")
    parser.add_argument("--from", dest="source", help="migrate-data: sqlite:///path")
    parser.add_argument("--to", dest="target", help="migrate-data: postgresql://...")
    args = parser.parse_args(argv)
    if args.command == "migrate-data":
        from bot.data_commands import migrate_data

        return migrate_data(args.source, args.target)
    if args.command == "health":
        from bot.health import health

        return health()
    if args.command in ("backup", "restore"):
        if not args.path:
            parser.error(f"{args.command} needs a PATH")
        from bot.data_commands import backup_or_restore

        return backup_or_restore(args.command, args.path)

    import asyncio

    from bot.config import SettingsError, load_settings, load_telegram_settings

    try:
        if args.command == "chats":
            return asyncio.run(chats(load_telegram_settings()))
        settings = load_settings()
    except SettingsError as exc:
        print("The bot cannot start; fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    return _run_or_check(args.command, settings)


def _url_password(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).password or ""


def _run_or_check(command: str, settings: Settings) -> int:
    import asyncio
    import contextlib
    import logging

    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.db import DatabaseUnavailable
    from bot.logging_setup import setup_logging
    from bot.ops_http import ListenError

    setup_logging(
        settings.log_level,
        secrets=(
            settings.bot_token.get_secret_value(),
            settings.panel_api_key.get_secret_value(),
            settings.crypto_pay_token.get_secret_value() if settings.crypto_pay_token else "",
            settings.webhook_secret.get_secret_value() if settings.webhook_secret else "",
            _url_password(settings.redis_url.get_secret_value() if settings.redis_url else ""),
            _database_password(settings),
        ),
        log_format=settings.log_format,
    )
    if command == "check":
        return asyncio.run(check(settings))
    log = logging.getLogger("bot")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except DatabaseUnavailable as exc:
        name = "DATABASE_URL" if settings.uses_postgres else "DATABASE_PATH"
        log.error("%s: %s; the bot cannot start", name, exc)
        return 1
    except ListenError as exc:
        log.error("HTTP_LISTEN: %s; the bot cannot start", exc)
        return 1
    except TelegramUnauthorizedError:
        log.error("BOT_TOKEN: Telegram rejected the token (Unauthorized); the bot cannot start")
        return 1
    except TelegramNetworkError as exc:
        log.error("BOT_API_URL: cannot reach %s (%s)", settings.bot_api_url, type(exc).__name__)
        return 1
    return 0


def _database_password(settings: Settings) -> str:
    """The password in DATABASE_URL, masked in every log line like the other secrets."""
    from urllib.parse import urlsplit

    if settings.database_url is None:
        return ""
    try:
        return urlsplit(settings.database_url.get_secret_value()).password or ""
    except ValueError:
        return ""


if __name__ == "__main__":
    sys.exit(main())
