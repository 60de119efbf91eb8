"""Catalog speed: sync of 10,000 services in 300 categories served by the fake panel on
127.0.0.1 through the real PanelClient, then p50/p95 of category pages, service pages and
searches. Run: python tests/benchmarks/bench_catalog.py [--database-url postgresql://...]

Targets: sync < 2 s (the database part; the HTTP fetch and parse are shown apart),
any page or search < 20 ms p95.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.db import Database
from bot.panel import PanelClient, Service
from bot.services import catalog
from tests.benchmarks.bench_database import arguments, bench_target
from tests.fakes.panel import FakePanel, _svc

SERVICES = 10_000
CATEGORIES = 300
QUERIES = 300
SEED = 20240501

NETWORKS = ["Instagram", "Telegram", "YouTube", "TikTok", "Facebook", "Twitter", "Spotify",
            "Twitch", "Discord", "VK"]  # fmt: skip
THINGS = ["Followers", "Likes", "Views", "Comments", "Members", "Subscribers", "Shares",
          "Saves", "Reactions", "Votes", "Plays", "Reposts"]  # fmt: skip
TAGS = ["HQ", "Real", "Fast", "Refill 30d", "No Drop", "Cheap", "Premium", "Instant",
        "Targeted USA", "Bots", "Mixed", "Lifetime"]  # fmt: skip
TYPES = ["Default"] * 14 + ["Package", "Custom Comments", "Mentions", "Poll", "Subscriptions",
                            "Strange New Type"]  # fmt: skip


def build_services(rng: random.Random) -> list[dict[str, Any]]:
    categories = [
        f"{NETWORKS[i % len(NETWORKS)]} {THINGS[(i // len(NETWORKS)) % len(THINGS)]} #{i}"
        for i in range(CATEGORIES)
    ]
    services = []
    for sid in range(1, SERVICES + 1):
        category = categories[rng.randrange(CATEGORIES)]
        name = f"{category.split(' #')[0]} [{rng.choice(TAGS)}] [{rng.choice(TAGS)}] {sid}"
        rate = Decimal(rng.randrange(1, 500_000)) / Decimal(10_000)
        services.append(
            _svc(sid, name, rng.choice(TYPES), category, str(rate), 10, 100_000,
                 refill=rng.random() < 0.3, description="Start 0-1h. " * rng.randrange(0, 20))
        )  # fmt: skip
    return services


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def timed(samples: list[float], call: Callable[[], Awaitable[object]]) -> None:
    started = time.perf_counter()
    await call()
    samples.append((time.perf_counter() - started) * 1000)


class ListPanel:
    """Feeds an already parsed list, to time the database part of the sync alone."""

    def __init__(self, services: list[Service]) -> None:
        self._services = services

    async def services(self) -> list[Service]:
        return self._services

    async def balance(self) -> Any:
        raise NotImplementedError


async def main(url: str | None) -> None:
    logging.basicConfig(level=logging.ERROR)  # the unknown-type warnings are expected here
    rng = random.Random(SEED)
    rows: list[tuple[str, str, str]] = []
    async with bench_target(url) as target:
        db = Database(target)
        await db.connect()
        fake = FakePanel(services=build_services(rng))
        async with fake, PanelClient(fake.url, fake.key) as client:
            started = time.perf_counter()
            fetched = await client.services()
            fetch_s = time.perf_counter() - started
            rows.append(("panel fetch + parse (HTTP, 10k)", f"{fetch_s * 1000:.0f} ms", ""))

            started = time.perf_counter()
            report = await catalog.sync(db, ListPanel(fetched))
            first_s = time.perf_counter() - started
            rows.append(("sync, first (10k inserts)", f"{first_s * 1000:.0f} ms", "< 2000"))

            for service in fake.services[::7]:
                service["rate"] = Decimal(service["rate"]) * Decimal("1.1")
            fake.services = fake.services[:-500]
            started = time.perf_counter()
            again = await catalog.sync(db, client)
            full_s = time.perf_counter() - started
            rows.append(("sync, re-sync through HTTP", f"{full_s * 1000:.0f} ms", "< 2000"))
            assert report.total == SERVICES and again.total == SERVICES - 500
            assert len(again.removed) == 500 and again.price_changes

        cats = await catalog.list_categories(db, 0)
        category_ids = [
            int(r[0]) for r in await db.fetchall("SELECT DISTINCT category_id FROM services")
        ]
        words = [w.lower() for w in NETWORKS + THINGS + ["hq", "real", "refill", "fast", "zzz"]]
        samples: dict[str, list[float]] = {"categories": [], "services": [], "search": []}
        markup = Decimal(15)
        for _ in range(QUERIES):
            await timed(
                samples["categories"],
                lambda: catalog.list_categories(db, rng.randrange(cats.pages)),
            )
            cid = rng.choice(category_ids)
            await timed(
                samples["services"],
                lambda cid=cid: catalog.list_services(  # type: ignore[misc]
                    db, cid, rng.randrange(4), default_markup=markup
                ),
            )
            kind = rng.random()
            if kind < 0.15:
                query = str(rng.randrange(1, SERVICES))
            else:
                query = " ".join(rng.sample(words, rng.choice((1, 2, 2, 3))))
                if rng.random() < 0.5:
                    query = query.upper()
            await timed(
                samples["search"],
                lambda query=query: catalog.search(  # type: ignore[misc]
                    db, query, rng.randrange(3), default_markup=markup
                ),
            )
        await db.close()

    for name, values in samples.items():
        rows.append(
            (
                f"{name} page, p50 / p95 / max ({len(values)})",
                f"{statistics.median(values):.2f} / {percentile(values, 0.95):.2f} / "
                f"{max(values):.2f} ms",
                "p95 < 20",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'result':<28} target (ms)")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value:<28} {target}")
    print(f"({SERVICES} services, {CATEGORIES} categories, {cats.total} offered categories)")


if __name__ == "__main__":
    asyncio.run(main(arguments(__doc__ or "").database_url))
