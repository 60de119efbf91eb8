"""One leader for the background work (bot/leader.py, bot/background.py): always the one
process on SQLite; on PostgreSQL the holder of an advisory lock on its own connection, with
a takeover when that connection drops. A leader change doubles no refund and no
notification: the ledger refs and the outbox rows decide."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot

from bot.background import LEADER_TASKS
from bot.config import Settings
from bot.db import Database
from bot.leader import LOCK_KEY, AdvisoryLockLeader, SoloLeader, Timing, make_leader
from bot.panel import PanelClient
from bot.sender import Sender, SenderLimits
from bot.services.orders.poller import Poller
from bot.tasks import Supervisor
from bot.texts import make_core
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.helpers import (
    NOTICES,
    TRACKED_CHARGE,
    USER,
    add_stock_services,
    add_tracked_order,
    add_user,
    outbox_rows,
)

PG_URL = os.environ.get("TEST_DATABASE_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set (PostgreSQL)")
FAST = SenderLimits(backoff_base=0.05, max_attempts=3, idle_poll=0.05, start_delay=0)


class Events:
    """What a leader reported, in order."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def elected(self) -> None:
        self.seen.append("elected")

    async def deposed(self) -> None:
        self.seen.append("deposed")


SLACK = 3.0  # seconds a loaded 2-core machine may add to a deadline


async def _until(check: Callable[[], object], within: float) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within} s")
        await asyncio.sleep(0.05)


async def test_sqlite_process_is_the_leader_from_start_to_stop() -> None:
    leader = make_leader("sqlite", None, 15)
    assert isinstance(leader, SoloLeader) and leader.solo
    events = Events()
    task = asyncio.create_task(leader.run(events.elected, events.deposed))
    await _until(lambda: events.seen, 2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert events.seen == ["elected", "deposed"]


def test_postgresql_needs_its_url_and_timing_fits_the_timeout() -> None:
    with pytest.raises(ValueError, match="database URL"):
        make_leader("postgresql", None, 15)
    t = Timing(15)
    # the leader gives up before the server frees the lock, the follower retries often
    assert t.ping + t.ping_timeout < int(15 / 3) + 2 * int(15 / 6)
    assert t.retry < 15 / 3
    assert t.server_settings()["idle_session_timeout"] == "10000"


async def test_deposed_stops_only_the_leaders_loops() -> None:
    supervisor = Supervisor()
    forever = asyncio.Event().wait
    for name in ("heartbeat", "order-poller", "outbox-sender"):
        supervisor.start(name, forever)
    await supervisor.stop_tasks(LEADER_TASKS, within=2)
    assert supervisor.names == ["heartbeat"]
    supervisor.start("order-poller", forever)  # elected again later: starts anew
    assert sorted(supervisor.names) == ["heartbeat", "order-poller"]
    await supervisor.stop(within=2)
    assert supervisor.names == []


# ---------------------------------------------------------------- PostgreSQL advisory lock


async def _pg_execute(sql: str, *args: object) -> object:
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


GRANTED = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = $1::int::oid AND objsubid = 2"
    " AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid"
)


@pytest.fixture
async def free_lock() -> AsyncIterator[None]:
    """No session of an earlier run holds the lock (of the public schema: other tests'
    clusters use schemas of their own)."""
    drop = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
        " WHERE locktype = 'advisory' AND classid = $1::int::oid AND objsubid = 2"
        " AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid"
    )
    await _pg_execute(drop, LOCK_KEY)
    yield
    await _pg_execute(drop, LOCK_KEY)


@needs_pg
async def test_one_leader_and_a_takeover_when_its_connection_drops(free_lock: None) -> None:
    assert PG_URL is not None
    timeout = 5  # LEADER_TIMEOUT's minimum
    first, second = AdvisoryLockLeader(PG_URL, timeout), AdvisoryLockLeader(PG_URL, timeout)
    a, b = Events(), Events()
    task_a = asyncio.create_task(first.run(a.elected, a.deposed))
    await _until(lambda: a.seen == ["elected"], timeout)
    task_b = asyncio.create_task(second.run(b.elected, b.deposed))
    try:
        await asyncio.sleep(timeout / 2)  # several tries of the follower
        assert b.seen == [] and first.is_leader and not second.is_leader

        # the leader's session is ended under it (a network cut, a restarted server)
        holder = await _pg_execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = $1::int::oid AND objsubid = 2 AND granted"
            " AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid",
            LOCK_KEY,
        )
        assert await _pg_execute("SELECT pg_terminate_backend($1)", holder)
        # LEADER_TIMEOUT, with slack for a loaded machine (as tests/test_multi_replica.py)
        await _until(lambda: a.seen == ["elected", "deposed"], timeout + SLACK)
        await _until(lambda: b.seen == ["elected"], timeout + SLACK)
        assert second.is_leader and not first.is_leader
    finally:
        for task in (task_a, task_b):
            task.cancel()
        await asyncio.gather(task_a, task_b, return_exceptions=True)
    assert b.seen == ["elected", "deposed"]  # a stop ends the lead too (loops stopped)


@needs_pg
async def test_a_stopped_leader_frees_the_lock_at_once(free_lock: None) -> None:
    assert PG_URL is not None
    first, second = AdvisoryLockLeader(PG_URL, 5), AdvisoryLockLeader(PG_URL, 5)
    a, b = Events(), Events()
    task_a = asyncio.create_task(first.run(a.elected, a.deposed))
    await _until(lambda: a.seen == ["elected"], 5)
    task_b = asyncio.create_task(second.run(b.elected, b.deposed))
    task_a.cancel()  # SIGTERM on a deploy
    await asyncio.gather(task_a, return_exceptions=True)
    try:
        await _until(lambda: b.seen == ["elected"], 5)
    finally:
        task_b.cancel()
        await asyncio.gather(task_b, return_exceptions=True)


@needs_pg
async def test_a_stopping_leader_holds_the_lock_until_its_loops_stopped(free_lock: None) -> None:
    """On SIGTERM the sender finishes its sends in flight while deposed runs: no other
    replica may lead (and send) before that."""
    assert PG_URL is not None
    leader = AdvisoryLockLeader(PG_URL, 5)
    held_while_deposed: list[int] = []
    events = Events()

    async def deposed() -> None:
        held_while_deposed.append(await _pg_execute(GRANTED, LOCK_KEY))  # type: ignore[arg-type]

    task = asyncio.create_task(leader.run(events.elected, deposed))
    await _until(lambda: events.seen == ["elected"], 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert held_while_deposed == [1]
    assert await _pg_execute(GRANTED, LOCK_KEY) == 0  # let go right after


# ---------------------------------------------------------------- a leader change


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


async def _deliver_all(bot: Bot, db: Database, settings: Settings) -> None:
    """One leader's sender, until the outbox has nothing queued."""
    core = make_core("en")
    await core.startup()
    sender = Sender(bot, db, core, settings, FAST)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))

    async def queued() -> int:
        return int(await db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'queued'"))

    try:
        deadline = time.monotonic() + 10
        while await queued() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task


async def test_a_leader_change_doubles_no_refund_and_no_notification(
    db: Database,
    fake_panel: FakePanel,
    panel_client: PanelClient,
    tg: FakeTelegram,
    settings: Settings,
) -> None:
    await add_user(db, USER)
    await add_stock_services(db)
    order_id, panel_id = await add_tracked_order(db, fake_panel, status="in_progress")
    fake_panel.set_status(panel_id, "Canceled")
    old, new = (Poller(db, panel_client, notices=NOTICES) for _ in range(2))
    bot = tg.make_bot()
    try:
        # the old leader polls and notifies, then loses its lock; at the same time the
        # new one, just elected, polls the same order: both see it canceled
        await db.execute("UPDATE orders SET next_poll_at = 0")
        await asyncio.gather(old.poll_once(), new.poll_once())
        await _deliver_all(bot, db, settings)
        await db.execute("UPDATE orders SET next_poll_at = 0")
        await new.poll_once()  # the new leader's next round
        await _deliver_all(bot, db, settings)  # the new leader's sender
    finally:
        await bot.session.close()
    refunds = await db.fetchall("SELECT ref, amount FROM ledger WHERE kind = 'refund'")
    assert [(r["ref"], r["amount"]) for r in refunds] == [
        (f"order:{order_id}:refund", TRACKED_CHARGE)
    ]
    notes = await outbox_rows(db, USER)
    assert [(n["key"], n["status"]) for n in notes] == [("track-canceled", "sent")]
    assert len(tg.sent_messages(USER)) == 1
