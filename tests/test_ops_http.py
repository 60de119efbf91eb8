"""/healthz, /readyz and /metrics on HTTP_LISTEN (issue 15): a scripted shop run through the
real dispatcher against the fake panel and the fake Bot API, then /metrics scraped over HTTP
and its counters checked against what happened; readiness lost and regained with the
database; the heartbeat behind /healthz; `python -m bot health` asking /healthz."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.health import http_health
from bot.metrics import Metrics
from tests.fakes.panel import FakePanel, Fault
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness
from tests.helpers import add_user, bot_env, run_bot
from tests.payments_shop import pay_stars, payments_harness, stars_invoice
from tests.test_order_dialog import LINK, confirm_data, walk_to_summary

USER = 1001
START = 100_000_000


@pytest.fixture
async def shop(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    h = payments_harness(tmp_path, fake_tg, fake_panel, http_listen="127.0.0.1:0")
    await h.start()
    try:
        await add_user(h.db, USER, balance=START)
        yield h
    finally:
        await h.stop()


async def get(h: BotHarness, path: str) -> tuple[int, str]:
    port = h.dp["ops_server"].port
    assert port, "the ops server is not listening"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def scrape(h: BotHarness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, sorted labels); database figures read afresh."""
    metrics: Metrics = h.dp["metrics"]
    metrics.snapshot.at = float("-inf")  # past the cache: this test's changes are seen
    status, text = await get(h, "/metrics")
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


_links = itertools.count(1)


async def place(h: BotHarness, service: str = "2") -> None:
    """One order through the dialog, each for a link of its own (the same-link guard would
    ask again before a second order for one link)."""
    link = f"{LINK}{next(_links)}"
    answers = [link, "1000"] if service == "2" else [link]
    calls = await walk_to_summary(h, service, answers)
    await h.press(confirm_data(h, calls))


async def run_for_a_moment(h: BotHarness, name: str, done: object) -> None:
    """Runs one of the app's background tasks until `done()` is true, then stops it."""
    task = asyncio.create_task(h.supervisor.factories[name]())
    try:
        for _ in range(500):  # 10 s at most: the machine may be busy
            if await done():  # type: ignore[operator]
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{name} did not get there")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_metrics_count_a_scripted_shop_run(shop: BotHarness) -> None:
    h = shop
    before = await scrape(h)
    assert value(before, "smm_leader") == 1
    # two orders placed, one the panel refuses (out of funds), one with its answer lost
    await place(h)
    await place(h)
    h.fake_panel.variant.reject_duplicate_links = False
    balance = h.fake_panel.balance
    h.fake_panel.balance = 0
    await place(h, "3")
    h.fake_panel.balance = balance
    h.fake_panel.fail(Fault.HTML_502, times=1, actions={"add"})
    await place(h, "3")
    # a Stars top-up of 10.00
    await h.send("/start", USER)
    await stars_invoice(h, 10 * 1_000_000)
    await pay_stars(h)
    # one poll cycle, then the outbox sent, one message after a 429
    h.tg.fail_next("sendMessage", 429, retry_after=1)
    metrics: Metrics = h.dp["metrics"]

    async def polled() -> bool:
        return _count(metrics) >= 1

    await run_for_a_moment(h, "order-poller", polled)

    async def drained() -> bool:
        queued = await h.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'queued'")
        return int(queued) == 0

    await run_for_a_moment(h, "outbox-sender", drained)
    after = await scrape(h)

    assert not h.errors
    assert moved(before, after, "smm_orders_total", outcome="placed") == 2
    assert moved(before, after, "smm_orders_total", outcome="failed") == 1
    assert moved(before, after, "smm_orders_total", outcome="unknown") == 1
    adds = h.fake_panel.add_calls
    assert len(adds) == 4
    ok = moved(before, after, "smm_panel_requests_total", action="add", outcome="ok")
    rejected = moved(before, after, "smm_panel_requests_total", action="add", outcome="rejected")
    unknown = moved(before, after, "smm_panel_requests_total", action="add", outcome="unknown")
    assert (ok, rejected, unknown) == (2, 1, 1)
    assert moved(before, after, "smm_panel_request_seconds_count", action="add") == 4
    assert moved(before, after, "smm_poll_cycle_seconds_count") == 1
    assert value(after, "smm_topups_total", method="stars") == 1
    assert value(after, "smm_topup_micros_total", method="stars") == 10 * 1_000_000
    # updates: every press and message went through the outer middleware
    assert moved(before, after, "smm_updates_total", type="callback_query") >= 8
    assert moved(before, after, "smm_updates_total", type="pre_checkout_query") == 1
    assert moved(before, after, "smm_handler_seconds_count", type="message") == moved(
        before, after, "smm_updates_total", type="message"
    )
    # the wallets: the sum of balances is what the database holds
    total = await h.db.fetchval("SELECT SUM(balance) FROM users")
    assert value(after, "smm_wallet_balance_micros") == total
    # the outbox: everything sent, the 429 seen once
    sent = await h.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
    assert sent > 0 and value(after, "smm_outbox_sent_total") == sent
    assert value(after, "smm_telegram_429_total") == 1
    assert value(after, "smm_outbox_messages", status="queued") == 0
    # the two placed orders (and the unknown one) are followed by the poller
    open_orders = sum(v for (n, _), v in after.items() if n == "smm_open_orders")
    assert open_orders == 3
    assert value(after, "smm_database_up") == 1


def _count(metrics: Metrics) -> float:
    for family in metrics.poll_seconds.collect():
        for s in family.samples:
            if s.name.endswith("_count"):
                return s.value
    return 0.0


async def test_readyz_follows_the_database(shop: BotHarness) -> None:
    status, body = await get(shop, "/readyz")
    assert (status, body) == (200, '{"status": "ready"}')
    await shop.db.close()
    status, body = await get(shop, "/readyz")
    assert status == 503
    assert '"database": "database does not answer' in body
    await shop.db.connect()
    assert (await get(shop, "/readyz"))[0] == 200


async def test_readyz_when_the_panel_is_unreachable(shop: BotHarness) -> None:
    panel = shop.panel
    panel.last_answer = None  # nothing heard from it since start
    shop.fake_panel.fail(Fault.HTML_502, times=None)
    status, body = await get(shop, "/readyz")
    assert status == 503 and '"panel": "the panel has not answered since start"' in body
    shop.fake_panel.fail(Fault.HTML_502, times=0)


async def test_healthz_follows_the_heartbeat(shop: BotHarness) -> None:
    status, body = await get(shop, "/healthz")
    assert status == 503 and "no heartbeat yet" in body

    async def beating() -> bool:
        return shop.dp["beat"].last is not None

    task = asyncio.create_task(shop.supervisor.factories["heartbeat"]())
    try:
        for _ in range(1000):  # 10 s at most: a heartbeat that never beats fails, not hangs
            if await beating():
                break
            await asyncio.sleep(0.01)
        assert (await get(shop, "/healthz")) == (200, '{"status": "ok"}')
        port = shop.dp["ops_server"].port
        # the container's HEALTHCHECK, `python -m bot health`, asks the same endpoint
        assert await asyncio.to_thread(http_health, f"0.0.0.0:{port}") == 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    shop.dp["beat"].last -= 10_000  # a heartbeat that stopped long ago
    assert (await get(shop, "/healthz"))[0] == 503
    assert await asyncio.to_thread(http_health, f"127.0.0.1:{port}") == 1


async def test_two_apps_in_one_process_keep_their_own_counts(
    shop: BotHarness, tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    other = payments_harness(tmp_path / "other", fake_tg, fake_panel)
    await other.start()
    try:
        await shop.send("/start", USER)
        mine = await scrape(shop)
        theirs = await other.dp["metrics"].render()
        assert value(mine, "smm_updates_total", type="message") == 1
        assert b'smm_updates_total{type="message"}' not in theirs
        assert other.dp["ops_server"].port is None  # no HTTP_LISTEN: no server
    finally:
        await other.stop()


async def test_a_port_in_use_stops_the_bot_with_one_line(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        env = bot_env(tmp_path, fake_tg.url, fake_panel.url, fake_panel.key,
                      HTTP_LISTEN=f"127.0.0.1:{port}")  # fmt: skip
        code, _, err = await run_bot(env, cwd=tmp_path)
    finally:
        taken.close()
    assert code == 1, err
    assert f"HTTP_LISTEN: cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err
