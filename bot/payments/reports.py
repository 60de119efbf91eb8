"""Reading payments back: by number or provider id, recent lists, income for /stats."""

from __future__ import annotations

from typing import Any

from bot.db import Database
from bot.payments.models import IncomeRow, PaymentView

COLUMNS = ", ".join(PaymentView.__dataclass_fields__)


def view(row: Any) -> PaymentView:
    data = dict(row)
    data["flagged"] = bool(data["flagged"])
    return PaymentView(**data)


async def find_payment(db: Database, ref: str) -> PaymentView | None:
    """A payment by number ("12", "#12") or by provider id (Stars charge id, invoice id)."""
    ref = ref.strip()
    number = ref.removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) < 19:
        row = await db.fetchone(f"SELECT {COLUMNS} FROM payments WHERE id = ?", (int(number),))
        if row is not None:
            return view(row)
    row = await db.fetchone(
        f"SELECT {COLUMNS} FROM payments WHERE provider_charge_id = ? ORDER BY id LIMIT 1",
        (ref,),
    )
    return None if row is None else view(row)


async def list_payments(
    db: Database, user_id: int | None = None, limit: int = 20
) -> list[PaymentView]:
    """Recent payments, newest first (of one user, or of everyone)."""
    where, params = ("WHERE user_id = ?", [user_id]) if user_id is not None else ("", [])
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM payments {where} ORDER BY id DESC LIMIT ?",
        (*params, max(1, min(limit, 100))),
    )
    return [view(row) for row in rows]


async def income(db: Database, since: int, until: int | None = None) -> list[IncomeRow]:
    """Money paid in per UTC day and method, for /stats (days with payments only)."""
    rows = await db.fetchall(
        "SELECT (paid_at / 86400) * 86400 AS day, method, COUNT(*) AS n,"
        " COALESCE(SUM(credited), 0) AS credited, COALESCE(SUM(refund_debit), 0) AS refunded"
        " FROM payments WHERE status IN ('paid', 'refunding', 'refunded')"
        " AND paid_at >= ? AND paid_at < ? GROUP BY day, method ORDER BY day, method",
        (since, until if until is not None else 2**62),
    )
    return [
        IncomeRow(int(r["day"]), r["method"], int(r["n"]), int(r["credited"]), int(r["refunded"]))
        for r in rows
    ]
