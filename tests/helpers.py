"""What many test files need and that is not a fixture: the test credentials, rows put in
the database the way the services would have put them, checks of the money invariants,
what the bot showed in answer to an update, and the bot as a real process.

Fixtures built on these are in tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.db import Database
from bot.keyboards.admin import resolve_buttons
from bot.keyboards.order_requests import order_card_data
from bot.money import to_micros
from bot.services import catalog_counts, wallet
from bot.services.alerts import Notices
from bot.services.catalog import search_text
from bot.services.orders import placing
from bot.services.orders.placing import Draft
from tests.harness import ADMIN_CHAT

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.panel import PanelClient
    from tests.fakes.panel import FakePanel
    from tests.fakes.telegram import Call
    from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- PostgreSQL

# Set (CI sets it): every test that touches the database runs on PostgreSQL too. Unset: the
# PostgreSQL variants are skipped, saying so. Set but unreachable: they fail.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
NO_POSTGRES = "PostgreSQL variant: TEST_DATABASE_URL is not set"


def with_search_path(url: str, schema: str) -> str:
    """`url` whose connections use `schema` (asyncpg sends unknown DSN query parameters as
    server settings)."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


@asynccontextmanager
async def postgres_schema(server: str | None = None) -> AsyncIterator[str]:
    """A fresh, empty schema on `server` (default TEST_DATABASE_URL) for one test: yields a
    URL that uses it; dropped afterwards with everything in it."""
    import asyncpg

    server = server or TEST_DATABASE_URL
    name = f"t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(server, timeout=10)
    try:
        await conn.execute(f"CREATE SCHEMA {name}")
    finally:
        await conn.close()
    try:
        yield with_search_path(server, name)
    finally:
        conn = await asyncpg.connect(server, timeout=10)
        try:
            await conn.execute("SET lock_timeout = '10s'")
            await conn.execute(f"DROP SCHEMA {name} CASCADE")
        finally:
            await conn.close()


def database_env(target: Path | str | None) -> dict[str, str]:
    """What a `python -m bot` process needs to use `target` (a PostgreSQL URL); nothing
    for SQLite, whose path the caller sets as DATABASE_PATH."""
    return {"DATABASE_URL": target} if isinstance(target, str) else {}


TEST_TOKEN = "123456:TEST-token"
TEST_KEY = "test-key-5f1c2a"
USER = 1001
MICRO = 1_000_000
# two services of the fake panel's catalogue, as the shop stores them
LIKES = "2"  # Default, 0.036 per 1000, min 50, max 50000
LIKES_RATE = 36_000
MEMBERS = "17"  # Default, 1.1 per 1000, refill + cancel
MEMBERS_RATE = 1_100_000
TRACKED_CHARGE = 1_000_000  # what add_tracked_order charged: 1.00 for 1000 units


# --------------------------------------------------------------------------- notices


def make_notices(admin_chat_id: int = ADMIN_CHAT, **overrides: object) -> Notices:
    """What the app hands the order services (bot.app.make_notices), for tests without it."""
    values: dict[str, object] = {
        "admin_chat_id": admin_chat_id,
        "order_button": order_card_data,
        "resolve_buttons": resolve_buttons,
    }
    values.update(overrides)
    return Notices(**values)  # type: ignore[arg-type]


NOTICES = make_notices(admin_lang="en")


# --------------------------------------------------------------------------- rows


async def add_user(db: Database, user_id: int = 1001, *, balance: int = 0, **extra: object) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO users (id, username, first_name, language, tg_language, first_seen,"
            " last_seen) VALUES (?, ?, ?, ?, ?, 0, 0)",
            (
                user_id,
                extra.get("username", f"user{user_id}"),
                extra.get("first_name", "Test"),
                extra.get("language"),
                extra.get("tg_language", "en"),
            ),
        )
    if balance:
        await wallet.top_up(db, user_id, balance, ref=f"test:seed:{user_id}")


async def add_service(
    db: Database,
    service_id: str,
    *,
    name: str | None = None,
    category: str = "IG",
    kind: str | None = "default",
    type_: str = "Default",
    rate: int = 1_000_000,
    min_qty: int = 10,
    max_qty: int = 100_000,
    refill: bool = False,
    cancel: bool = False,
    available: bool = True,
    hidden: bool = False,
) -> None:
    """A service as catalog.sync stores it, in category 1."""
    name = name or f"Service {service_id}"
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO categories (id, name) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
            (category,),
        )
        await conn.execute(
            "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
            " refill, cancel, available, hidden, search_text, updated_at)"
            " VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (
                service_id,
                name,
                type_,
                kind,
                rate,
                min_qty,
                max_qty,
                int(refill),
                int(cancel),
                int(available),
                int(hidden),
                search_text(name, category),  # searchable, as catalog.sync stores it
            ),
        )
        await catalog_counts.recount(conn, 1)  # as sync and hide/show keep it


async def add_stock_services(db: Database) -> None:
    """LIKES and MEMBERS as catalog.sync would store them from the fake panel."""
    await add_service(db, LIKES, name="IG Likes", rate=LIKES_RATE, min_qty=50, max_qty=50_000)
    await add_service(
        db, MEMBERS, name="TG Members", rate=MEMBERS_RATE, min_qty=50, max_qty=50_000,
        refill=True, cancel=True,
    )  # fmt: skip


def draft(
    quantity: int = 1000, *, service: str = MEMBERS, user: int = USER, link: str | None = None
) -> Draft:
    """An order of `quantity` for `link`, by default one no other draft uses."""
    link = link or f"https://t.me/c{random.randrange(10**9)}"
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
    """Place a `draft` the way the Confirm button does; it must be placed."""
    result = await placing.place_order(
        db, panel, settings, NOTICES, draft(quantity, **kw), placing.new_confirm_token()
    )
    assert result.outcome == "placed", result
    return result


async def add_order(
    h: BotHarness,
    user_id: int,
    *,
    status: str = "pending",
    charge: int = to_micros(5),
    panel_order_id: str | None = None,
    created_at: int | None = None,
    service_id: str = "2",
) -> int:
    """An order whose charge was taken from the wallet, as placing does it."""
    now = created_at or int(time.time())
    async with h.db.transaction() as conn:
        order_id = await conn.fetchval(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " link, quantity, charge, status_changed_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 'https://instagram.com/p/x', 100, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                service_id,
                secrets.token_hex(6),
                status,
                panel_order_id,
                charge,
                now,
                now,
                now,
            ),
        )
        await wallet.apply(
            conn, user_id, -charge, kind="charge", ref=f"order:{order_id}:charge", order_id=order_id
        )
    return order_id


async def add_running_order(h: BotHarness, user_id: int) -> int:
    """An in-progress order the fake panel knows too (a Refresh finds it there)."""
    panel_id = h.fake_panel.add_order(LIKES, link="https://instagram.com/p/x", quantity="100").id
    return await add_order(h, user_id, status="in_progress", panel_order_id=panel_id)


async def add_tracked_order(
    db: Database,
    fake_panel: FakePanel,
    *,
    user_id: int = USER,
    service: str = LIKES,
    quantity: int = 1000,
    charge: int = TRACKED_CHARGE,
    status: str = "pending",
) -> tuple[int, str]:
    """(order id, panel order id) of an order the fake panel runs. The charge is not taken
    from the wallet, so after a refund the balance is exactly what came back."""
    panel_order = fake_panel.add_order(service, link="https://x", quantity=str(quantity))
    panel_order.quantity = quantity
    panel_order.remains = quantity
    async with db.transaction() as conn:
        order_id = await conn.fetchval(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " quantity, charge, status_changed_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0) RETURNING id",
            (user_id, service, secrets.token_hex(8), status, panel_order.id, quantity, charge),
        )
        await wallet.apply(conn, user_id, 0, kind="charge", ref=f"order:{order_id}:noop")
    return order_id, panel_order.id


async def order_row(db: Database, order_id: int) -> dict[str, Any]:
    found = await db.fetchone("SELECT * FROM orders WHERE id = ?", (order_id,))
    assert found is not None
    return dict(found)


async def outbox_rows(db: Database, chat_id: int | None = None) -> list[dict[str, Any]]:
    rows = await db.fetchall("SELECT * FROM outbox ORDER BY id")
    return [dict(r) for r in rows if chat_id is None or r["chat_id"] == chat_id]


# --------------------------------------------------------------------------- invariants


async def assert_ledger_consistent(db: Database) -> None:
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
    await _assert_growth_rows(db)


async def _assert_growth_rows(db: Database) -> None:
    """Referral rows: only for an invited user's order, to their inviter, at most one credit
    and one claw-back per order (the bonus recorded in referral_rewards), never more than
    the order kept; all of it owed back once the order's money all went back (taken as far
    as the inviter's balance allowed). Promo rows: one per redeemed (code, user), with a
    redemption behind it; a code's uses never above its limit."""
    rows = await db.fetchall(
        "SELECT l.order_id, l.user_id, l.kind, l.amount, r.inviter_id FROM ledger l"
        " JOIN orders o ON o.id = l.order_id LEFT JOIN referrals r ON r.user_id = o.user_id"
        " WHERE l.kind IN ('referral', 'referral-back')"
    )
    for r in rows:
        assert r["inviter_id"] == r["user_id"], dict(r)
        assert (r["amount"] > 0) == (r["kind"] == "referral"), dict(r)
    rewards = await db.fetchall(
        "SELECT w.order_id, w.inviter_id, w.base, w.amount, w.clawed, o.charge, o.refunded,"
        " o.status,"
        " (SELECT COUNT(*) FROM ledger l WHERE l.ref = 'referral:' || w.order_id) AS credits,"
        " (SELECT COALESCE(SUM(amount), 0) FROM ledger l WHERE l.order_id = w.order_id"
        "   AND l.kind = 'referral') AS credited,"
        " (SELECT COALESCE(-SUM(amount), 0) FROM ledger l WHERE l.order_id = w.order_id"
        "   AND l.kind = 'referral-back') AS taken"
        " FROM referral_rewards w JOIN orders o ON o.id = w.order_id"
    )
    assert len(rewards) == len({r["order_id"] for r in rows if r["kind"] == "referral"})
    for w in rewards:
        assert w["credits"] == 1 and w["credited"] == w["amount"] > 0, dict(w)
        assert 0 <= w["taken"] <= w["clawed"] <= w["amount"] <= w["base"], dict(w)
        assert w["amount"] - w["clawed"] <= w["charge"] - w["refunded"], dict(w)
        if w["status"] in ("failed", "canceled", "refunded"):
            assert w["clawed"] == w["amount"], dict(w)
    promo_rows = await db.fetchall("SELECT ref, user_id FROM ledger WHERE kind = 'promo'")
    for r in promo_rows:
        _, code, user = str(r["ref"]).split(":")
        assert int(user) == r["user_id"], dict(r)
        state = await db.fetchval(
            "SELECT state FROM promo_redemptions WHERE code = ? AND user_id = ?", (code, int(user))
        )
        assert state == "done", dict(r)
    codes = await db.fetchall(
        "SELECT c.code, c.uses, c.used, (SELECT COUNT(*) FROM promo_redemptions p"
        " WHERE p.code = c.code) AS redeemed FROM promo_codes c"
    )
    for c in codes:
        assert c["used"] == c["redeemed"], dict(c)
        assert c["uses"] is None or c["used"] <= c["uses"], dict(c)


# --------------------------------------------------------------------------- what the bot did


def answers(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "answerCallbackQuery"]


def shown(calls: list[Call]) -> list[Call]:
    """Messages the bot sent or edited (and Telegram accepted)."""
    return [c for c in calls if c.method in {"sendMessage", "editMessageText"} and c.ok]


def last_shown(calls: list[Call]) -> Call:
    """The message the bot sent or edited last in answer to an update."""
    found = shown(calls)
    assert found, [c.method for c in calls]
    return found[-1]


def no_error_shown(calls: list[Call]) -> bool:
    return not any("went wrong" in (c.text or "") for c in calls)


def assert_clean(h: BotHarness, calls: list[Call]) -> None:
    """No update failed and Telegram refused nothing."""
    assert not h.errors, h.errors
    refused = [(c.method, c.description) for c in calls if not c.ok]
    assert not refused, refused


def assert_answered_once(h: BotHarness, calls: list[Call]) -> None:
    [answer] = answers(calls)
    assert answer.ok, answer.description
    assert not h.errors, h.errors


# --------------------------------------------------------------------------- the bot as a process


def bot_database(tmp_path: Path, target: Path | str | None) -> Path | str:
    """The database a `python -m bot` process of `bot_env(tmp_path, ..., database=target)`
    uses: the PostgreSQL URL, or the SQLite file under tmp_path."""
    return target if isinstance(target, str) else tmp_path / "data" / "bot.sqlite3"


def bot_env(
    tmp_path: Path,
    tg_url: str,
    panel_url: str,
    key: str,
    *,
    database: Path | str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of `python -m bot` against the fake servers; nothing of the
    developer's own BOT_/PANEL_/ADMIN_ variables nor DATABASE_URL. `database`: a PostgreSQL
    URL (the `database_target` fixture) becomes DATABASE_URL; else SQLite in tmp_path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "PANEL_", "ADMIN_")) and k != "DATABASE_URL"
    }
    env.update(
        BOT_TOKEN=TEST_TOKEN,
        BOT_API_URL=tg_url,
        PANEL_API_URL=panel_url,
        PANEL_API_KEY=key,
        ADMIN_CHAT_ID=str(ADMIN_CHAT),
        DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        PANEL_CONNECT_TIMEOUT="1",
        PANEL_READ_TIMEOUT="2",
        PYTHONPATH=str(ROOT),
    )
    env.update(database_env(database))
    env.update(extra)
    return env


async def start_bot(env: dict[str, str], *args: str, cwd: Path) -> asyncio.subprocess.Process:
    """`python -m bot [args]` with its output piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def run_bot(env: dict[str, str], *args: str, cwd: Path) -> tuple[int, str, str]:
    """`python -m bot [args]` to its end: (exit code, stdout, stderr)."""
    proc = await start_bot(env, *args, cwd=cwd)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
