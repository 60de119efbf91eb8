"""Every slash command, defined once: the handlers' `Command(...)` filters and the menus that
`setMyCommands` shows (bot/app.py `set_commands`) both read these, so a command cannot be
handled without being in its menu or listed without a handler (tests/test_commands.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuCommand:
    name: str  # without the slash
    key: str  # the locale key of its description in the menu


def _private(name: str) -> MenuCommand:
    return MenuCommand(name, f"cmd-{name}")


def _admin(name: str) -> MenuCommand:
    return MenuCommand(name, f"admin-cmd-{name}")


# private chats, for customers
START = _private("start")
HELP = _private("help")
LANGUAGE = _private("language")
CANCEL = _private("cancel")
ORDERS = _private("orders")
FAVOURITES = _private("favourites")
BALANCE = _private("balance")
PAYSUPPORT = _private("paysupport")  # Telegram requires it of bots that take Stars

# the admin group, for operators
ADMIN_HELP = _admin("help")
STATS = _admin("stats")
USER = _admin("user")
CREDIT = _admin("credit")
DEBIT = _admin("debit")
ORDER = _admin("order")
UNKNOWN = _admin("unknown")
SYNC = _admin("sync")
MARKUP = _admin("markup")
HIDE = _admin("hide")
SHOW = _admin("show")
BAN = _admin("ban")
UNBAN = _admin("unban")
BROADCAST = _admin("broadcast")
MAINTENANCE = _admin("maintenance")
AUDIT = _admin("audit")
REFUND = _admin("refund")
PAYMENTS = _admin("payments")

# the menus, in the order Telegram shows them
PRIVATE_MENU: tuple[MenuCommand, ...] = (
    START, ORDERS, FAVOURITES, BALANCE, HELP, LANGUAGE, CANCEL, PAYSUPPORT,
)  # fmt: skip
ADMIN_MENU: tuple[MenuCommand, ...] = (
    ADMIN_HELP, STATS, USER, CREDIT, DEBIT, ORDER, UNKNOWN, SYNC, MARKUP,
    HIDE, SHOW, BAN, UNBAN, BROADCAST, MAINTENANCE, AUDIT, PAYMENTS, REFUND,
)  # fmt: skip
