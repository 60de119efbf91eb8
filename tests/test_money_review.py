"""Money review: races and edge cases of everything that moves money or orders, against the
real FakePanel and a real SQLite file, plus a seeded property test of the ledger invariants."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.config import Settings
from bot.db import Database
from bot.panel import PanelClient
from bot.services import accounts, wallet
from bot.services.orders import placing, requests, status
from bot.services.orders.placing import Draft
from bot.services.orders.poller import Poller, PollerConfig
from tests.conftest import ADMIN_CHAT, TEST_KEY, TEST_TOKEN, add_user, make_notices
from tests.fakes.panel import FakePanel

USER = 1001
OTHER = 1002
ADMIN = 777
MICRO = 1_000_000
LIKES = "2"  # Default, 0.036 per 1000, min 50, max 50000
MEMBERS = "17"  # Default, 1.1 per 1000, refill + cancel
NOTICES = make_notices(ADMIN_CHAT, order_button=lambda oid: f"o:view:{oid}:0", admin_lang="en")


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,
        panel_api_url="http://127.0.0.1:9",
        panel_api_key=TEST_KEY,
        admin_chat_id=ADMIN_CHAT,
        database_path=tmp_path / "unused.sqlite3",
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakePanel]:
    async with FakePanel(key=TEST_KEY) as panel:
        yield panel


@pytest.fixture
async def panel(fake: FakePanel) -> AsyncIterator[PanelClient]:
    client = PanelClient(fake.url, TEST_KEY, connect_timeout=1, read_timeout=2, backoff=0)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def shop(db: Database) -> Database:
    await add_user(db, USER, balance=100 * MICRO)
    await add_user(db, OTHER, balance=100 * MICRO)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO categories (id, name) VALUES (1, 'IG')")
        for sid, name, rate, refill, cancel in (
            (LIKES, "IG Likes", 36_000, 0, 0),
            (MEMBERS, "TG Members", 1_100_000, 1, 1),
        ):
            await conn.execute(
                "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
                " refill, cancel, updated_at) VALUES (?, 1, ?, 'Default', 'default', ?, 50,"
                " 50000, ?, ?, 0)",
                (sid, name, rate, refill, cancel),
            )
    return db


@pytest.fixture
def poller(shop: Database, panel: PanelClient) -> Poller:
    return Poller(
        shop,
        panel,
        notices=NOTICES,
        config=PollerConfig(interval=60),
    )


def draft(quantity: int = 1000, *, service: str = MEMBERS, user: int = USER) -> Draft:
    link = f"https://t.me/c{random.randrange(10**9)}"
    return Draft(
        user_id=user,
        service_id=service,
        fields={"link": link, "quantity": quantity},
        quantity=quantity,
        link=link,
    )


async def place(
    db: Database, panel: PanelClient, settings: Settings, quantity: int = 1000, **kw: Any
) -> placing.PlaceResult:
    result = await placing.place_order(
        db, panel, settings, NOTICES, draft(quantity, **kw), placing.new_confirm_token()
    )
    assert result.outcome == "placed", result
    return result


async def row(db: Database, order_id: int) -> dict[str, Any]:
    found = await db.fetchone("SELECT * FROM orders WHERE id = ?", (order_id,))
    assert found is not None
    return dict(found)


async def refunds_of(db: Database, order_id: int) -> int:
    value = await db.fetchval(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE order_id = ? AND kind = 'refund'",
        (order_id,),
    )
    return int(value)


async def check_invariants(db: Database) -> None:
    """balance == sum(ledger) >= 0 for every user; orders.refunded == its refund rows and
    never more than the charge; every ledger ref unique."""
    users = await db.fetchall(
        "SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS total, MIN(l.balance_after) AS low"
        " FROM users u LEFT JOIN ledger l ON l.user_id = u.id GROUP BY u.id"
    )
    for u in users:
        assert u["balance"] == u["total"], dict(u)
        assert u["balance"] >= 0 and (u["low"] is None or u["low"] >= 0), dict(u)
    dup = await db.fetchval("SELECT COUNT(*) - COUNT(DISTINCT ref) FROM ledger")
    assert dup == 0
    orders = await db.fetchall(
        "SELECT o.id, o.charge, o.refunded, o.status,"
        " (SELECT COALESCE(SUM(amount), 0) FROM ledger l WHERE l.order_id = o.id"
        "   AND l.kind = 'refund') AS refund_rows,"
        " (SELECT COALESCE(-SUM(amount), 0) FROM ledger l WHERE l.order_id = o.id"
        "   AND l.kind = 'charge') AS charged"
        " FROM orders o"
    )
    for o in orders:
        assert o["refunded"] == o["refund_rows"], dict(o)
        assert 0 <= o["refunded"] <= o["charge"], dict(o)
        assert o["charged"] == o["charge"], dict(o)
        if o["status"] in ("failed", "canceled", "refunded"):
            assert o["refunded"] == o["charge"], dict(o)


# --------------------------------------------------------------------------- admin refund


async def test_admin_refund_after_partial_refunds_the_rest(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel, poller: Poller
) -> None:
    placed = await place(shop, panel, settings, 1000)
    assert placed.order_id is not None and placed.panel_order_id is not None
    fake.set_status(placed.panel_order_id, "Partial", remains=250)
    await poller.poll_once()
    assert (await row(shop, placed.order_id))["refunded"] == placed.charge // 4
    # the operator decides to give back the rest too
    outcome, amount = await status.operator_refund(shop, ADMIN, placed.order_id)
    assert (outcome, amount) == ("refunded", placed.charge - placed.charge // 4)
    after = await row(shop, placed.order_id)
    assert after["refunded"] == placed.charge == await refunds_of(shop, placed.order_id)
    assert await status.operator_refund(shop, ADMIN, placed.order_id) == ("already", 0)
    await check_invariants(shop)


# --------------------------------------------------------------------------- manual refresh


@pytest.mark.parametrize("final", ["Completed", "Partial", "Canceled", "Refunded"])
async def test_refresh_never_reopens_a_final_order(
    shop: Database,
    settings: Settings,
    panel: PanelClient,
    fake: FakePanel,
    poller: Poller,
    final: str,
) -> None:
    placed = await place(shop, panel, settings, 1000)
    assert placed.order_id is not None and placed.panel_order_id is not None
    fake.set_status(placed.panel_order_id, final, remains=400)
    await poller.poll_once()
    before = await row(shop, placed.order_id)
    assert before["status"] == final.lower()
    # a flaky panel later shows the order as running again; the user presses Refresh
    fake.set_status(placed.panel_order_id, "In progress", remains=900)
    view = await status.refresh_order(shop, panel, NOTICES, USER, placed.order_id)
    assert view is not None and view.status == before["status"]
    after = await row(shop, placed.order_id)
    assert (after["status"], after["refunded"], after["remains"]) == (
        before["status"],
        before["refunded"],
        before["remains"],
    )
    # and the poller does not pick it up again
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    assert (await poller.poll_once()).polled == 0
    await check_invariants(shop)


async def test_refresh_of_an_operator_refunded_order_keeps_it_refunded(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel, poller: Poller
) -> None:
    placed = await place(shop, panel, settings, 1000)
    assert placed.order_id is not None
    assert (await status.operator_refund(shop, ADMIN, placed.order_id))[0] == "refunded"
    await status.refresh_order(shop, panel, NOTICES, USER, placed.order_id)  # panel: Pending
    assert (await row(shop, placed.order_id))["status"] == "refunded"
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    assert (await poller.poll_once()).polled == 0


# --------------------------------------------------------------------------- while placing


async def test_operator_refund_while_add_is_in_flight_changes_nothing(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.delay = 0.4
    task = asyncio.create_task(
        placing.place_order(shop, panel, settings, NOTICES, draft(1000), "tok-inflight")
    )
    for _ in range(100):
        order_id = await shop.fetchval("SELECT id FROM orders WHERE confirm_token = 'tok-inflight'")
        if order_id is not None:
            break
        await asyncio.sleep(0.01)
    assert order_id is not None and (await row(shop, order_id))["status"] == "submitting"
    # the outcome of the add is not known yet: an operator's refund must not race it
    assert await status.operator_refund(shop, ADMIN, order_id) == ("busy", 0)
    result = await task
    assert result.outcome == "placed"
    placed = await row(shop, order_id)
    assert (placed["status"], placed["refunded"]) == ("pending", 0)
    await check_invariants(shop)


async def test_placing_never_overwrites_a_status_someone_else_set(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    """Defence in depth: whatever moved the order off `submitting` meanwhile (here a
    start-up recovery of another process on the same file) wins; the panel id is kept."""
    fake.delay = 0.4
    task = asyncio.create_task(
        placing.place_order(shop, panel, settings, NOTICES, draft(1000), "tok-2")
    )
    for _ in range(100):
        order_id = await shop.fetchval("SELECT id FROM orders WHERE confirm_token = 'tok-2'")
        if order_id is not None:
            break
        await asyncio.sleep(0.01)
    assert order_id is not None
    await placing.recover_submitting(shop, NOTICES)
    assert (await row(shop, order_id))["status"] == "unknown"
    result = await task
    assert result.outcome == "unknown"
    after = await row(shop, order_id)
    assert after["status"] == "unknown" and after["panel_order_id"] is None
    assert str(result.panel_order_id) in (after["error"] or "")
    await check_invariants(shop)


class OddChargePanel(FakePanel):
    """Answers `add` with a charge no real account could have."""

    odd_charge = "1e30"

    def _add(self, form: dict[str, str]) -> web.Response:
        response = super()._add(form)
        data = json.loads(response.text or "{}")
        if "order" in data:
            data["charge"] = self.odd_charge
        return self._json(data)


@pytest.mark.parametrize("charge", ["1e30", "-5", "1e999999"])
async def test_an_absurd_add_charge_never_strands_a_placed_order(
    shop: Database, settings: Settings, charge: str
) -> None:
    async with OddChargePanel(key=TEST_KEY) as odd:
        odd.odd_charge = charge
        async with PanelClient(odd.url, TEST_KEY, read_timeout=2) as client:
            result = await placing.place_order(
                shop, client, settings, NOTICES, draft(1000), "tok-odd"
            )
    assert result.outcome == "placed"
    assert result.order_id is not None
    placed = await row(shop, result.order_id)
    assert (placed["status"], placed["panel_order_id"], placed["cost"]) == (
        "pending",
        result.panel_order_id,
        None,
    )
    await check_invariants(shop)


async def test_an_absurd_status_number_does_not_block_the_poller(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel, poller: Poller
) -> None:
    odd = await place(shop, panel, settings, 1000)
    fine = await place(shop, panel, settings, 1000)
    assert odd.panel_order_id and fine.panel_order_id and odd.order_id and fine.order_id
    fake.set_status(odd.panel_order_id, "In progress", remains=10**20, start_count=-(10**19))
    fake.set_status(fine.panel_order_id, "Canceled")
    report = await poller.poll_once()
    assert report.refunds == 1
    assert (await row(shop, fine.order_id))["status"] == "canceled"
    in_progress = await row(shop, odd.order_id)
    assert in_progress["status"] == "in_progress"
    # the next cycle (nothing changed) stores the numbers the same careful way
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    await poller.poll_once()
    # and Partial with an absurd remains refunds at most the charge
    fake.set_status(odd.panel_order_id, "Partial", remains=10**20)
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    await poller.poll_once()
    after = await row(shop, odd.order_id)
    assert after["status"] == "partial" and after["refunded"] == odd.charge
    # a manual refresh with absurd numbers does not crash either
    fake.set_status(fine.panel_order_id, "Canceled", remains=10**20)
    await status.refresh_order(shop, panel, NOTICES, USER, fine.order_id)
    await check_invariants(shop)


# --------------------------------------------------------------------------- invariants


STATUS_TEXTS = [
    "Pending", "In progress", "In progess", "Processing", "IN PROGRESS", "Completed",
    "COMPLETED", "Partial", "Canceled", "Cancelled", "Refunded", "Fail", "Error", "Active",
    "Whatever",
]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 7, 2024])
async def test_ledger_invariants_hold_under_a_random_mix(
    shop: Database,
    settings: Settings,
    panel: PanelClient,
    fake: FakePanel,
    poller: Poller,
    seed: int,
) -> None:
    from tests.fakes.panel import Fault

    rnd = random.Random(seed)
    placed: list[placing.PlaceResult] = []
    for step in range(160):
        action = rnd.choice(
            ["place", "place", "status", "status", "status", "poll", "poll", "refund",
             "credit", "debit", "unknown", "resolve", "refresh", "cancel"]
        )  # fmt: skip
        user = rnd.choice([USER, OTHER])
        if action == "place":
            quantity = rnd.choice([50, 333, 1000, 7777])
            result = await placing.place_order(
                shop, panel, settings, NOTICES, draft(quantity, user=user), f"tok-{seed}-{step}"
            )
            if result.order_id is not None:
                placed.append(result)
        elif action == "unknown":
            fake.fail(Fault.DROP, times=1, actions={"add"})
            result = await placing.place_order(
                shop, panel, settings, NOTICES, draft(100, user=user), f"tok-{seed}-{step}"
            )
            assert result.outcome == "unknown"
        elif action == "status" and placed:
            target = rnd.choice(placed)
            if target.panel_order_id in fake.orders:
                remains = rnd.choice([0, -3, 10, 400, 999, 5000, 10**20])
                fake.set_status(
                    str(target.panel_order_id), rnd.choice(STATUS_TEXTS), remains=remains
                )
        elif action == "poll":
            await shop.execute("UPDATE orders SET next_poll_at = 0")
            await poller.poll_once()
        elif action == "refund":
            order_id = await shop.fetchval("SELECT id FROM orders ORDER BY random() LIMIT 1")
            if order_id is not None:
                await status.operator_refund(shop, ADMIN, int(order_id))
        elif action in ("credit", "debit"):
            await accounts.adjust_balance(
                shop,
                ADMIN,
                user,
                rnd.choice([1, 999_999, 5 * MICRO, 500 * MICRO]),
                kind=action,  # type: ignore[arg-type]
                ref=f"{action}:{seed}:{rnd.randrange(20)}",  # repeats are no-ops
            )
        elif action == "resolve":
            order_id = await shop.fetchval(
                "SELECT id FROM orders WHERE status = 'unknown' ORDER BY random() LIMIT 1"
            )
            if order_id is not None:
                if rnd.random() < 0.5:
                    await status.resolve_not_placed(shop, ADMIN, int(order_id))
                else:
                    pid = fake.add_order(MEMBERS, link="x", quantity="100").id
                    await status.resolve_placed(shop, ADMIN, int(order_id), pid)
        elif action == "refresh" and placed:
            target = rnd.choice(placed)
            assert target.order_id is not None
            owner = await shop.fetchval(
                "SELECT user_id FROM orders WHERE id = ?", (target.order_id,)
            )
            await status.refresh_order(shop, panel, NOTICES, int(owner), target.order_id)
        elif action == "cancel" and placed:
            target = rnd.choice(placed)
            assert target.order_id is not None
            owner = await shop.fetchval(
                "SELECT user_id FROM orders WHERE id = ?", (target.order_id,)
            )
            await requests.request_cancel(shop, panel, int(owner), target.order_id)
            fake.advance()
        await check_invariants(shop)
    # every refund the poller or an operator made is in the ledger exactly once per step
    total = await shop.fetchval("SELECT COUNT(*) FROM orders")
    assert total > 10


async def test_a_price_rise_after_the_summary_is_never_charged(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    order = draft(1000)
    quote = await placing.quote(shop, settings, order)
    await shop.execute("UPDATE services SET rate = rate * 2 WHERE id = ?", (MEMBERS,))
    result = await placing.place_order(
        shop, panel, settings, NOTICES, order, "tok-price", max_charge=quote.charge
    )
    assert result.outcome == "price_changed"
    assert fake.add_calls == []
    assert await wallet.balance(shop, USER) == 100 * MICRO
    # a price that fell is simply the new, lower price
    await shop.execute("UPDATE services SET rate = rate / 4 WHERE id = ?", (MEMBERS,))
    result = await placing.place_order(
        shop, panel, settings, NOTICES, order, "tok-price", max_charge=quote.charge
    )
    assert result.outcome == "placed" and result.charge == quote.charge // 2
    await check_invariants(shop)
