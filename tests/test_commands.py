"""Every command a router handles is in its chat's menu, and every menu entry is handled.

The commands are read from the real routers (the `Command` filters of their handlers), not
from the definitions the menus are built from, so a handler added with a command that is not
in `bot.commands` (or a menu entry whose handler is gone) fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.commands import ADMIN_MENU, PRIVATE_MENU, MenuCommand
from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.handlers import get_routers
from tests.conftest import TEST_KEY, TEST_TOKEN
from tests.harness import ADMIN_CHAT, BotHarness

MENUS: dict[str, tuple[MenuCommand, ...]] = {"private": PRIVATE_MENU, "admin-group": ADMIN_MENU}


def handled_commands(router: Router) -> set[str]:
    """The commands of every `Command` filter in `router` and the routers under it."""
    found: set[str] = set()
    for observer in router.observers.values():
        filters = list(observer._handler.filters or [])  # the router's own filters
        for handler in observer.handlers:
            filters += handler.filters or []
        for event_filter in filters:
            if isinstance(event_filter.callback, Command):
                for command in event_filter.callback.commands:
                    # a pattern cannot be listed in a menu: every command is a plain name
                    assert isinstance(command, str), (router.name, command)
                    found.add(command)
    for sub in router.sub_routers:
        found |= handled_commands(sub)
    return found


def mismatches(router: Router, menu: tuple[MenuCommand, ...]) -> tuple[set[str], set[str]]:
    """(handled but not in the menu, in the menu but not handled)."""
    handled = handled_commands(router)
    listed = {c.name for c in menu}
    return handled - listed, listed - handled


def test_every_handled_command_is_in_its_menu_and_every_menu_entry_is_handled(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        bot_token=TEST_TOKEN,
        panel_api_url="http://127.0.0.1:9",
        panel_api_key=TEST_KEY,
        admin_chat_id=ADMIN_CHAT,
        database_path=tmp_path / "bot.sqlite3",
    )
    routers = get_routers(settings)
    assert {r.name for r in routers} == set(MENUS), "a new top-level router needs its menu"
    for router in routers:
        assert mismatches(router, MENUS[router.name]) == (set(), set()), router.name
    # the walk does see the commands (an empty walk would pass the check above)
    assert handled_commands(routers[0]) >= {"start", "help", "cancel"}


def test_the_check_catches_a_command_missing_from_the_menu() -> None:
    extra = Router(name="extra")

    @extra.message(Command("foo"))
    async def foo(message: Message) -> None: ...

    private = Router(name="private")
    private.include_router(extra)
    unlisted, unhandled = mismatches(private, PRIVATE_MENU)
    assert unlisted == {"foo"}
    assert unhandled == {c.name for c in PRIVATE_MENU}


def _menus(harness: BotHarness) -> list[dict[str, Any]]:
    return [c.params for c in harness.tg.calls_of("setMyCommands")]


async def test_telegram_gets_the_handled_commands_with_descriptions(harness: BotHarness) -> None:
    routers = {r.name: r for r in harness.dp.sub_routers}
    sent = _menus(harness)
    admin = [p for p in sent if p["scope"]["type"] == "chat"]
    private = [p for p in sent if p["scope"]["type"] == "all_private_chats"]
    assert len(admin) == 1 and admin[0]["scope"]["chat_id"] == ADMIN_CHAT
    # the default menu and one per language
    assert sorted(p.get("language_code") or "" for p in private) == sorted(
        ["", *SUPPORTED_LANGUAGES]
    )
    for params, router_name in [(admin[0], "admin-group")] + [(p, "private") for p in private]:
        names = [c["command"] for c in params["commands"]]
        assert len(names) == len(set(names))
        assert set(names) == handled_commands(routers[router_name]), router_name
        keys = {c.name: c.key for c in MENUS[router_name]}
        for command in params["commands"]:
            # a missing locale key comes back as the key itself
            assert command["description"] not in {"", keys[command["command"]]}, command
    # operators' commands are not shown to customers (except /help, which both have)
    operators_only = {c.name for c in ADMIN_MENU} - {c.name for c in PRIVATE_MENU}
    for params in private:
        assert not {c["command"] for c in params["commands"]} & operators_only
    english, russian = (
        next(p for p in private if p.get("language_code") == lang)["commands"]
        for lang in ("en", "ru")
    )
    assert english != russian  # each language its own descriptions
