"""A poll batch (`apply_panel_statuses`) does exactly what the one-order path
(`apply_panel_status`, one order after another) does, refunds included: the same ledger rows
(refs, amounts, running balances), balances, orders, notifications and operator alerts,
referral bonuses, and the same Applied results. Each scenario runs on two fresh databases of
the same engine, one per path, and the results are compared."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.panel import OrderState, OrderStatus
from bot.services import kv, referrals, wallet
from bot.services.orders import refunds, status
from tests.helpers import (
    LIKES,
    MICRO,
    NOTICES,
    add_stock_services,
    add_user,
    postgres_schema,
)

NOW = 1_700_000_000
NEXT_POLL = NOW + 60
BUYER, SECOND, THIRD, FRIEND, INVITER = 1001, 1002, 1003, 1004, 1005
START = 100 * MICRO


@pytest.fixture
async def two_dbs(database_target: Path | str) -> AsyncIterator[tuple[Database, Database]]:
    """Two fresh databases of the `database_target` engine: one for each path."""

    async def opened(target: Path | str) -> Database:
        database = Database(target)
        await database.connect()
        return database

    if isinstance(database_target, Path):
        one = await opened(database_target)
        other = await opened(database_target.with_name("other.sqlite3"))
        try:
            yield one, other
        finally:
            await one.close()
            await other.close()
        return
    async with postgres_schema() as url:
        one = await opened(database_target)
        other = await opened(url)
        try:
            yield one, other
        finally:
            await one.close()
            await other.close()


@dataclass
class Shop:
    """The orders of the scenario, by role (ids are the same in both databases)."""

    orders: dict[str, int]


async def _order(
    db: Database, user_id: int, *, charge: int, quantity: int = 1000, status_: str = "in_progress"
) -> int:
    """An order whose charge was taken from the wallet, as placing does it."""
    async with db.transaction() as conn:
        order_id = int(
            await conn.fetchval(
                "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
                " quantity, charge, status_changed_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0) RETURNING id",
                (
                    user_id,
                    LIKES,
                    secrets.token_hex(8),
                    status_,
                    None,
                    quantity,
                    charge,
                ),
            )
        )
        # the panel's id, the same in both databases (it is in the operators' alerts)
        await conn.execute(
            "UPDATE orders SET panel_order_id = ? WHERE id = ?", (f"p{order_id}", order_id)
        )
        await wallet.apply(
            conn, user_id, -charge, kind="charge", ref=f"order:{order_id}:charge",
            order_id=order_id, now=NOW - 100,
        )  # fmt: skip
    return order_id


async def seed(db: Database) -> Shop:
    """Users, orders and history identical in both databases."""
    for user_id in (BUYER, SECOND, THIRD, FRIEND, INVITER):
        await add_user(db, user_id, balance=START)
    await add_stock_services(db)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO referrals (user_id, inviter_id, joined_at) VALUES (?, ?, 0)",
            (FRIEND, INVITER),
        )
        await kv.put(conn, referrals.DEFAULT_KEY, str(Decimal(10)))
    o: dict[str, int] = {}
    # one customer with several orders refunded in the same batch
    o["canceled"] = await _order(db, BUYER, charge=5 * MICRO)
    o["refunded"] = await _order(db, BUYER, charge=3 * MICRO)
    o["partial"] = await _order(db, BUYER, charge=4 * MICRO)  # remains 250 of 1000: 1.00
    o["completed"] = await _order(db, BUYER, charge=2 * MICRO)
    o["started"] = await _order(db, BUYER, charge=MICRO, status_="pending")
    o["same"] = await _order(db, BUYER, charge=MICRO)
    # a part given back earlier (ref ...:part:0), the order still running: the batch gives
    # back the rest on Canceled, the next part (ref ...:part:<refunded>) on Partial
    o["part_then_canceled"] = await _order(db, SECOND, charge=6 * MICRO)
    o["part_then_partial"] = await _order(db, SECOND, charge=8 * MICRO)
    o["partial_then_canceled"] = await _order(db, SECOND, charge=2 * MICRO)
    # steps already in the ledger (a replay): nothing moves again
    o["canceled_replay"] = await _order(db, THIRD, charge=3 * MICRO)
    o["partial_replay"] = await _order(db, THIRD, charge=4 * MICRO)
    o["error"] = await _order(db, THIRD, charge=MICRO)
    o["partial_no_remains"] = await _order(db, THIRD, charge=MICRO)
    o["partial_none_left"] = await _order(db, THIRD, charge=MICRO)  # already all given back
    # an invited customer: the inviter earns on what was kept, nothing on a cancel
    o["friend_completed"] = await _order(db, FRIEND, charge=10 * MICRO)
    o["friend_partial"] = await _order(db, FRIEND, charge=10 * MICRO)
    o["friend_canceled"] = await _order(db, FRIEND, charge=10 * MICRO)
    async with db.transaction() as conn:
        for name in ("part_then_canceled", "part_then_partial"):
            await refunds.refund_charge(conn, o[name], MICRO, note="earlier", now=NOW - 50)
        await refunds.refund_charge(conn, o["partial_none_left"], note="earlier", now=NOW - 50)
        for ref, order_id in (
            (f"order:{o['canceled_replay']}:refund", o["canceled_replay"]),
            (f"order:{o['partial_replay']}:refund:part:0", o["partial_replay"]),
        ):
            # the step was applied, orders.refunded not (as a replay after a lost update)
            await wallet.apply(
                conn, THIRD, MICRO, kind="refund", ref=ref, order_id=order_id, now=NOW - 50
            )
        # a cancel request the operators accepted: over once the order is final
        await conn.execute(
            "INSERT INTO order_requests (order_id, user_id, kind, status, active, created_at,"
            " updated_at) VALUES (?, ?, 'cancel', 'accepted', 1, 0, 0)",
            (o["canceled"], BUYER),
        )
    return Shop(o)


def answer(state: OrderState | None, *, remains: int | None = None, charge: str = "0.5") -> Any:
    return OrderStatus(
        status=state, raw_status=str(state), charge=Decimal(charge), start_count=7, remains=remains
    )


def rounds(o: dict[str, int]) -> list[list[tuple[int, OrderStatus]]]:
    """Two poll batches: the second sees a Partial canceled later (settled: no change)."""
    first = {
        "canceled": answer(OrderState.CANCELED, remains=1000),
        "refunded": answer(OrderState.REFUNDED),
        "partial": answer(OrderState.PARTIAL, remains=250),
        "completed": answer(OrderState.COMPLETED, remains=0),
        "started": answer(OrderState.IN_PROGRESS, remains=900),
        "same": answer(OrderState.IN_PROGRESS, remains=500),
        "part_then_canceled": answer(OrderState.CANCELED),
        "part_then_partial": answer(OrderState.PARTIAL, remains=500),
        "partial_then_canceled": answer(OrderState.PARTIAL, remains=100),
        "canceled_replay": answer(OrderState.CANCELED),
        "partial_replay": answer(OrderState.PARTIAL, remains=250),
        "error": answer(OrderState.FAILED),
        "partial_no_remains": answer(OrderState.PARTIAL, remains=0),
        "partial_none_left": answer(OrderState.PARTIAL, remains=500),
        "friend_completed": answer(OrderState.COMPLETED, remains=0),
        "friend_partial": answer(OrderState.PARTIAL, remains=300),
        "friend_canceled": answer(OrderState.CANCELED),
    }
    second = {
        "partial_then_canceled": answer(OrderState.CANCELED),
        "partial": answer(OrderState.REFUNDED),
        "error": answer(OrderState.CANCELED),  # a later Canceled refunds an error'd order
    }
    return [sorted((o[name], a) for name, a in batch.items()) for batch in (first, second)]


async def snapshot(db: Database) -> dict[str, Any]:
    # the seed top-ups are stamped with the clock (the two databases may be seeded in
    # different seconds); every row the scenario writes has its fixed time
    ledger = await db.fetchall(
        "SELECT ref, user_id, amount, balance_after, kind, order_id, note,"
        " CASE WHEN ref LIKE 'test:seed:%' THEN 0 ELSE created_at END AS created_at"
        " FROM ledger ORDER BY ref"
    )
    users = await db.fetchall("SELECT id, balance FROM users ORDER BY id")
    orders = await db.fetchall(
        "SELECT id, status, refunded, remains, start_count, cost, poll_errors, next_poll_at,"
        " status_changed_at, updated_at FROM orders ORDER BY id"
    )
    outbox = await db.fetchall(
        "SELECT chat_id, key, params, buttons, dedup FROM outbox ORDER BY dedup"
    )
    requests = await db.fetchall(
        "SELECT order_id, kind, status, active, updated_at FROM order_requests ORDER BY id"
    )
    rewards = await db.fetchall(
        "SELECT order_id, inviter_id, base, amount, clawed FROM referral_rewards ORDER BY order_id"
    )
    return {
        name: [dict(row) for row in rows]
        for name, rows in (
            ("ledger", ledger),
            ("users", users),
            ("orders", orders),
            ("outbox", outbox),
            ("requests", requests),
            ("rewards", rewards),
        )
    }


async def test_a_batch_refunds_as_the_one_order_path_does(
    two_dbs: tuple[Database, Database],
) -> None:
    one_by_one, batch = two_dbs
    shop = await seed(one_by_one)
    assert (await seed(batch)).orders == shop.orders  # the same ids in both
    o = shop.orders
    statements: list[str] = []
    batch.observers.append(statements.append)
    expected: list[list[status.Applied]] = []
    got: list[list[status.Applied]] = []
    for answers in rounds(o):
        async with one_by_one.transaction() as conn:
            expected.append(
                [
                    await status.apply_panel_status(
                        conn,
                        NOTICES,
                        order_id,
                        a,
                        currency="USD",
                        now=NOW,
                        next_poll_at=NEXT_POLL,
                    )
                    for order_id, a in answers
                ]
            )
        statements.clear()
        async with batch.transaction() as conn:
            got.append(
                await status.apply_panel_statuses(
                    conn, NOTICES, answers, currency="USD", now=NOW, next_poll_at=NEXT_POLL
                )
            )
    assert got == expected
    want, have = await snapshot(one_by_one), await snapshot(batch)
    for table in want:
        assert have[table] == want[table], table

    # ...and what both did is what the rules say
    by_ref = {row["ref"]: row for row in have["ledger"]}
    first = dict(zip([order_id for order_id, _ in rounds(o)[0]], got[0], strict=True))
    assert first[o["canceled"]].refunded == 5 * MICRO
    assert first[o["refunded"]].refunded == 3 * MICRO
    assert first[o["partial"]].refunded == MICRO
    assert first[o["part_then_canceled"]].refunded == 5 * MICRO
    assert first[o["part_then_partial"]].refunded == 3 * MICRO  # half of 8.00, 1.00 given
    assert first[o["canceled_replay"]] == status.Applied(changed=True, refunded=0, notified=True)
    for name in ("partial_replay", "error", "partial_no_remains"):
        assert first[o[name]].refunded == 0
    # the buyer's three refunds in one batch: a running balance, in the batch's order
    buyer = START - (5 + 3 + 4 + 2 + 1 + 1) * MICRO
    for name, amount in (("canceled", 5), ("refunded", 3), ("partial", 1)):
        buyer += amount * MICRO
        ref = f"order:{o[name]}:refund" if name != "partial" else f"order:{o[name]}:refund:part:0"
        assert (by_ref[ref]["balance_after"], by_ref[ref]["kind"]) == (buyer, "refund")
        assert by_ref[ref]["note"] == f"{name} at the panel"
    assert f"order:{o['part_then_partial']}:refund:part:{MICRO}" in by_ref
    assert f"order:{o['part_then_canceled']}:refund" in by_ref
    # the inviter earned 10% of what was kept: 10.00 and 7.00; nothing on the cancel
    assert by_ref[f"referral:{o['friend_completed']}"]["amount"] == MICRO
    assert by_ref[f"referral:{o['friend_partial']}"]["amount"] == 7 * MICRO // 10
    assert f"referral:{o['friend_canceled']}" not in by_ref
    keys = {row["dedup"]: row["key"] for row in have["outbox"]}
    assert keys[f"order:{o['partial_no_remains']}:partial-no-remains"]
    assert keys[f"order:{o['partial_replay']}:partial-no-remains"]
    assert keys[f"order:{o['error']}:panel-failed"]
    assert have["requests"][0]["status"] == "done" and have["requests"][0]["active"] == 0
    # the second round: the settled Partial stays partial; the error'd order is refunded
    second = dict(zip([order_id for order_id, _ in rounds(o)[1]], got[1], strict=True))
    assert not second[o["partial_then_canceled"]].changed
    assert not second[o["partial"]].changed
    assert second[o["error"]] == status.Applied(changed=True, refunded=MICRO, notified=True)
    # the refunds went together: one ledger insert for the whole batch (the last round's
    # batch: the error'd order's refund)
    inserts = [sql for sql in statements if sql.startswith("INSERT INTO ledger")]
    assert len(inserts) == 1


async def test_many_refunds_of_one_user_take_a_few_statements(db: Database) -> None:
    """A batch of 60 refunds of one user: a constant number of statements, not ~17 each."""
    await add_user(db, BUYER, balance=START)
    await add_stock_services(db)
    order_ids = [await _order(db, BUYER, charge=MICRO) for _ in range(60)]
    answers = [
        (order_id, answer(OrderState.CANCELED if n % 2 else OrderState.PARTIAL, remains=500))
        for n, order_id in enumerate(order_ids)
    ]
    statements: list[str] = []
    db.observers.append(statements.append)
    async with db.transaction() as conn:
        applied = await status.apply_panel_statuses(conn, NOTICES, answers, currency="USD", now=NOW)
    db.observers.remove(statements.append)
    assert sum(a.refunded for a in applied) == 30 * MICRO + 30 * MICRO // 2
    assert all(a.changed and a.notified for a in applied)
    assert len(statements) < 20, statements
    assert await wallet.balance(db, BUYER) == START - 60 * MICRO + 45 * MICRO
    rows = await db.fetchall("SELECT balance_after FROM ledger WHERE kind = 'refund' ORDER BY id")
    after = [int(row[0]) for row in rows]
    assert after == sorted(after) and after[-1] == await wallet.balance(db, BUYER)
