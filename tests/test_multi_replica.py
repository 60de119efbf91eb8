"""Three bot processes in webhook mode on one PostgreSQL (a fresh schema) and one Redis, fed
updates round-robin as Telegram would, against the fake Bot API and the fake panel:

- a user's order dialog continues across replicas;
- 50 users ordering at once: exactly 50 panel `add` calls and the right balances;
- the same update delivered to two replicas is handled once;
- one leader (one poller) at a time;
- killing the leader (SIGKILL) hands leadership to another replica within LEADER_TIMEOUT,
  and no refund or notification is doubled or lost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.leader import LOCK_KEY
from tests.cluster import SECRET, Cluster, prepare_shop, services_up, until
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.helpers import assert_ledger_consistent, postgres_schema

pytestmark = pytest.mark.skipif(
    services_up() is None, reason="TEST_DATABASE_URL and TEST_REDIS_URL are not both set"
)

START = 20_000_000  # 20.00 each
FIRST = 5000  # the user whose dialog hops replicas
CROWD = list(range(6000, 6050))  # 50 users ordering at once
LEADER_TIMEOUT = 5
SLACK = 3.0  # process scheduling on a loaded 2-core machine


@pytest.fixture
async def cluster(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, redis_prefix: str
) -> AsyncIterator[tuple[Cluster, str]]:
    urls = services_up()
    assert urls is not None
    async with postgres_schema() as url:
        await prepare_shop(url, fake_panel, [FIRST, *CROWD], START)
        c = Cluster(
            tmp_path, fake_tg, fake_panel,
            database_url=url, redis_url=urls[1], redis_prefix=redis_prefix, size=3,
        )  # fmt: skip
        try:
            yield await c.start(), url
        finally:
            await c.stop()


async def _granted_locks(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = $1::int::oid AND objsubid = 2"
                " AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid",
                LOCK_KEY,
            )
        )
    finally:
        await conn.close()


async def test_three_replicas(cluster: tuple[Cluster, str], fake_panel: FakePanel) -> None:
    c, url = cluster
    tg = c.tg
    await until(lambda: len(c.leaders()) == 1, what="a leader")
    assert await _granted_locks(url) == 1  # one leader, so one poller, one sender

    # a dialog hops replicas: start on 0, link on 1, quantity on 2, Confirm on 0
    await c.order(FIRST, first=0)
    assert len(fake_panel.add_calls) == 1

    # the same update to two replicas at once (Telegram retried after a timeout)
    before = len(c.texts(FIRST))
    start = tg.make_update(message=tg.make_message("/start", user_id=FIRST))
    assert await asyncio.gather(c.post(1, start), c.post(2, start)) == [200, 200]
    await until(lambda: len(c.texts(FIRST)) > before, what="/start answered")
    await asyncio.sleep(1.0)  # time for a second answer, were there one
    assert len(c.texts(FIRST)) == before + 1
    assert await c.post(0, start, secret="not-" + SECRET) == 401

    # 50 users at once, each dialog spread over the replicas
    await asyncio.gather(*(c.order(user, first=i % 3) for i, user in enumerate(CROWD)))
    assert len(fake_panel.add_calls) == 1 + len(CROWD)
    db = Database(url)
    await db.connect()
    try:
        rows = await db.fetchall(
            "SELECT u.id, u.balance, o.charge, o.status FROM users u JOIN orders o"
            " ON o.user_id = u.id"
        )
        assert len(rows) == 1 + len(CROWD)  # one order each
        for row in rows:
            assert row["status"] == "pending"
            assert row["balance"] == START - row["charge"], dict(row)
        await assert_ledger_consistent(db)

        # the panel cancels ten orders; the leader is killed while it polls them
        canceled = CROWD[:10]
        panel_ids = await db.fetchall(
            "SELECT user_id, panel_order_id FROM orders WHERE user_id IN ("
            + ", ".join("?" * len(canceled)) + ")",
            tuple(canceled),
        )  # fmt: skip
        for row in panel_ids:
            fake_panel.set_status(str(row["panel_order_id"]), "Canceled")
        await db.execute("UPDATE orders SET next_poll_at = 0")
        [leader] = c.leaders()
        await asyncio.sleep(1.0)  # likely mid-cycle: some refunds done, some not
        await c.kill(leader)
        killed_at = time.monotonic()
        await until(lambda: len(c.leaders()) == 1, LEADER_TIMEOUT + SLACK, "a new leader in time")
        took = time.monotonic() - killed_at
        assert c.leaders()[0] != leader, took
        assert await _granted_locks(url) == 1

        async def settled() -> bool:
            left = await db.fetchval(
                "SELECT COUNT(*) FROM orders WHERE status <> 'canceled' AND user_id IN ("
                + ", ".join("?" * len(canceled)) + ")",
                tuple(canceled),
            )  # fmt: skip
            queued = await db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'queued'")
            return left == 0 and queued == 0

        deadline = time.monotonic() + 60
        while not await settled():
            assert time.monotonic() < deadline, "the new leader did not finish the refunds"
            await asyncio.sleep(0.2)
        for user in canceled:
            refunds = await db.fetchall(
                "SELECT ref FROM ledger WHERE user_id = ? AND kind = 'refund'", (user,)
            )
            assert len(refunds) == 1, (user, refunds)
            assert await db.fetchval("SELECT balance FROM users WHERE id = ?", (user,)) == START
            told = [t for t in c.texts(user) if "was canceled" in t]
            assert len(told) == 1, (user, told)  # neither lost nor doubled
        await assert_ledger_consistent(db)
    finally:
        await db.close()
    hooks = tg.calls_of("setWebhook")
    assert len(hooks) == 2  # the first leader and the new one
    assert all(h.params.get("drop_pending_updates") in (None, False, "false") for h in hooks)
    codes = await c.stop()
    assert [code for i, code in enumerate(codes) if i != leader] == [0, 0]
    assert not tg.calls_of("deleteWebhook")
