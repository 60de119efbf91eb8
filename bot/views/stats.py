"""/stats: the shop in numbers."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bot.money import format_amount
from bot.payments.models import IncomeRow
from bot.services.stats import Stats
from bot.views.common import NONE, Translator, format_time
from bot.views.payments import method_name


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
        turnover=format_amount(numbers.turnover, currency, i18n.locale),
        cost=format_amount(numbers.cost, currency, i18n.locale),
        margin=format_amount(numbers.margin, currency, i18n.locale),
        turnover_week=format_amount(numbers.turnover_week, currency, i18n.locale),
        margin_week=format_amount(numbers.margin_week, currency, i18n.locale),
        balance=panel_balance,
    )


def _income_line(
    i18n: Translator,
    key: str,
    method: str,
    count: int,
    credited: int,
    refunded: int,
    currency: str,
    **extra: Any,
) -> str:
    return i18n.get(
        f"{key}-refunded" if refunded else key,
        method=method_name(i18n, method),
        count=count,
        credited=format_amount(credited, currency, i18n.locale),
        refunded=format_amount(refunded, currency, i18n.locale),
        **extra,
    )


def income_text(i18n: Translator, rows: list[IncomeRow], currency: str) -> str:
    """Top-ups per UTC day and method, then per method over the period."""
    if not rows:
        return i18n.get("payments-stats-none")
    lines = [i18n.get("payments-stats-title")]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        day = format_time(row.day)[:10]
        lines.append(
            _income_line(
                i18n,
                "payments-stats-line",
                row.method,
                row.count,
                row.credited,
                row.refunded,
                currency,
                day=day,
            )
        )
        total = totals[row.method]
        total[0] += row.count
        total[1] += row.credited
        total[2] += row.refunded
    lines.append(i18n.get("payments-stats-total-title"))
    for method, (count, credited, refunded) in sorted(totals.items()):
        lines.append(
            _income_line(i18n, "payments-stats-total", method, count, credited, refunded, currency)
        )
    return "\n".join(lines)
