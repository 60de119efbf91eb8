"""The operators' room: commands and buttons in the admin group, one module per capability.

The admin-group router (bot/handlers/__init__.py) lets through only updates from the admin
chat; `IsAdmin` on this package's router lets through only its administrators and ADMIN_IDS,
for every module below. Anyone else gets no answer at all.
"""

from __future__ import annotations

from aiogram import Router

from bot.filters import IsAdmin
from bot.handlers.admin import (
    broadcast,
    catalog,
    export,
    general,
    growth,
    maintenance,
    members,
    orders,
    payments,
    support,
    users,
)

router = Router(name="admin")
router.message.filter(IsAdmin())
router.callback_query.filter(IsAdmin())
router.include_routers(
    general.router,
    users.router,
    orders.router,
    catalog.router,
    maintenance.router,
    broadcast.router,
    payments.router,
    growth.router,
    export.router,
    support.router,  # last: an operator's reply to a support request, when nothing else
    members.router,  # membership updates: no IsAdmin (they come from Telegram, not a person)
)
