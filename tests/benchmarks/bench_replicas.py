"""Replicas benchmark: updates per second handled by the bot in webhook mode as
- one process on SQLite (no Redis),
- one replica on PostgreSQL + Redis,
- three replicas on PostgreSQL + Redis,
each against the fake Bot API and the fake panel. The load: N customers at once, each going
through the order dialog (open a service, link, quantity, Confirm: 4 updates, the last one
charging the wallet and calling the panel's `add`), every step posted to the next replica
round-robin and sent only after the bot answered the previous one, as a person would.
Figure: updates / seconds from the first post to the last "is placed".
Needs TEST_DATABASE_URL and TEST_REDIS_URL for the PostgreSQL rows.
Run: PYTHONPATH=. python tests/benchmarks/bench_replicas.py [users]
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from tests.cluster import Cluster, prepare_shop
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.helpers import postgres_schema

FIRST_ID = 700_000
STEPS = 4  # updates per customer


async def one_run(label: str, users: int, size: int, database: str, redis: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tg, panel = FakeTelegram(), FakePanel()
        await tg.start()
        await panel.start()
        ids = list(range(FIRST_ID, FIRST_ID + users))
        url = database if database != "sqlite" else f"sqlite:///{tmp}/shop.sqlite3"
        await prepare_shop(url, panel, ids, 1_000_000_000)
        prefix = f"bench-{secrets.token_hex(4)}"
        cluster = Cluster(
            Path(tmp), tg, panel, database_url=url, redis_url=redis, redis_prefix=prefix,
            size=size, LOG_LEVEL="WARNING",
        )  # fmt: skip
        try:
            await cluster.start()
            started = time.perf_counter()
            await asyncio.gather(*(cluster.order(u, first=i % size) for i, u in enumerate(ids)))
            took = time.perf_counter() - started
        finally:
            await cluster.stop()
            await tg.stop()
            await panel.stop()
            if redis:
                await _drop_keys(redis, prefix)
        assert len(panel.add_calls) == users
        rate = users * STEPS / took
        print(f"{label:<32} {users * STEPS:>6} updates in {took:6.2f} s: {rate:7.1f} updates/s")


async def _drop_keys(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def main(users: int) -> None:
    await one_run("1 process, SQLite", users, 1, "sqlite", None)
    pg, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not (pg and redis):
        print("PostgreSQL + Redis rows skipped: TEST_DATABASE_URL / TEST_REDIS_URL not set")
        return
    for size in (1, 3):
        async with postgres_schema() as url:
            await one_run(f"{size} replica(s), PostgreSQL+Redis", users, size, url, redis)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
