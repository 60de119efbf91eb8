"""Catalog and pricing: /sync, /markup, /hide, /show."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Literal

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.commands import HIDE, MARKUP, SHOW, SYNC
from bot.config import Settings
from bot.db import Database
from bot.handlers.admin.common import args, one_argument, reply
from bot.panel import PanelClient, PanelError
from bot.services import alerts, audit, catalog, catalog_admin
from bot.views import admin as views

log = logging.getLogger(__name__)

router = Router(name="admin-catalog")

SYNC_BIGGEST = 10  # the biggest price changes listed after /sync


@router.message(Command(SYNC.name))
async def cmd_sync(message: Message, i18n: I18nContext, db: Database, panel: PanelClient) -> None:
    try:
        report = await catalog.sync(db, panel)
    except PanelError as exc:
        log.warning("manual catalog sync failed: %s", exc)
        await reply(message, i18n.get("admin-sync-failed"))
        return
    assert message.from_user is not None
    await audit.record(db, message.from_user.id, "sync", None, f"{report.total} services")
    code = await catalog.currency(db)
    params = alerts.report_params(report, code, SYNC_BIGGEST, i18n.locale)
    await reply(message, i18n.get("admin-sync-done", **params))


@router.message(Command(MARKUP.name))
async def cmd_markup(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database, settings: Settings
) -> None:
    """`/markup` shows; `/markup 25` sets the global one; `/markup cat|svc <id> 30|off` an
    override of a category or a service."""
    words = args(command)
    assert message.from_user is not None
    admin_id = message.from_user.id
    if not words:
        overview = await catalog_admin.markup_overview(db, settings.markup_percent)
        await reply(message, views.markup_overview(i18n, overview))
        return
    if len(words) == 1:
        percent = catalog_admin.parse_percent(words[0])
        if percent is None:
            await reply(message, i18n.get("admin-bad-percent", value=words[0][:16]))
            return
        await catalog_admin.set_global_markup(db, admin_id, percent)
        await reply(message, i18n.get("admin-markup-global-set", percent=str(percent)))
        return
    if len(words) != 3 or words[0].lower() not in {"cat", "svc"}:
        await reply(message, i18n.get("admin-usage-markup"))
        return
    scope: Literal["cat", "svc"] = "cat" if words[0].lower() == "cat" else "svc"
    value: Decimal | None = None
    if words[2].lower() != "off":
        value = catalog_admin.parse_percent(words[2])
        if value is None:
            await reply(message, i18n.get("admin-bad-percent", value=words[2][:16]))
            return
    target = words[1].lstrip("#")
    name = await catalog_admin.set_override_markup(db, admin_id, scope, target, value)
    if name is None:
        await reply(message, i18n.get(f"admin-markup-{scope}-not-found", id=words[1][:32]))
        return
    await reply(
        message,
        i18n.get(
            f"admin-markup-{scope}-set",
            id=target[:32],
            name=name[:60],
            percent="off" if value is None else str(value),
        ),
    )


@router.message(Command(HIDE.name, SHOW.name))
async def cmd_hide(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    hide = command.command.lower() == HIDE.name
    usage = i18n.get("admin-usage-hide" if hide else "admin-usage-show")
    query = await one_argument(message, command, usage)
    if query is None:
        return
    service_id = query.lstrip("#")[:32]
    assert message.from_user is not None
    changed = await catalog_admin.set_hidden(db, message.from_user.id, service_id, hide)
    await reply(message, views.hide_result(i18n, hide, changed, service_id))
