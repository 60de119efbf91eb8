"""All routers, assembled in one place. Chat filters sit on the routers, not on handlers."""

from __future__ import annotations

from aiogram import F, Router

from bot.config import Settings
from bot.handlers import (
    admin,
    catalog,
    common,
    fallback,
    favourites,
    gates,
    growth,
    inline,
    mass_order,
    order_dialog,
    order_requests,
    orders,
    payments,
    support,
    topup,
)


def _detached(*routers: Router) -> list[Router]:
    """Feature routers are module-level; a second dispatcher in one process (tests, a restart
    in place) must be able to take them over from the previous one."""
    for router in routers:
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None
    return list(routers)


def get_routers(settings: Settings) -> list[Router]:
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    # order matters: payments first (a successful payment is credited in any dialog),
    # support and top-up after common (/start, /cancel end them) and before the order
    # dialog (/paysupport works mid-order); the catalog router ends with the catch-all
    # free-text search, the fallback router takes what is left (dead buttons, unknown
    # commands, stickers...)
    private.include_routers(
        *_detached(
            payments.router,
            # the catalog's and favourites' buttons, pressed most: their callback data is
            # theirs alone (gates.py lists each router's), so trying them first changes
            # nothing but the time a press takes
            catalog.browse,
            favourites.router,
            common.router,
            support.router,
            topup.router,
            growth.router,
            order_dialog.router,
            mass_order.router,
            orders.router,
            order_requests.router,
            catalog.router,
            fallback.router,
            # inline queries come with no chat: the chat filters above (messages and
            # callbacks only) do not touch them
            inline.router,
        )
    )

    admin_group = Router(name="admin-group")
    admin_group.message.filter(F.chat.id == settings.admin_chat_id)
    admin_group.callback_query.filter(F.message.chat.id == settings.admin_chat_id)
    admin_group.chat_member.filter(F.chat.id == settings.admin_chat_id)
    admin_group.my_chat_member.filter(F.chat.id == settings.admin_chat_id)
    admin_group.include_routers(*_detached(admin.router))
    for router in (private, admin_group):
        _gate_leaves(router)
    return [private, admin_group]


def _gate_leaves(router: Router) -> None:
    """A cheap check in front of every router that holds handlers (gates.py)."""
    for sub in router.sub_routers:
        _gate_leaves(sub)
    gates.gate(router)
