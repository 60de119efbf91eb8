"""`python -m bot migrate-data`: a shop's SQLite data, made by a scripted run (orders in
every status, refunds, credits, outbox rows, payments, support, FSM...), copied into an
empty PostgreSQL database row for row, checked, and usable afterwards."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.config import Settings
from bot.db import Database
from bot.db.transfer import TransferError, transfer
from bot.fsm_storage import SQLiteStorage
from bot.panel import PanelClient
from bot.services import audit, favourites, kv, outbox, promo, referrals, support, wallet
from bot.services.orders import placing, status
from bot.services.orders.poller import Poller, PollerConfig
from tests.fakes.panel import FakePanel
from tests.helpers import (
    NO_POSTGRES,
    NOTICES,
    TEST_DATABASE_URL,
    USER,
    add_stock_services,
    add_user,
    assert_ledger_consistent,
    place,
    postgres_schema,
    run_bot,
)

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason=NO_POSTGRES)
MICRO = 1_000_000
OTHER = 2002


@pytest.fixture
async def target() -> AsyncIterator[str]:
    async with postgres_schema() as url:
        yield url


async def scripted_shop(
    db: Database, panel: PanelClient, fake_panel: FakePanel, settings: Settings
) -> None:
    """A shop after a while: credits, orders in every status (refunds full and partial),
    a refill request, notifications, a payment, a support thread, a dialog in progress."""
    fake_panel.balance = fake_panel.balance * 1000
    await add_stock_services(db)
    await add_user(db, USER, balance=50 * MICRO)
    await add_user(db, OTHER, balance=3 * MICRO)
    await wallet.top_up(db, USER, 7 * MICRO, ref="admin:credit:1", kind="credit", note="gift")
    placed = [await place(db, panel, settings) for _ in range(7)]
    ids = [(r.order_id, r.panel_order_id) for r in placed]
    assert all(oid is not None and pid is not None for oid, pid in ids)
    for (_, pid), raw in zip(ids, ["Completed", "Partial", "Canceled", "In progress",
                                    "Processing"], strict=False):  # fmt: skip
        fake_panel.set_status(str(pid), raw, remains=400 if raw == "Partial" else None)
    poller = Poller(db, panel, notices=NOTICES, config=PollerConfig(interval=60))
    await poller.poll_once(now=int(time.time()) + 3600)
    failed, unknown = ids[5][0], ids[6][0]
    assert failed is not None and unknown is not None
    await status.fail_order(db, NOTICES, failed, "rejected by the panel")
    async with db.transaction() as conn:
        await status.mark_unknown(conn, NOTICES, unknown, "timeout")
        await audit.write(conn, 777, "credit", USER, "7.00")
        await kv.put(conn, "markup_percent", "12.5")
        await conn.execute(
            "INSERT INTO order_requests (order_id, user_id, kind, status, active, created_at,"
            " updated_at) VALUES (?, ?, 'refill', 'accepted', 1, 1, 1)",
            (ids[0][0], USER),
        )
        await conn.execute(
            "INSERT INTO payments (user_id, method, status, amount, credited, currency, stars,"
            " rate_micros, provider_charge_id, created_at, updated_at, paid_at)"
            " VALUES (?, 'stars', 'paid', ?, ?, 'USD', 770, 13000, 'ch-1', 1, 1, 1)",
            (USER, 10 * MICRO, 10 * MICRO),
        )
        await wallet.apply(conn, USER, 10 * MICRO, kind="topup", ref="stars:ch-1")
    await outbox.notify(db, OTHER, "broadcast-text", {"text": "hello"}, dedup="bc:1")
    request_id = await support.open_request(db, USER, "general")
    assert request_id is not None
    await support.link_message(db, request_id, -100, 55)
    storage = SQLiteStorage(db)
    await storage.set_state(StorageKey(bot_id=1, chat_id=USER, user_id=USER), "OrderDialog:link")
    await storage.set_data(StorageKey(bot_id=1, chat_id=USER, user_id=USER), {"service": "17"})
    # growth: a favourite, an invited friend, a promo code used
    assert await favourites.set_favourite(db, USER, "2", True)
    assert await referrals.attach(db, OTHER, await referrals.code_of(db, USER), is_new=True)
    assert await promo.create(db, 777, promo.parse_spec(["welcome", "1"]))
    assert (await promo.redeem(db, OTHER, "WELCOME")).outcome == "credited"


async def _dump(db: Database, table: str) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(f"SELECT * FROM {table}")
    return sorted((tuple(r) for r in rows), key=repr)


async def _tables(db: Database) -> list[str]:
    """Every table of the source but SQLite's own and its search index (the target builds
    its own): a table a later migration adds is checked without being listed here."""
    rows = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'service_search%' ORDER BY name"
    )
    return [str(r[0]) for r in rows]


async def test_a_shop_moves_to_postgres_row_for_row(
    tmp_path: Path,
    target: str,
    fake_panel: FakePanel,
    panel_client: PanelClient,
    settings: Settings,
) -> None:
    source_path = tmp_path / "shop.sqlite3"
    source = Database(source_path)
    await source.connect()
    try:
        await scripted_shop(source, panel_client, fake_panel, settings)
        statuses = {r[0] for r in await source.fetchall("SELECT DISTINCT status FROM orders")}
        assert statuses >= {"completed", "partial", "canceled", "in_progress", "processing",
                            "failed", "unknown"}  # fmt: skip
        tables = await _tables(source)
        expected = {table: await _dump(source, table) for table in tables}
        for table in ("favourites", "referrals", "referral_codes", "promo_codes",
                      "promo_redemptions", "support_messages", "fsm"):  # fmt: skip
            assert expected[table], f"the scripted shop left {table} empty"
    finally:
        await source.close()

    code, out, err = await run_bot(
        {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        "migrate-data", "--from", f"sqlite:///{source_path}", "--to", target,
        cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "row counts match the source" in out
    assert f"orders: {len(expected['orders'])} row(s)" in out

    copied = Database(target)
    await copied.connect()
    try:
        for table in tables:
            assert await _dump(copied, table) == expected[table], table
        await assert_ledger_consistent(copied)
        # the copy is a working shop: new ids follow the copied ones, history is recorded
        before = max(r[0] for r in expected["orders"])
        result = await placing.place_order(
            copied, panel_client, settings, NOTICES,
            placing.Draft(user_id=USER, service_id="17", fields={"link": "https://t.me/x",
                          "quantity": 100}, quantity=100, link="https://t.me/x"),
            placing.new_confirm_token(),
        )  # fmt: skip
        assert result.outcome == "placed" and result.order_id == before + 1
        events = await copied.fetchval(
            "SELECT COUNT(*) FROM order_events WHERE order_id = ?", (result.order_id,)
        )
        assert events == 2  # submitting, then pending
    finally:
        await copied.close()

    with pytest.raises(TransferError, match="already holds data"):
        await transfer(f"sqlite:///{source_path}", target)
