"""CSV exports (issue 15): the operators' /export orders|users|ledger [from] [to] and a
customer's own history from "My orders", through the real dispatcher; the file is the one
the fake Bot API received, parsed back."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.keyboards.menu import MenuCb
from bot.keyboards.orders import OrderCb
from bot.services import export
from tests.harness import BotHarness
from tests.helpers import add_order, add_user, last_shown

ALICE = 1001
BOB = 1002


def ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def parse(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs read UTF-8 with it
    return list(csv.DictReader(io.StringIO(text[1:])))


async def shop(h: BotHarness) -> dict[str, int]:
    """Alice with two orders on two days, Bob with one; their ids."""
    await add_user(h.db, ALICE, balance=50_000_000)
    await add_user(h.db, BOB, balance=20_000_000, username="bob")
    return {
        "a1": await add_order(h, ALICE, charge=1_500_000, created_at=ts("2026-01-01T10:00:00")),
        "a2": await add_order(h, ALICE, charge=2_250_000, created_at=ts("2026-01-02T23:59:59")),
        "b1": await add_order(h, BOB, charge=3_000_000, created_at=ts("2026-01-03T00:00:00")),
    }


async def test_export_orders_sends_every_order_as_csv(harness: BotHarness) -> None:
    ids = await shop(harness)
    calls = await harness.admin("/export orders")
    [(name, content)] = harness.tg.uploads()
    assert name == "orders.csv"
    rows = parse(content)
    assert [int(r["order_id"]) for r in rows] == [ids["a1"], ids["a2"], ids["b1"]]
    assert [r["charge"] for r in rows] == ["1.5", "2.25", "3"]
    assert rows[0]["user_id"] == str(ALICE) and rows[0]["status"] == "pending"
    assert rows[0]["created_at"] == "2026-01-01T10:00:00Z"
    assert rows[0]["service"]  # the service's name, joined
    [sent] = calls
    assert sent.method == "sendDocument" and sent.text == "orders: 3 rows."


async def test_export_period_includes_both_days_in_utc(harness: BotHarness) -> None:
    ids = await shop(harness)
    await harness.admin("/export orders 2026-01-02 2026-01-03")
    [(name, content)] = harness.tg.uploads()
    assert name == "orders-2026-01-02-2026-01-03.csv"
    assert [int(r["order_id"]) for r in parse(content)] == [ids["a2"], ids["b1"]]
    await harness.admin("/export orders 2026-01-03")  # from a day on
    assert [int(r["order_id"]) for r in parse(harness.tg.uploads()[-1][1])] == [ids["b1"]]


async def test_export_users_and_ledger_show_balances_and_entries(harness: BotHarness) -> None:
    await shop(harness)
    await harness.admin("/export users")
    users = {r["user_id"]: r for r in parse(harness.tg.uploads()[-1][1])}
    # seeded 50 and 20, then charged 1.5 + 2.25 and 3
    assert users[str(ALICE)]["balance"] == "46.25"
    assert users[str(BOB)]["balance"] == "17"
    assert users[str(BOB)]["username"] == "bob"
    await harness.admin("/export ledger")
    ledger = parse(harness.tg.uploads()[-1][1])
    alice = [r for r in ledger if r["user_id"] == str(ALICE)]
    assert [r["amount"] for r in alice] == ["50", "-1.5", "-2.25"]
    assert alice[-1]["balance_after"] == "46.25" and alice[-1]["kind"] == "charge"


@pytest.mark.parametrize(
    "text",
    ["/export", "/export money", "/export orders 2026-13-01", "/export orders 01.01.2026",
     "/export orders 2026-02-01 2026-01-01", "/export orders 2026-01-01 2026-01-02 x"],
)  # fmt: skip
async def test_bad_export_arguments_get_the_usage(harness: BotHarness, text: str) -> None:
    calls = await harness.admin(text)
    assert "Usage: /export orders|users|ledger" in (last_shown(calls).text or "")
    assert harness.tg.uploads() == []
    assert not harness.errors


async def test_customer_export_has_only_their_own_orders(harness: BotHarness) -> None:
    ids = await shop(harness)
    listing = last_shown(await harness.press(MenuCb(action="orders"), ALICE))
    export_button = OrderCb(action="export").pack()
    assert ("📄 Export (CSV)", export_button) in harness.buttons(listing)
    calls = await harness.press(export_button, ALICE)
    assert not harness.errors
    [(name, content)] = harness.tg.uploads()
    rows = parse(content)
    assert name == "my-orders.csv"
    assert [int(r["order_id"]) for r in rows] == [ids["a1"], ids["a2"]]
    assert "user_id" not in rows[0] and "panel_order_id" not in rows[0] and "cost" not in rows[0]
    [sent] = [c for c in calls if c.method == "sendDocument"]
    assert sent.chat_id == ALICE and sent.text == "Your orders: 2 in this file."
    # a second press at once is told to wait, and sends nothing
    await harness.press(export_button, ALICE)
    assert len(harness.tg.uploads()) == 1


async def test_customer_export_in_russian(harness: BotHarness) -> None:
    await shop(harness)
    listing = last_shown(await harness.press(MenuCb(action="orders"), BOB, language_code="ru"))
    assert ("📄 Выгрузить (CSV)", OrderCb(action="export").pack()) in harness.buttons(listing)


async def test_keyset_pages_cover_every_row_once(harness: BotHarness) -> None:
    await add_user(harness.db, ALICE, balance=100_000_000)
    ids = [await add_order(harness, ALICE, charge=1_000_000) for _ in range(7)]
    made = await export.write_csv(harness.db, "orders", page=3)
    try:
        rows = parse(made.path.read_bytes())
    finally:
        made.remove()
    assert made.rows == 7 and [int(r["order_id"]) for r in rows] == ids
    assert not made.path.exists()


async def test_a_formula_in_a_link_is_not_run_by_a_spreadsheet(harness: BotHarness) -> None:
    await add_user(harness.db, ALICE, balance=10_000_000)
    order_id = await add_order(harness, ALICE)
    await harness.db.execute(
        "UPDATE orders SET link = ? WHERE id = ?", ('=HYPERLINK("http://evil")', order_id)
    )
    made = await export.write_customer_orders(harness.db, ALICE)
    try:
        [row] = parse(made.path.read_bytes())
    finally:
        made.remove()
    assert row["link"] == '\'=HYPERLINK("http://evil")'


def test_parse_period() -> None:
    assert export.parse_period([]) == (None, None)
    assert export.parse_period(["2026-01-05"]) == (date(2026, 1, 5), None)
    with pytest.raises(export.BadPeriod):
        export.parse_period(["2026-1-5"])


async def test_a_refused_upload_is_told_and_leaves_no_file(harness: BotHarness) -> None:
    await shop(harness)
    before = set(Path(tempfile.gettempdir()).glob("export-*.csv"))
    harness.tg.fail_next("sendDocument", 400, "Bad Request: file is too big")
    await harness.press(OrderCb(action="export").pack(), ALICE)
    assert not harness.errors
    assert "Could not send the file" in harness.tg.last_text(ALICE)
    harness.tg.fail_next("sendDocument", 400, "Bad Request: file is too big")
    calls = await harness.admin("/export users")
    assert "Could not send the file" in (last_shown(calls).text or "")
    assert set(Path(tempfile.gettempdir()).glob("export-*.csv")) <= before
