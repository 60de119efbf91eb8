"""/stats: the shop in numbers."""

from __future__ import annotations

from bot.money import format_amount
from bot.services.stats import Stats
from bot.views.common import NONE, Translator


def stats_text(i18n: Translator, numbers: Stats, currency: str, panel_balance: str) -> str:
    """`panel_balance` arrives formatted (or as "unavailable"): the panel is asked apart."""
    lines = [
        i18n.get(
            "admin-stats-status-line",
            status=status,
            today=str(c.today),
            week=str(c.week),
            total=str(c.total),
        )
        for status, c in numbers.orders.items()
    ]
    u = numbers.users
    return i18n.get(
        "admin-stats",
        users=str(u.total),
        active_day=str(u.active_day),
        active_week=str(u.active_week),
        blocked=str(u.blocked),
        banned=str(u.banned),
        orders_today=str(numbers.orders_today),
        orders_week=str(numbers.orders_week),
        orders_total=str(numbers.orders_total),
        by_status="\n".join(lines) or NONE,
        turnover=format_amount(numbers.turnover, currency),
        cost=format_amount(numbers.cost, currency),
        margin=format_amount(numbers.margin, currency),
        turnover_week=format_amount(numbers.turnover_week, currency),
        margin_week=format_amount(numbers.margin_week, currency),
        balance=panel_balance,
    )
