"""Crash injection: the bot as a real process, killed with SIGKILL at each step of placing,
refunding and refill/cancel (bot/crashpoints.py, armed by BOT_CRASH_AT), then restarted on the
same database without it. The fake Bot API and the fake panel run in this process.

After every crash and restart: at most one `add` reached the panel per confirmation, every
hold is settled exactly once (by the restarted bot's poller, or by the operator's resolution
of an `unknown` order), nothing is left `submitting`, and the ledger invariant holds
(balance == sum(ledger) >= 0 per user, refs unique, 0 <= refunded <= charge per order).

Speed: importing aiogram costs ~3 s of CPU, and each case needs two bots. So one "zygote"
process imports `bot.app` once and forks a child per bot: the child sets its own environment,
working directory and log file and runs the `bot` package's `__main__` as `python -m bot` does
(runpy). It is a process of its own, with its own database connections, killed for real.
Nothing reads the environment at import (the crash points read BOT_CRASH_AT at the first
call), and nothing opens the database before the fork. The whole module takes ~20 s of CPU.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.db import Database
from bot.keyboards.order_dialog import OrderStartCb
from bot.keyboards.order_requests import OrderRequestCb
from bot.keyboards.orders import OrderCb
from bot.panel import PanelClient
from bot.services import catalog
from bot.services.orders import placing, status
from bot.services.orders.placing import Draft
from bot.services.orders.poller import Poller
from tests.conftest import ADMIN_CHAT, add_user, make_notices
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
USER = 5252
ADMIN = 77
LINK = "https://instagram.com/p/crash"
BALANCE = 50_000_000
NOTICES = make_notices(ADMIN_CHAT, admin_lang="en")

# The zygote: imports the bot once, then forks one child per job. A child is a process of
# its own (own pid, environment, working directory, database connections, log file) that
# runs the `bot` package's `__main__` as `python -m bot` does; it is killed for real.
ZYGOTE = """
import json, os, runpy, sys, traceback
import bot.app  # the slow imports (aiogram's models), once for every bot of the module
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.chdir(job["cwd"])
            os.environ.clear()
            os.environ.update(job["env"])
            sys.argv = ["bot"]
            runpy.run_module("bot", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"pid": pid, "exit": os.waitstatus_to_exitcode(status)}), flush=True)
"""


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "PANEL_", "ADMIN_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


class Zygote:
    """Starts bots one at a time (the previous one has ended) and reports their ends."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_base_env(),
            cwd=ROOT,
        )
        self.events: queue.Queue[dict[str, int]] = queue.Queue()
        self.started: list[int] = []
        self.exits: dict[int, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def _pump(self) -> None:
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            if "exit" in event:
                self.exits[event["pid"]] = event["exit"]
            else:
                self.started.append(event["pid"])

    async def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            self._pump()
            if done():
                return True
            if self.proc.poll() is not None:
                raise AssertionError(f"the zygote ended ({self.proc.returncode})")
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)

    async def start(self, job: dict[str, Any]) -> int:
        assert self.proc.stdin is not None
        count = len(self.started)
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        # the first start waits for the imports
        if not await self._wait(lambda: len(self.started) > count, 120):
            raise AssertionError("the zygote started no bot")
        return self.started[-1]

    async def exit_code(self, pid: int, timeout: float) -> int | None:
        """The bot's exit code (negative: killed by that signal); None if still running."""
        await self._wait(lambda: pid in self.exits, timeout)
        return self.exits.get(pid)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class BotProcess:
    """One `python -m bot` started by the zygote."""

    def __init__(self, zygote: Zygote, pid: int, log_path: Path) -> None:
        self.zygote = zygote
        self.pid = pid
        self.log_path = log_path

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    async def running(self) -> bool:
        return await self.zygote.exit_code(self.pid, 0) is None

    async def exited(self, timeout: float) -> int:
        code = await self.zygote.exit_code(self.pid, timeout)
        if code is None:
            raise AssertionError(f"bot {self.pid} still running; log:\n{self.log()[-3000:]}")
        return code

    async def stop(self) -> int:
        """SIGTERM, as a deploy does; the graceful stop must exit 0."""
        os.kill(self.pid, signal.SIGTERM)
        return await self.exited(30)

    async def kill(self) -> None:
        if await self.running():
            os.kill(self.pid, signal.SIGKILL)
            await self.exited(10)


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    try:
        yield z
    finally:
        z.close()


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated, the customer with 50.00 on the wallet, the fake panel's catalog synced."""
    path = tmp_path_factory.mktemp("base") / "bot.sqlite3"

    async def prepare() -> None:
        async with FakePanel() as panel:
            db = Database(path)
            await db.connect()
            client = PanelClient(panel.url, panel.key, retries=1)
            try:
                await add_user(db, USER, balance=BALANCE)
                await catalog.sync(db, client)
            finally:
                await client.close()
                await db.close()

    asyncio.run(prepare())
    return path


@pytest.fixture
def db_path(tmp_path: Path, base_db: Path) -> Path:
    path = tmp_path / "data" / "bot.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(base_db, path)
    return path


@pytest.fixture
async def env(tmp_path: Path, db_path: Path, zygote: Zygote) -> AsyncIterator[Crash]:
    async with FakeTelegram() as tg, FakePanel() as panel:
        crash = Crash(tmp_path, db_path, tg, panel, zygote)
        try:
            yield crash
        finally:
            for process in crash.processes:
                await process.kill()


# --------------------------------------------------------------------------- the harness


# Deadlines, not sleeps: generous, because a machine shared with other work may take many
# seconds to start a process that needs 3 s of CPU alone.
async def until(check: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what}")
        await asyncio.sleep(0.05)


class Crash:
    """One case: the fakes, the database and the processes run on it."""

    def __init__(
        self, workdir: Path, db_path: Path, tg: FakeTelegram, panel: FakePanel, zygote: Zygote
    ) -> None:
        self.workdir = workdir
        self.db_path = db_path
        self.tg = tg
        self.panel = panel
        self.zygote = zygote
        self.processes: list[BotProcess] = []

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def order(self) -> sqlite3.Row:
        (row,) = self.rows("SELECT * FROM orders")
        return row

    async def start(self, *, ready: bool = True, **extra: str) -> BotProcess:
        """A bot on the database; with `ready`, returns once it polls Telegram (its start-up
        work, the recovery included, is done)."""
        env = _base_env()
        env.update(
            BOT_TOKEN=self.tg.token,
            BOT_API_URL=self.tg.url,
            PANEL_API_URL=self.panel.url,
            PANEL_API_KEY=self.panel.key,
            ADMIN_CHAT_ID=str(ADMIN_CHAT),
            DATABASE_PATH=str(self.db_path),
            PANEL_CONNECT_TIMEOUT="1",
            PANEL_READ_TIMEOUT="2",
            POLL_INTERVAL_SECONDS="5",
            STOP_TIMEOUT="10",
        )
        env.update(extra)
        log_path = self.workdir / f"bot-{len(self.processes)}.log"
        polls = len(self.tg.calls_of("getUpdates"))
        job = {"env": env, "cwd": str(self.workdir), "log": str(log_path)}
        process = BotProcess(self.zygote, await self.zygote.start(job), log_path)
        self.processes.append(process)
        if ready:
            await until(
                lambda: (
                    len(self.tg.calls_of("getUpdates")) > polls
                    or process.pid in self.zygote.exits
                    or not self.zygote.events.empty()
                ),
                what="the bot polls Telegram",
            )
            assert await process.running(), process.log()[-3000:]
        return process

    async def crashed(self, process: BotProcess) -> None:
        code = await process.exited(60)
        assert code == -signal.SIGKILL, f"exit {code}; log:\n{process.log()[-3000:]}"

    async def restart(self, wait: Callable[[], object] | None = None, what: str = "") -> str:
        """Start again without BOT_CRASH_AT, wait for `wait`, stop it gracefully; its log."""
        process = await self.start()
        if wait is not None:
            await until(wait, what=what)
        code = await process.stop()
        log = process.log()
        assert code == 0, log[-3000:]
        return log

    def press(self, data: str) -> None:
        self.tg.push_update(
            self.tg.make_update(callback_query=self.tg.make_callback(data, user_id=USER))
        )

    def texts(self) -> list[str]:
        return [c.text or "" for c in self.tg.calls if c.chat_id == USER and c.text]

    async def order_until_confirm(self) -> str:
        """Walk IG Likes' dialog (link, quantity 1000); the Confirm button's data."""
        steps = [
            self.tg.make_update(callback_query=self.tg.make_callback(
                OrderStartCb(service_id="2").pack(), user_id=USER)),
            self.tg.make_update(message=self.tg.make_message(LINK, user_id=USER)),
            self.tg.make_update(message=self.tg.make_message("1000", user_id=USER)),
        ]  # fmt: skip
        for update in steps:
            before = len(self.texts())
            self.tg.push_update(update)
            await until(lambda b=before: len(self.texts()) > b, what="the dialog answers")  # type: ignore[misc]
            await asyncio.sleep(0.1)
        markup = self.tg.last_markup(USER) or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if str(button.get("callback_data", "")).startswith("odc:"):
                    return str(button["callback_data"])
        raise AssertionError(f"no Confirm button in {markup}; texts: {self.texts()[-3:]}")

    async def db(self) -> Database:
        database = Database(self.db_path)
        await database.connect()
        return database

    async def placed_in_process(self, service_id: str = "17", quantity: int = 1000) -> int:
        """An order placed by the services against this panel (no bot): `pending`."""
        settings = Settings(
            bot_token=self.tg.token, panel_api_url=self.panel.url, panel_api_key=self.panel.key,
            admin_chat_id=ADMIN_CHAT, database_path=self.db_path,
        )  # fmt: skip
        draft = Draft(USER, service_id, {"link": LINK, "quantity": quantity}, quantity, LINK)
        database = await self.db()
        client = PanelClient(self.panel.url, self.panel.key, retries=1)
        try:
            result = await placing.place_order(
                database, client, settings, NOTICES, draft, placing.new_confirm_token()
            )
        finally:
            await client.close()
            await database.close()
        assert result.outcome == "placed", result
        assert result.order_id is not None
        return result.order_id

    async def poll_in_process(self) -> int:
        """One poll cycle by the services (the operator's resolution made the order due)."""
        database = await self.db()
        client = PanelClient(self.panel.url, self.panel.key, retries=1)
        try:
            report = await Poller(database, client, notices=NOTICES).poll_once()
        finally:
            await client.close()
            await database.close()
        return report.refunds

    # ----------------------------------------------------------------- the invariants

    def check_ledger(self) -> None:
        for user in self.rows("SELECT id, balance FROM users"):
            (total,) = self.rows(
                "SELECT coalesce(sum(amount), 0) FROM ledger WHERE user_id = ?", (user["id"],)
            )[0]
            assert user["balance"] == total >= 0, (user["id"], user["balance"], total)
        refs = [r["ref"] for r in self.rows("SELECT ref FROM ledger")]
        assert len(refs) == len(set(refs))
        for order in self.rows("SELECT * FROM orders"):
            moved = self.rows(
                "SELECT kind, amount, ref FROM ledger WHERE order_id = ?", (order["id"],)
            )
            charges = [r["amount"] for r in moved if r["kind"] == "charge"]
            refunds = [r["amount"] for r in moved if r["kind"] == "refund"]
            assert charges == [-order["charge"]], (order["id"], moved)
            assert sum(refunds) == order["refunded"], (order["id"], moved)
            assert 0 <= order["refunded"] <= order["charge"], dict(order)
        assert not self.rows("SELECT id FROM orders WHERE status = 'submitting'")

    def alerts(self, kind: str) -> list[sqlite3.Row]:
        return self.rows(
            "SELECT * FROM outbox WHERE chat_id = ? AND dedup LIKE ?", (ADMIN_CHAT, f"%:{kind}")
        )

    def delivered_to_admins(self) -> bool:
        return bool(self.tg.sent_messages(ADMIN_CHAT))


# --------------------------------------------------------------------------- the points


def _call_point(armed: str | None, *, set_late: bool = False) -> subprocess.CompletedProcess[str]:
    script = (
        "import os\n"
        "from bot.crashpoints import crashpoint\n"
        + (f"os.environ['BOT_CRASH_AT'] = {armed!r}\n" if set_late else "")
        + "crashpoint('place:charged')\n"
        "print('alive')\n"
    )
    env = _base_env()
    if armed is not None and not set_late:
        env["BOT_CRASH_AT"] = armed
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )


def test_a_crash_point_kills_only_when_named() -> None:
    assert _call_point(None).stdout == "alive\n"
    assert _call_point("place:answered,refund:committed").stdout == "alive\n"
    assert _call_point(" refund:committed , place:charged ").returncode == -signal.SIGKILL
    # read at the first call, not at import
    assert _call_point("place:charged", set_late=True).returncode == -signal.SIGKILL


async def test_python_m_bot_itself_dies_at_a_crash_point(env: Crash) -> None:
    """The zygote aside: a plain `python -m bot` dies at its first poll's commit."""
    await env.placed_in_process()
    env.panel.set_status("23501", "Completed")
    child = _base_env()
    child.update(
        BOT_TOKEN=env.tg.token, BOT_API_URL=env.tg.url, PANEL_API_URL=env.panel.url,
        PANEL_API_KEY=env.panel.key, ADMIN_CHAT_ID=str(ADMIN_CHAT),
        DATABASE_PATH=str(env.db_path), BOT_CRASH_AT="poll:committed",
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=child, cwd=env.workdir,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == -signal.SIGKILL, err.decode()[-3000:]
    assert env.order()["status"] == "completed"
    assert not env.tg.sent_messages(USER)
    env.check_ledger()


# --------------------------------------------------------------------------- placing


@pytest.mark.parametrize("point", ["place:charged", "place:answered", "place:rejected"])
async def test_crash_while_placing_leaves_unknown_until_an_operator_decides(
    env: Crash, point: str
) -> None:
    """Killed between the debit and recording the panel's answer: the restart finds the
    order `submitting`, makes it `unknown` (money held, operators alerted), never sends `add`
    again; the operator's decision then settles it once."""
    bot = await env.start(BOT_CRASH_AT=point)
    confirm = await env.order_until_confirm()
    if point == "place:rejected":
        env.panel.services[1]["max"] = 500  # the panel now refuses 1000 likes
    env.press(confirm)
    await env.crashed(bot)
    adds = len(env.panel.add_calls)
    assert adds == (0 if point == "place:charged" else 1)
    assert env.order()["status"] == "submitting"

    env.press(confirm)  # the customer presses again: the restarted bot must not place twice
    await env.restart(env.delivered_to_admins, "the operators' alert is sent")
    assert len(env.panel.add_calls) == adds
    accepted = len(env.panel.orders)
    assert accepted == (1 if point == "place:answered" else 0)
    order = env.order()
    assert (order["status"], order["refunded"]) == ("unknown", 0)
    assert "interrupted while placing" in order["error"]
    assert len(env.alerts("unknown")) == 1
    env.check_ledger()

    database = await env.db()
    try:
        if point == "place:answered":
            (panel_id,) = env.panel.orders
            assert await status.resolve_placed(database, ADMIN, order["id"], panel_id) == (
                "done",
                None,
            )
        else:
            outcome, amount = await status.resolve_not_placed(database, ADMIN, order["id"])
            assert (outcome, amount) == ("done", order["charge"])
            assert await status.resolve_not_placed(database, ADMIN, order["id"]) == (
                "not_unknown",
                0,
            )
    finally:
        await database.close()
    if point == "place:answered":
        env.panel.set_status(panel_id, "Canceled")
        assert await env.poll_in_process() == 1
        assert await env.poll_in_process() == 0
        assert env.order()["status"] == "canceled"
    settled = env.order()
    assert settled["refunded"] == settled["charge"] > 0
    assert len(env.rows("SELECT 1 FROM ledger WHERE kind = 'refund'")) == 1
    env.check_ledger()


async def test_crash_after_recording_the_order(env: Crash) -> None:
    """Killed after the order is recorded `pending`, before the customer sees it: the restart
    leaves it pending and its poller refunds the panel's Canceled once."""
    bot = await env.start(BOT_CRASH_AT="place:recorded")
    confirm = await env.order_until_confirm()
    env.press(confirm)
    await env.crashed(bot)
    order = env.order()
    assert (order["status"], order["panel_order_id"]) == ("pending", "23501")
    env.panel.set_status("23501", "Canceled")
    env.press(confirm)
    await env.restart(lambda: env.order()["status"] == "canceled", "the poller refunds")
    assert len(env.panel.add_calls) == 1
    order = env.order()
    assert order["refunded"] == order["charge"] > 0
    assert len(env.rows("SELECT 1 FROM ledger WHERE kind = 'refund'")) == 1
    assert not env.alerts("unknown")
    env.check_ledger()


async def test_crash_after_a_rejection_was_refunded(env: Crash) -> None:
    """`fail_order` committed the refund, then the process died: the restart refunds nothing
    more, the order stays `failed`, and the operators' alert queued with it goes out."""
    bot = await env.start(BOT_CRASH_AT="refund:committed")
    confirm = await env.order_until_confirm()
    env.panel.services[1]["max"] = 500
    env.press(confirm)
    await env.crashed(bot)
    order = env.order()
    assert (order["status"], order["refunded"]) == ("failed", order["charge"])
    assert not env.delivered_to_admins()  # died right after the commit
    await env.restart(env.delivered_to_admins, "the operators' alert is sent")
    order = env.order()
    assert order["status"] == "failed"
    assert order["refunded"] == order["charge"] > 0
    assert len(env.panel.add_calls) == 1 and not env.panel.orders
    assert len(env.alerts("failed")) == 1
    assert len(env.tg.sent_messages(ADMIN_CHAT)) == 1
    env.check_ledger()


# --------------------------------------------------------------------------- the poller


@pytest.mark.parametrize(
    ("panel_status", "point", "final"),
    [
        ("Canceled", "refund:committed", "canceled"),
        ("Partial", "refund:committed", "partial"),
        ("Completed", "poll:committed", "completed"),
    ],
)
async def test_crash_after_the_poller_committed(
    env: Crash, panel_status: str, point: str, final: str
) -> None:
    """The poller's batch (status, refund, the customer's notification) committed, then the
    process died before anything else: the restart refunds nothing twice and the customer
    is told once."""
    order_id = await env.placed_in_process(quantity=1000)
    env.panel.set_status("23501", panel_status, remains=250)
    bot = await env.start(ready=False, BOT_CRASH_AT=point)  # its first poll kills it
    await env.crashed(bot)
    order = env.order()
    assert order["status"] == final
    expected = {"canceled": order["charge"], "partial": order["charge"] * 250 // 1000}
    assert order["refunded"] == expected.get(final, 0)
    assert not env.tg.sent_messages(USER)  # died right after the commit
    await env.restart(lambda: env.tg.sent_messages(USER), "the customer's notification is sent")
    await asyncio.sleep(0.3)
    assert len(env.tg.sent_messages(USER)) == 1
    assert f"#{order_id}" in env.tg.texts(USER)[0]
    order = env.order()
    assert order["status"] == final
    assert order["refunded"] == expected.get(final, 0)
    refunds = env.rows("SELECT ref FROM ledger WHERE kind = 'refund'")
    assert len(refunds) == (0 if final == "completed" else 1)
    assert len(env.panel.add_calls) == 1
    env.check_ledger()


# --------------------------------------------------------------------------- refill / cancel


class StuckRequestError(AssertionError):
    """A refill/cancel request left `sending` by the crash is still open after a restart."""


@pytest.mark.parametrize(
    ("kind", "point"),
    [
        pytest.param("refill", "request:opened"),
        pytest.param("refill", "request:answered"),
        pytest.param("cancel", "request:opened"),
        # accepted by the panel, which then cancels: the poller refunds and closes it
        pytest.param("cancel", "request:answered"),
    ],
)
async def test_crash_during_a_refill_or_cancel_request(env: Crash, kind: str, point: str) -> None:
    order_id = await env.placed_in_process()
    if kind == "refill":
        env.panel.set_status("23501", "Completed", remains=0)
        await env.poll_in_process()
        assert env.order()["status"] == "completed"
        data = OrderCb(action="refill", order_id=order_id).pack()
    else:
        data = OrderRequestCb(action="cancel_yes", order_id=order_id).pack()
    bot = await env.start(BOT_CRASH_AT=point)
    env.press(data)
    await env.crashed(bot)
    sent = 0 if point == "request:opened" else 1
    assert len(env.panel.refills if kind == "refill" else env.panel.cancels) == sent
    (request,) = env.rows("SELECT * FROM order_requests")
    assert (request["kind"], request["status"], request["active"]) == (kind, "sending", 1)

    if kind == "cancel" and sent:
        env.panel.advance()  # the panel cancels the order it was asked to
        await env.restart(lambda: env.order()["status"] == "canceled", "the poller refunds")
    else:
        await env.restart()
    assert len(env.panel.refills if kind == "refill" else env.panel.cancels) == sent
    order = env.order()
    if kind == "cancel" and sent:
        assert order["refunded"] == order["charge"]
    else:
        assert order["refunded"] == 0
        assert order["status"] == ("completed" if kind == "refill" else "pending")
    env.check_ledger()
    stuck = env.rows("SELECT * FROM order_requests WHERE status = 'sending' OR active = 1")
    if stuck:
        raise StuckRequestError([dict(r) for r in stuck])
