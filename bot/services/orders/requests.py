"""Refill and cancel requests (the `order_requests` table): one open request per order, sent
to the panel exactly once.

"Accepted" is not "done": a cancel ends when the order's status is final (the status machine
refunds a Canceled order and closes the request, `finish_cancel`), a refill has its own status
that the poller polls and announces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from bot.crashpoints import crashpoint
from bot.db import Database, Queryable, Row, Tx, for_update
from bot.panel import (
    CancelResult,
    ItemError,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRejected,
    ReasonCode,
    RefillResult,
)
from bot.services import alerts
from bot.services.alerts import Notices

log = logging.getLogger(__name__)

T = TypeVar("T")

REFILLABLE_STATUSES = frozenset({"completed"})
CANCELABLE_STATUSES = frozenset({"pending", "in_progress", "processing", "active"})


class RequestPanel(Protocol):
    async def refill(self, order_id: str) -> RefillResult: ...

    async def cancel(self, order_ids: Sequence[str]) -> dict[str, CancelResult | ItemError]: ...


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # the panel said no; `reason` says why
    IN_PROGRESS = "in_progress"  # a request for this order is already open
    NOT_ALLOWED = "not_allowed"  # this order/service does not offer it
    NOT_FOUND = "not_found"  # no such order of this user
    UNAVAILABLE = "unavailable"  # the panel could not be reached; nothing was done
    UNKNOWN = "unknown"  # the answer was lost: it may or may not have been accepted


@dataclass(frozen=True)
class RequestResult:
    outcome: Outcome
    # REJECTED: why, from a fixed set a customer text is chosen by; the panel's own words
    # are kept in order_requests.panel_message for operators
    reason: ReasonCode | None = None


async def _order(conn: Queryable, user_id: int, order_id: int, *, lock: bool = False) -> Row | None:
    """The order with what its service allows; `lock`: its row stays locked until the
    transaction ends (opening a request: two replicas must not both open one)."""
    return await conn.fetchone(
        "SELECT o.id, o.user_id, o.status, o.panel_order_id, s.refill, s.cancel"
        " FROM orders o LEFT JOIN services s ON s.id = o.service_id"
        f" WHERE o.id = ? AND o.user_id = ?{for_update(conn, 'o') if lock else ''}",
        (order_id, user_id),
    )


def _allowed(row: Row, kind: str) -> bool:
    if row["panel_order_id"] is None:
        return False
    if kind == "refill":
        return bool(row["refill"]) and row["status"] in REFILLABLE_STATUSES
    return bool(row["cancel"]) and row["status"] in CANCELABLE_STATUSES


async def available_actions(db: Database, user_id: int, order_id: int) -> frozenset[str]:
    """What the order card may offer: a subset of {"refill", "cancel"}."""
    row = await _order(db, user_id, order_id)
    if row is None:
        return frozenset()
    return frozenset(k for k in ("refill", "cancel") if _allowed(row, k))


async def _open(
    db: Database, user_id: int, order_id: int, kind: str
) -> tuple[RequestResult | None, int, str]:
    now = int(time.time())
    async with db.transaction() as conn:
        row = await _order(conn, user_id, order_id, lock=True)
        if row is None:
            return RequestResult(Outcome.NOT_FOUND), 0, ""
        if (
            await conn.fetchone(
                "SELECT kind FROM order_requests WHERE order_id = ? AND active = 1", (order_id,)
            )
            is not None
        ):
            return RequestResult(Outcome.IN_PROGRESS), 0, ""
        if not _allowed(row, kind):
            return RequestResult(Outcome.NOT_ALLOWED), 0, ""
        request_id = await conn.fetchval(
            "INSERT INTO order_requests (order_id, user_id, kind, status, active, created_at,"
            " updated_at) VALUES (?, ?, ?, 'sending', 1, ?, ?) RETURNING id",
            (order_id, user_id, kind, now, now),
        )
        return None, int(request_id), str(row["panel_order_id"])


async def _close(
    db: Database,
    request_id: int,
    status: str,
    *,
    active: bool,
    message: str | None = None,
    refill_id: str | None = None,
) -> None:
    await db.execute(
        "UPDATE order_requests SET status = ?, active = ?, panel_message = ?,"
        " panel_refill_id = ?, updated_at = ? WHERE id = ?",
        (status, int(active), (message or None) and message[:500], refill_id, int(time.time()),
         request_id),
    )  # fmt: skip


async def _send(
    db: Database, request_id: int, call: Awaitable[T]
) -> tuple[T | None, RequestResult]:
    """The panel's answer; or None and the result, the request closed, when it failed."""
    try:
        return await call, RequestResult(Outcome.ACCEPTED)
    except PanelRejected as exc:
        await _close(db, request_id, "rejected", active=False, message=exc.message)
        return None, RequestResult(Outcome.REJECTED, exc.reason_code)
    except PanelOutcomeUnknown as exc:
        await _close(db, request_id, "unknown", active=False, message=exc.message)
        return None, RequestResult(Outcome.UNKNOWN)
    except PanelNotSent as exc:
        await _close(db, request_id, "not_sent", active=False, message=exc.message)
        return None, RequestResult(Outcome.UNAVAILABLE)


async def request_refill(
    db: Database, panel: RequestPanel, user_id: int, order_id: int
) -> RequestResult:
    early, request_id, panel_order_id = await _open(db, user_id, order_id, "refill")
    if early is not None:
        return early
    crashpoint("request:opened")
    answer, failed = await _send(db, request_id, panel.refill(panel_order_id))
    if answer is None:
        return failed
    crashpoint("request:answered")
    if answer.refill_id is None:
        # accepted, but there is no refill id to follow: nothing to poll
        await _close(db, request_id, "accepted", active=False, message=answer.message)
    else:
        await _close(
            db, request_id, "pending", active=True, message=answer.message,
            refill_id=answer.refill_id,
        )  # fmt: skip
    return RequestResult(Outcome.ACCEPTED)


async def request_cancel(
    db: Database, panel: RequestPanel, user_id: int, order_id: int
) -> RequestResult:
    early, request_id, panel_order_id = await _open(db, user_id, order_id, "cancel")
    if early is not None:
        return early
    crashpoint("request:opened")
    answers, failed = await _send(db, request_id, panel.cancel([panel_order_id]))
    if answers is None:
        return failed
    crashpoint("request:answered")
    answer = answers.get(panel_order_id)
    if isinstance(answer, CancelResult) and answer.accepted:
        # open until the poller sees the order final (Canceled, with the refund)
        await _close(db, request_id, "accepted", active=True, message=answer.message)
        await db.execute("UPDATE orders SET next_poll_at = 0 WHERE id = ?", (order_id,))
        return RequestResult(Outcome.ACCEPTED)
    message = answer.message if answer is not None else None
    await _close(db, request_id, "rejected", active=False, message=message)
    reason = answer.reason_code if isinstance(answer, ItemError) else ReasonCode.OTHER
    return RequestResult(Outcome.REJECTED, reason)


async def finish_cancel(conn: Tx, order_id: int, now: int) -> None:
    """The order is final: an accepted cancel request is over, whatever the result."""
    await conn.execute(
        "UPDATE order_requests SET active = 0, status = 'done', updated_at = ?"
        " WHERE order_id = ? AND kind = 'cancel' AND active = 1",
        (now, order_id),
    )


async def finish_cancels(conn: Tx, order_ids: Sequence[int], now: int) -> None:
    """`finish_cancel` for many final orders, in one `executemany`."""
    await conn.executemany(
        "UPDATE order_requests SET active = 0, status = 'done', updated_at = ?"
        " WHERE order_id = ? AND kind = 'cancel' AND active = 1",
        [(now, order_id) for order_id in order_ids],
    )


async def recover_sending(
    db: Database, notices: Notices, *, older_than: int | None = None
) -> list[int]:
    """At start-up: a request still `sending` was cut off between being opened and the
    panel's answer. It becomes `unknown` and inactive, so the order takes a new request (the
    panel answers a repeated refill or cancel with "already requested": harmless), and the
    operators are alerted once per request. Returns the ids of the requests closed. With
    replicas, only requests last changed before `older_than` (unix time)."""
    now = int(time.time())
    async with db.transaction() as conn:
        rows = await conn.fetchall(
            "SELECT r.id, r.order_id, r.user_id, r.kind, o.panel_order_id"
            " FROM order_requests r JOIN orders o ON o.id = r.order_id"
            " WHERE r.status = 'sending' AND r.updated_at < ? ORDER BY r.id",
            (older_than if older_than is not None else 2**62,),
        )
        for row in rows:
            await conn.execute(
                "UPDATE order_requests SET status = 'unknown', active = 0, panel_message = ?,"
                " updated_at = ? WHERE id = ? AND status = 'sending'",
                ("interrupted before the panel answered (found at start-up)", now, row["id"]),
            )
            params = {
                "order_id": str(row["order_id"]),
                "user_id": str(row["user_id"]),
                "kind": str(row["kind"]),
                "panel_order_id": str(row["panel_order_id"] or "—"),
            }
            await alerts.request_interrupted(conn, notices, int(row["id"]), params)
    ids = [int(row["id"]) for row in rows]
    if ids:
        log.warning("%d refill/cancel request(s) left sending became unknown (closed): %s",
                    len(ids), ids)  # fmt: skip
    return ids
