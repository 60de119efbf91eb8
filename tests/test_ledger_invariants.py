"""The money invariants (tests/helpers.py:assert_ledger_consistent) hold after every step of
a seeded random mix of everything that moves money or orders: placing (also with no
answer), panel statuses and polls, operator refunds, credits and debits, resolution of
unknown orders, manual refreshes and cancel requests; OTHER is USER's invited friend (referral
bonuses and claw-backs) and both redeem promo codes (amounts, order discounts). Real SQLite
file, the fake panel."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from bot.config import Settings
from bot.db import Database
from bot.panel import PanelClient
from bot.services import accounts, promo, referrals
from bot.services.orders import placing, requests, status
from bot.services.orders.poller import Poller
from tests.fakes.panel import FakePanel, Fault
from tests.helpers import (
    MEMBERS,
    MICRO,
    NOTICES,
    USER,
    add_stock_services,
    add_user,
    assert_ledger_consistent,
    draft,
)

OTHER = 1002
ADMIN = 777


@pytest.fixture
async def shop(db: Database) -> Database:
    await add_user(db, USER, balance=100 * MICRO)
    await add_user(db, OTHER, balance=100 * MICRO)
    await add_stock_services(db)
    code = await referrals.code_of(db, USER)
    assert await referrals.attach(db, OTHER, code, is_new=True)
    await referrals.set_percent(db, ADMIN, Decimal("7.5"))
    for n, value in enumerate(["3", "10%:order", "0.01", "33%:order", "12.5%:order", "7"]):
        spec = promo.parse_spec([f"code{n}", value, "uses=1" if n % 2 else "uses=5"])
        assert await promo.create(db, ADMIN, spec)
    return db


STATUS_TEXTS = [
    "Pending", "In progress", "In progess", "Processing", "IN PROGRESS", "Completed",
    "COMPLETED", "Partial", "Canceled", "Cancelled", "Refunded", "Fail", "Error", "Active",
    "Whatever",
]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 7, 2024])
async def test_ledger_invariants_hold_under_a_random_mix(
    shop: Database,
    settings: Settings,
    panel_client: PanelClient,
    fake_panel: FakePanel,
    poller: Poller,
    seed: int,
) -> None:
    rnd = random.Random(seed)
    placed: list[placing.PlaceResult] = []
    for step in range(160):
        action = rnd.choice(
            ["place", "place", "status", "status", "status", "poll", "poll", "refund",
             "credit", "debit", "unknown", "resolve", "refresh", "cancel", "promo"]
        )  # fmt: skip
        user = rnd.choice([USER, OTHER])
        if action == "place":
            quantity = rnd.choice([50, 333, 1000, 7777])
            result = await placing.place_order(
                shop,
                panel_client,
                settings,
                NOTICES,
                draft(quantity, user=user),
                f"tok-{seed}-{step}",
            )
            if result.order_id is not None:
                placed.append(result)
        elif action == "unknown":
            fake_panel.fail(Fault.DROP, times=1, actions={"add"})
            result = await placing.place_order(
                shop, panel_client, settings, NOTICES, draft(100, user=user), f"tok-{seed}-{step}"
            )
            assert result.outcome == "unknown"
        elif action == "status" and placed:
            target = rnd.choice(placed)
            if target.panel_order_id in fake_panel.orders:
                remains = rnd.choice([0, -3, 10, 400, 999, 5000, 10**20])
                fake_panel.set_status(
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
        elif action == "promo":
            await promo.redeem(shop, user, f"CODE{rnd.randrange(7)}")
        elif action == "resolve":
            order_id = await shop.fetchval(
                "SELECT id FROM orders WHERE status = 'unknown' ORDER BY random() LIMIT 1"
            )
            if order_id is not None:
                if rnd.random() < 0.5:
                    await status.resolve_not_placed(shop, ADMIN, int(order_id))
                else:
                    pid = fake_panel.add_order(MEMBERS, link="x", quantity="100").id
                    await status.resolve_placed(shop, ADMIN, int(order_id), pid)
        elif action == "refresh" and placed:
            target = rnd.choice(placed)
            assert target.order_id is not None
            owner = await shop.fetchval(
                "SELECT user_id FROM orders WHERE id = ?", (target.order_id,)
            )
            await status.refresh_order(shop, panel_client, NOTICES, int(owner), target.order_id)
        elif action == "cancel" and placed:
            target = rnd.choice(placed)
            assert target.order_id is not None
            owner = await shop.fetchval(
                "SELECT user_id FROM orders WHERE id = ?", (target.order_id,)
            )
            await requests.request_cancel(shop, panel_client, int(owner), target.order_id)
            fake_panel.advance()
        await assert_ledger_consistent(shop)
    # every refund the poller or an operator made is in the ledger exactly once per step
    total = await shop.fetchval("SELECT COUNT(*) FROM orders")
    assert total > 10
    # the mix did exercise the growth rows
    kinds = {str(r[0]) for r in await shop.fetchall("SELECT DISTINCT kind FROM ledger")}
    assert {"referral", "promo"} <= kinds, kinds
