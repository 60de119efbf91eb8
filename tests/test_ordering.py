"""Placing orders with the wallet against the fake panel: every outcome, money exact."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bot.config import Settings
from bot.db import Database
from bot.panel import PanelClient, ReasonCode
from bot.services import wallet
from bot.services.orders import placing, queries, status
from bot.services.orders.placing import Draft
from tests.conftest import ADMIN_CHAT, TEST_KEY, TEST_TOKEN, add_user, make_notices
from tests.fakes.panel import FakePanel, Fault, free_port_url

USER = 1001
OTHER = 1002
MICRO = 1_000_000
# IG Likes at the fake panel: Default, 0.036 per 1000, min 50, max 50000
LIKES = "2"
LIKES_RATE = 36_000
NOTICES = make_notices(ADMIN_CHAT, admin_lang="en")


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
    client = PanelClient(fake.url, TEST_KEY, connect_timeout=1, read_timeout=0.3, backoff=0)
    try:
        yield client
    finally:
        await client.close()


async def add_service(
    db: Database,
    service_id: str = LIKES,
    *,
    name: str = "IG Likes",
    kind: str | None = "default",
    type_: str = "Default",
    rate: int = LIKES_RATE,
    min_qty: int = 50,
    max_qty: int = 50000,
    available: int = 1,
    hidden: int = 0,
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO categories (id, name) VALUES (1, 'Instagram Followers')"
        )
        await conn.execute(
            "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
            " available, hidden, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (service_id, name, type_, kind, rate, min_qty, max_qty, available, hidden),
        )


@pytest.fixture
async def shop(db: Database) -> Database:
    await add_user(db, USER, balance=10 * MICRO)
    await add_user(db, OTHER, balance=10 * MICRO)
    await add_service(db)
    return db


def likes(
    quantity: int = 1000, link: str = "https://instagram.com/p/abc", user: int = USER
) -> Draft:
    return Draft(
        user_id=user,
        service_id=LIKES,
        fields={"link": link, "quantity": quantity},
        quantity=quantity,
        link=link,
    )


async def ledger(db: Database, user_id: int = USER) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT amount, kind, ref, order_id FROM ledger WHERE user_id = ? AND kind != 'topup'"
        " ORDER BY id",
        (user_id,),
    )
    return [dict(r) for r in rows]


async def order_row(db: Database, order_id: int) -> dict[str, Any]:
    row = await db.fetchone("SELECT * FROM orders WHERE id = ?", (order_id,))
    assert row is not None
    return dict(row)


async def alerts(db: Database) -> list[tuple[str, int, str]]:
    rows = await db.fetchall("SELECT key, chat_id, dedup FROM outbox ORDER BY id")
    return [(r["key"], r["chat_id"], r["dedup"]) for r in rows]


async def test_quote_prices_with_markup(shop: Database, settings: Settings) -> None:
    settings.markup_percent = Decimal(50)
    quote = await placing.quote(shop, settings, likes(1000))
    assert quote.charge == 54_000  # 0.036 x 1.5
    assert quote.balance == 10 * MICRO
    assert quote.balance_after == 10 * MICRO - 54_000
    assert quote.currency == "USD"
    await shop.execute("INSERT INTO kv (key, value) VALUES ('currency', 'RUB')")
    expensive = likes(50000)
    quote = await placing.quote(shop, settings, expensive)
    assert quote.charge == 2_700_000
    assert quote.currency == "RUB"


async def test_placed(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.variant.add_charge = True
    token = placing.new_confirm_token()
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(1000), token)
    assert result.outcome == "placed"
    assert result.charge == LIKES_RATE
    assert result.panel_order_id == "23501"
    assert fake.add_calls == [
        {
            "action": "add",
            "service": LIKES,
            "link": "https://instagram.com/p/abc",
            "quantity": "1000",
        }
    ]
    assert await ledger(shop) == [
        {"amount": -LIKES_RATE, "kind": "charge", "ref": f"order:{result.order_id}:charge",
         "order_id": result.order_id}
    ]  # fmt: skip
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE
    assert result.order_id is not None
    row = await order_row(shop, result.order_id)
    assert row["status"] == "pending"
    assert row["panel_order_id"] == "23501"
    assert row["cost"] == 36_000
    assert row["confirm_token"] == token
    assert json.loads(row["fields"]) == {"link": "https://instagram.com/p/abc", "quantity": 1000}
    assert await alerts(shop) == []


async def test_rejected_fails_and_refunds_once(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.variant.reject_duplicate_links = True
    first = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok-1")
    assert first.outcome == "placed"
    second = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok-2")
    assert second.outcome == "failed"
    # the customer gets a reason from the fixed set; the panel's words stay for operators
    assert second.reason is ReasonCode.DUPLICATE_ACTIVE_ORDER
    error = await shop.fetchval("SELECT error FROM orders WHERE id = ?", (second.order_id,))
    assert error == "neworder.error.link_duplicate"
    assert not second.panel_out_of_funds
    assert second.order_id is not None
    row = await order_row(shop, second.order_id)
    assert row["status"] == "failed"
    assert row["error"] == "neworder.error.link_duplicate"
    assert row["refunded"] == LIKES_RATE
    # handled a second time (a replay, an operator pressing "fail"): nothing moves again
    assert await status.fail_order(shop, NOTICES, second.order_id, "again") is False
    rows = [r for r in await ledger(shop) if r["order_id"] == second.order_id]
    assert [(r["kind"], r["amount"]) for r in rows] == [
        ("charge", -LIKES_RATE),
        ("refund", LIKES_RATE),
    ]
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE  # only the first order
    assert await alerts(shop) == [
        ("alert-order-failed", ADMIN_CHAT, f"alert:order:{second.order_id}:failed")
    ]


async def test_panel_out_of_funds(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.balance = Decimal(0)
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.outcome == "failed"
    assert result.panel_out_of_funds
    assert result.order_id is not None
    assert (await order_row(shop, result.order_id))["status"] == "failed"
    assert await wallet.balance(shop, USER) == 10 * MICRO
    assert [r["kind"] for r in await ledger(shop)] == ["charge", "refund"]
    keys = [key for key, _, _ in await alerts(shop)]
    assert "alert-panel-funds" in keys
    assert all(chat == ADMIN_CHAT for _, chat, _ in await alerts(shop))


async def test_read_timeout_after_sending_is_unknown(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.delay = 1.0  # > read timeout 0.3: the panel creates the order, the answer is lost
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.outcome == "unknown"
    assert len(fake.add_calls) == 1
    assert len(fake.orders) == 1
    assert result.order_id is not None
    row = await order_row(shop, result.order_id)
    assert row["status"] == "unknown"
    assert row["panel_order_id"] is None
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE  # held
    assert [r["kind"] for r in await ledger(shop)] == ["charge"]
    assert await alerts(shop) == [
        ("alert-order-unknown", ADMIN_CHAT, f"alert:order:{result.order_id}:unknown")
    ]
    await asyncio.sleep(0.8)  # let the slow answer finish: still exactly one add
    assert len(fake.add_calls) == 1


async def test_dropped_connection_is_unknown(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.fail(Fault.DROP, times=1, actions={"add"})
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.outcome == "unknown"
    assert len(fake.add_calls) == 1
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE


async def test_html_502_after_sending_is_unknown(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.fail(Fault.HTML_502, times=1, actions={"add"})
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.outcome == "unknown"
    assert len(fake.add_calls) == 1


async def test_connection_refused_twice_fails_and_refunds(
    shop: Database, settings: Settings
) -> None:
    client = PanelClient(free_port_url(), TEST_KEY, connect_timeout=1, read_timeout=1)
    try:
        result = await placing.place_order(shop, client, settings, NOTICES, likes(), "tok")
    finally:
        await client.close()
    assert result.outcome == "failed"
    assert result.reason is ReasonCode.PROVIDER_UNREACHABLE
    assert result.order_id is not None
    assert (await order_row(shop, result.order_id))["status"] == "failed"
    assert await wallet.balance(shop, USER) == 10 * MICRO
    assert [r["kind"] for r in await ledger(shop)] == ["charge", "refund"]


async def test_not_sent_then_accepted_places_one_order(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    # 429 = the panel refused to process the request: provably not placed, sent once more
    fake.retry_after = "0.05"
    fake.fail(Fault.RATE_LIMIT, times=1, actions={"add"})
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.outcome == "placed"
    assert len(fake.add_calls) == 2
    assert len(fake.orders) == 1
    assert [r["kind"] for r in await ledger(shop)] == ["charge"]


async def test_not_sent_is_retried_at_most_once(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    fake.retry_after = "0"
    fake.fail(Fault.RATE_LIMIT, times=None, actions={"add"})
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.outcome == "failed"
    assert len(fake.add_calls) == 2
    assert await wallet.balance(shop, USER) == 10 * MICRO


async def test_double_confirm_places_one_order(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    first = await placing.place_order(shop, panel, settings, NOTICES, likes(), "same")
    second = await placing.place_order(shop, panel, settings, NOTICES, likes(), "same")
    assert first.outcome == "placed"
    assert second.outcome == "duplicate"
    assert second.order_id == first.order_id
    both = await asyncio.gather(
        placing.place_order(shop, panel, settings, NOTICES, likes(), "again"),
        placing.place_order(shop, panel, settings, NOTICES, likes(), "again"),
    )
    assert sorted(r.outcome for r in both) == ["duplicate", "placed"]
    assert len(fake.add_calls) == 2
    assert [r["kind"] for r in await ledger(shop)] == ["charge", "charge"]
    assert await shop.fetchval("SELECT COUNT(*) FROM orders") == 2


async def test_concurrent_orders_never_overdraw(
    db: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    await add_user(db, USER, balance=50_000)  # enough for one 1000-likes order (36_000)
    await add_service(db)
    results = await asyncio.gather(
        placing.place_order(db, panel, settings, NOTICES, likes(link="https://x/1"), "a"),
        placing.place_order(db, panel, settings, NOTICES, likes(link="https://x/2"), "b"),
    )
    assert sorted(r.outcome for r in results) == ["insufficient", "placed"]
    assert len(fake.add_calls) == 1
    assert await wallet.balance(db, USER) == 50_000 - LIKES_RATE
    assert await db.fetchval("SELECT COUNT(*) FROM orders") == 1


async def test_insufficient_balance(
    db: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    await add_user(db, USER, balance=10_000)
    await add_service(db)
    result = await placing.place_order(db, panel, settings, NOTICES, likes(1000), "tok")
    assert result.outcome == "insufficient"
    assert result.missing == LIKES_RATE - 10_000
    assert result.order_id is None
    assert await db.fetchval("SELECT COUNT(*) FROM orders") == 0
    assert await ledger(db) == []
    assert fake.add_calls == []


async def test_maintenance_places_nothing(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    await shop.execute("INSERT INTO kv (key, value) VALUES ('maintenance', 'on')")
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.outcome == "maintenance"
    assert fake.add_calls == []
    assert await shop.fetchval("SELECT COUNT(*) FROM orders") == 0
    assert await ledger(shop) == []


@pytest.mark.parametrize(
    ("change", "quantity"),
    [
        ("UPDATE services SET hidden = 1", 1000),
        ("UPDATE services SET available = 0", 1000),
        ("UPDATE services SET kind = NULL", 1000),
        ("DELETE FROM services", 1000),
        (None, 49),  # below min
        (None, 50001),  # above max
    ],
)
async def test_unavailable_places_nothing(
    shop: Database,
    settings: Settings,
    panel: PanelClient,
    fake: FakePanel,
    change: str | None,
    quantity: int,
) -> None:
    if change:
        await shop.execute(change)
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(quantity), "tok")
    assert result.outcome == "unavailable"
    assert fake.add_calls == []
    assert await shop.fetchval("SELECT COUNT(*) FROM orders") == 0
    with pytest.raises(placing.ServiceUnavailable):
        await placing.quote(shop, settings, likes(quantity))


async def test_drip_feed_and_package_pricing(
    db: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    await add_user(db, USER, balance=10 * MICRO)
    await add_service(db, "1", name="IG Followers", rate=900_000, min_qty=10, max_qty=10000)
    await add_service(db, "3", name="Package", kind="package", type_="Package",
                      rate=2_500_000, min_qty=1, max_qty=1)  # fmt: skip
    drip = Draft(USER, "1", {"link": "https://x", "quantity": 100, "runs": 3, "interval": 10}, 300,
                 "https://x")  # fmt: skip
    package = Draft(USER, "3", {"link": "https://y"}, 1, "https://y")
    first = await placing.place_order(db, panel, settings, NOTICES, drip, "d")
    second = await placing.place_order(db, panel, settings, NOTICES, package, "p")
    assert (first.outcome, first.charge) == ("placed", 270_000)
    assert (second.outcome, second.charge) == ("placed", 2_500_000)
    assert fake.add_calls[0] == {"action": "add", "service": "1", "link": "https://x",
                                 "quantity": "100", "runs": "3", "interval": "10"}  # fmt: skip
    assert fake.add_calls[1] == {"action": "add", "service": "3", "link": "https://y"}


async def test_recover_submitting(shop: Database, settings: Settings) -> None:
    async with shop.transaction() as conn:
        await conn.execute(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, quantity, charge,"
            " status_changed_at, created_at, updated_at)"
            " VALUES (?, ?, 't1', 'submitting', 1000, 36000, 0, 0, 0),"
            " (?, ?, 't2', 'pending', 1000, 36000, 0, 0, 0)",
            (USER, LIKES, USER, LIKES),
        )
    assert await placing.recover_submitting(shop, NOTICES) == 1
    statuses = await shop.fetchall("SELECT status FROM orders ORDER BY id")
    assert [r[0] for r in statuses] == ["unknown", "pending"]
    assert await alerts(shop) == [("alert-order-unknown", ADMIN_CHAT, "alert:order:1:unknown")]
    assert await placing.recover_submitting(shop, NOTICES) == 0


async def test_get_order_is_owner_only(
    shop: Database, settings: Settings, panel: PanelClient
) -> None:
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(), "tok")
    assert result.order_id is not None
    mine = await queries.get_order(shop, USER, result.order_id)
    assert mine is not None and mine.service_name == "IG Likes"
    assert await queries.get_order(shop, OTHER, result.order_id) is None
    assert await status.refresh_order(shop, panel, NOTICES, OTHER, result.order_id) is None
    assert await queries.get_order(shop, USER, 999) is None


async def test_list_orders_pages_newest_first(
    shop: Database, settings: Settings, panel: PanelClient
) -> None:
    ids = []
    for n in range(7):
        result = await placing.place_order(
            shop, panel, settings, NOTICES, likes(link=f"https://x/{n}"), f"t{n}"
        )
        ids.append(result.order_id)
    await placing.place_order(shop, panel, settings, NOTICES, likes(user=OTHER), "other")
    first = await queries.list_orders(shop, USER, 0)
    assert [o.id for o in first.items] == ids[::-1][:5]
    assert (first.page, first.pages, first.total, first.has_prev, first.has_next) == (
        0,
        2,
        7,
        False,
        True,
    )
    second = await queries.list_orders(shop, USER, 1)
    assert [o.id for o in second.items] == ids[1::-1]
    clamped = await queries.list_orders(shop, USER, 99)
    assert clamped.page == 1
    empty = await queries.list_orders(shop, 4242, 0)
    assert (empty.items, empty.pages, empty.total) == ([], 1, 0)


async def test_refresh_order_applies_the_panel_status(
    shop: Database, settings: Settings, panel: PanelClient, fake: FakePanel
) -> None:
    result = await placing.place_order(shop, panel, settings, NOTICES, likes(1000), "tok")
    assert result.order_id is not None and result.panel_order_id is not None
    fake.set_status(result.panel_order_id, "In progress", remains=600, start_count=120)
    view = await status.refresh_order(shop, panel, NOTICES, USER, result.order_id)
    assert view is not None
    assert (view.status, view.start_count, view.remains, view.progress) == (
        "in_progress",
        120,
        600,
        40,
    )
    # a money-moving transition is applied exactly as the poller would: refund, notification
    fake.set_status(result.panel_order_id, "Partial", remains=300)
    view = await status.refresh_order(shop, panel, NOTICES, USER, result.order_id)
    assert view is not None
    refund = LIKES_RATE * 300 // 1000
    assert (view.status, view.remains, view.refunded) == ("partial", 300, refund)
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE + refund
    # pressing Refresh again (or the poller racing it) moves no money and tells nobody twice
    view = await status.refresh_order(shop, panel, NOTICES, USER, result.order_id)
    assert view is not None and (view.status, view.refunded) == ("partial", refund)
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE + refund
    refs = [e.ref for e in await wallet.history(shop, USER) if e.kind == "refund"]
    assert refs == [f"order:{result.order_id}:refund:part:0"]
    rows = await shop.fetchall(
        "SELECT key, dedup FROM outbox WHERE chat_id = ? ORDER BY id", (USER,)
    )
    assert [(r["key"], r["dedup"]) for r in rows] == [
        ("track-started", f"order:{result.order_id}:status:in_progress"),
        ("track-partial", f"order:{result.order_id}:status:partial"),
    ]
