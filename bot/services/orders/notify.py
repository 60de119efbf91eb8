"""What a customer is told about their order, through the outbox: a status change (with the
button that opens the order), an operator's decision, the operators' "send it again", and the
outcome of a placement that Telegram did not take on the order screen."""

from __future__ import annotations

from typing import Any

from bot.db import Database, Tx
from bot.services import audit, outbox
from bot.services.alerts import Notices
from bot.services.outbox import Button


async def status_changed(
    conn: Tx,
    notices: Notices,
    user_id: int,
    order_id: int,
    status: str,
    key: str,
    params: dict[str, Any],
) -> bool:
    """One notification per order and status (a repeat is not queued again); True if
    this call queued it."""
    return await outbox.enqueue(
        conn,
        user_id,
        key,
        params,
        buttons=[[Button("track-btn-order", notices.order_button(order_id))]],
        dedup=f"order:{order_id}:status:{status}",
    )


async def placement_outcome(
    db: Database,
    notices: Notices,
    user_id: int,
    order_id: int | None,
    confirm_token: str,
    key: str,
    params: dict[str, Any],
) -> bool:
    """The outcome of a confirmation, for the sender to deliver (it retries until Telegram
    takes it), once per confirmation; with the order's button when there is an order."""
    buttons = None
    if order_id is not None:
        buttons = [[Button("order-view-order", notices.order_button(order_id))]]
    dedup = f"order:{order_id}:outcome" if order_id is not None else f"confirm:{confirm_token}"
    return await outbox.notify(db, user_id, key, params, buttons=buttons, dedup=dedup)


async def to_owner(conn: Tx, order_id: int, key: str, params: dict[str, str], dedup: str) -> None:
    """Tell the order's owner about an operator's decision, once per `dedup`."""
    row = await conn.fetchone("SELECT user_id FROM orders WHERE id = ?", (order_id,))
    if row is not None:
        await outbox.enqueue(
            conn, int(row[0]), key, {"order_id": str(order_id), **params}, dedup=dedup
        )


async def requeue_notification(db: Database, admin_id: int, order_id: int) -> bool:
    """Queue the last notification the user got (or should have got) about this order
    again. False if there is none."""
    async with db.transaction() as conn:
        owner = await conn.fetchone("SELECT user_id FROM orders WHERE id = ?", (order_id,))
        if owner is None:
            return False
        key = await outbox.requeue_order_notification(conn, int(owner[0]), order_id)
        if key is None:
            return False
        await audit.write(conn, admin_id, "renotify", f"order:{order_id}", key)
    return True
