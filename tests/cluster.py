"""Several `python -m bot` processes in webhook mode on one PostgreSQL schema and one Redis,
against the fake Bot API and the fake panel; the test posts updates to them as Telegram
would (with the secret). Used by tests/test_multi_replica.py and the replicas benchmark."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import aiohttp

from bot.db import Database
from bot.keyboards.order_dialog import OrderStartCb
from bot.panel import PanelClient
from bot.services import catalog
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.helpers import add_user, bot_env

SECRET = "cluster-webhook-secret-0123456789"
PATH = "/tg/updates"
LINK = "https://instagram.com/p/abc"
LEADER_LINE = "this replica is the leader"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def until(check: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what}")
        await asyncio.sleep(0.1)


async def prepare_shop(url: str, panel: FakePanel, users: list[int], balance: int) -> None:
    """Migrations, the customers with their balance and the panel's catalog, as a running
    shop has them."""
    db = Database(url)
    await db.connect()
    client = PanelClient(panel.url, panel.key, retries=1)
    try:
        for user in users:
            await add_user(db, user, balance=balance)
        await catalog.sync(db, client)
    finally:
        await client.close()
        await db.close()


class Cluster:
    def __init__(
        self,
        tmp_path: Path,
        tg: FakeTelegram,
        panel: FakePanel,
        *,
        database_url: str,
        redis_url: str | None,
        redis_prefix: str | None,
        size: int,
        **extra: str,
    ) -> None:
        self.tmp_path, self.tg, self.panel = tmp_path, tg, panel
        self.database_url = database_url
        self.redis_url, self.redis_prefix = redis_url, redis_prefix
        self.size = size
        self.extra = extra
        self.ports: list[int] = []
        self.procs: list[asyncio.subprocess.Process | None] = []
        self._logs: list[IO[bytes]] = []
        self.session: aiohttp.ClientSession | None = None
        self._next = 0
        self._scanned = 0
        self._texts: dict[int, list[str]] = {}

    def env(self, index: int, port: int) -> dict[str, str]:
        env = bot_env(self.tmp_path, self.tg.url, self.panel.url, self.panel.key)
        env.update(
            BOT_TOKEN=self.tg.token,
            DATABASE_URL=self.database_url,
            DATABASE_PATH=str(self.tmp_path / f"replica{index}" / "bot.sqlite3"),
            WEBHOOK_URL=f"https://bot.example.test{PATH}",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            LEADER_TIMEOUT="5",
            POLL_INTERVAL_SECONDS="5",
            STOP_TIMEOUT="10",
            PANEL_READ_TIMEOUT="5",
        )
        if self.redis_url and self.redis_prefix:
            env.update(REDIS_URL=self.redis_url, REDIS_PREFIX=self.redis_prefix)
        env.update(self.extra)
        return env

    async def start(self) -> Cluster:
        self.session = aiohttp.ClientSession()
        for index in range(self.size):
            port = free_port()
            (self.tmp_path / f"replica{index}").mkdir(parents=True, exist_ok=True)
            log = (self.tmp_path / f"replica{index}.log").open("wb")
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", env=self.env(index, port), cwd=self.tmp_path,
                stdout=log, stderr=log,
            )  # fmt: skip
            self.ports.append(port)
            self.procs.append(proc)
            self._logs.append(log)
        for port in self.ports:
            await _listening(port)
        return self

    def log(self, index: int) -> str:
        return (self.tmp_path / f"replica{index}.log").read_text(errors="replace")

    def leaders(self) -> list[int]:
        """Replicas (alive) whose log says they lead now."""
        found = []
        for index, proc in enumerate(self.procs):
            if proc is None or proc.returncode is not None:
                continue
            text = self.log(index)
            if text.rfind(LEADER_LINE) > text.rfind("is no longer the leader"):
                found.append(index)
        return found

    async def post(self, index: int, update: dict[str, Any], secret: str = SECRET) -> int:
        assert self.session is not None
        url = f"http://127.0.0.1:{self.ports[index]}{PATH}"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with self.session.post(url, json=update, headers=headers) as response:
            return response.status

    def alive(self) -> list[int]:
        return [i for i, p in enumerate(self.procs) if p is not None and p.returncode is None]

    async def post_next(self, update: dict[str, Any]) -> int:
        """Round-robin over the replicas still running."""
        alive = self.alive()
        index = alive[self._next % len(alive)]
        self._next += 1
        return await self.post(index, update)

    async def kill(self, index: int) -> None:
        proc = self.procs[index]
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        await proc.wait()

    async def stop(self) -> list[int | None]:
        """SIGTERM to every replica still running; their exit codes."""
        for proc in self.procs:
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        codes: list[int | None] = []
        for proc in self.procs:
            if proc is None:
                codes.append(None)
                continue
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
            codes.append(proc.returncode)
        for log in self._logs:
            log.close()
        if self.session is not None:
            await self.session.close()
        return codes

    # ------------------------------------------------------------ what a customer does

    def texts(self, user: int) -> list[str]:
        """What the bot sent or edited to `user`, in order (read incrementally: many users
        wait on this at once)."""
        calls = self.tg.calls
        for call in calls[self._scanned :]:
            if call.text and isinstance(call.chat_id, int):
                self._texts.setdefault(call.chat_id, []).append(call.text)
        self._scanned = len(calls)
        return self._texts.get(user, [])

    async def order(self, user: int, *, quantity: str = "1000", first: int = 0) -> None:
        """Service 2's dialog (start, link, quantity, Confirm), each step posted to the next
        replica round-robin from `first`; returns once the order is placed."""
        tg = self.tg
        steps = [
            tg.make_update(callback_query=tg.make_callback(
                OrderStartCb(service_id="2").pack(), user_id=user)),
            tg.make_update(message=tg.make_message(LINK, user_id=user)),
            tg.make_update(message=tg.make_message(quantity, user_id=user)),
        ]  # fmt: skip
        alive = self.alive()
        for step, update in enumerate(steps):
            before = len(self.texts(user))
            assert await self.post(alive[(first + step) % len(alive)], update) == 200
            await until(lambda b=before: len(self.texts(user)) > b, what=f"user {user} step {step}")  # type: ignore[misc]
        confirm = next(
            str(button["callback_data"])
            for row in (tg.last_markup(user) or {}).get("inline_keyboard", [])
            for button in row
            if str(button.get("callback_data", "")).startswith("odc:")
        )
        press = tg.make_update(callback_query=tg.make_callback(confirm, user_id=user))
        assert await self.post(alive[(first + 3) % len(alive)], press) == 200
        await until(
            lambda: any("is placed" in t for t in self.texts(user)), what=f"user {user} placed"
        )


async def _listening(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on {port}") from None
            await asyncio.sleep(0.1)
        else:
            writer.close()
            return


def services_up() -> tuple[str, str] | None:
    """(TEST_DATABASE_URL, TEST_REDIS_URL) when both are set."""
    pg, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    return (pg, redis) if pg and redis else None
