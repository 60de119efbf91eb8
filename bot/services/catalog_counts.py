"""Per-category counts of offered services, kept in `categories.offered`.

The category list shows every category with its count on each press; counting 50,000
services there would cost tens of milliseconds a press. The count is written instead where
what is offered changes: once per catalog sync, and when an operator hides or shows a
service. Portable SQL; run inside the caller's write transaction.
"""

from __future__ import annotations

from typing import Any

# A service the shop may sell: on the panel, not hidden by an operator, of a known type.
OFFERED = "s.available = 1 AND s.hidden = 0 AND s.kind IS NOT NULL"

_COUNT = f"(SELECT COUNT(*) FROM services s WHERE s.category_id = categories.id AND {OFFERED})"


async def recount_all(tx: Any) -> None:
    """Bring every category's count up to date (after a sync); unchanged rows are not written."""
    await tx.execute(f"UPDATE categories SET offered = {_COUNT} WHERE offered <> {_COUNT}")


async def recount(tx: Any, category_id: int) -> None:
    """Bring one category's count up to date (after a hide or show)."""
    await tx.execute(f"UPDATE categories SET offered = {_COUNT} WHERE id = ?", (category_id,))
