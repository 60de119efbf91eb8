"""`/healthz`, `/readyz` and `/metrics`: what an operator's container platform and Prometheus
ask. `add_ops_routes` adds them to any aiohttp Application: its own small server in polling
mode (`OpsServer`, on HTTP_LISTEN), the webhook server's app in webhook mode. They run on the
bot's event loop: an answer at all proves the loop turns.

- `/healthz`: 200 while the heartbeat task beats (the same rule as `python -m bot health`).
- `/readyz`: 200 when every readiness check passes, else 503 with `{"reasons": {...}}`. The
  checks are pluggable (`Readiness.add`): the database and the panel now; Redis joins them
  when it is configured.
- `/metrics`: the app's registry (bot/metrics.py) in the Prometheus text format.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST

from bot.db import Database
from bot.health import Beat
from bot.metrics import Metrics
from bot.panel import PanelClient
from bot.services import panel_balance

if TYPE_CHECKING:
    # aiohttp's server is imported where a server starts (OpsServer.start, bot/webhook.py):
    # a bot without HTTP_LISTEN or a webhook does not carry it (~1 MB resident).
    from aiohttp import web

log = logging.getLogger(__name__)

# A check answers None when all is well, else one line saying what is wrong.
ReadyCheck = Callable[[], Awaitable[str | None]]
CHECK_TIMEOUT = 3.0
PANEL_FRESH_SECONDS = 300.0  # the panel answered this recently: reachable, no need to ask
PANEL_PROBE_EVERY = 30.0  # otherwise it is asked (its balance) at most this often


class Readiness:
    """Named checks run together by /readyz, each within CHECK_TIMEOUT."""

    def __init__(self) -> None:
        self.checks: dict[str, ReadyCheck] = {}

    def add(self, name: str, check: ReadyCheck) -> None:
        self.checks[name] = check

    async def problems(self) -> dict[str, str]:
        names = list(self.checks)
        results = await asyncio.gather(*(self._run(self.checks[n]) for n in names))
        return {name: problem for name, problem in zip(names, results, strict=True) if problem}

    @staticmethod
    async def _run(check: ReadyCheck) -> str | None:
        try:
            return await asyncio.wait_for(check(), CHECK_TIMEOUT)
        except TimeoutError:
            return f"no answer within {CHECK_TIMEOUT:g} s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"


def database_check(db: Database) -> ReadyCheck:
    async def check() -> str | None:
        try:
            await db.fetchval("SELECT 1")
        except Exception as exc:  # closed, locked, file gone
            return f"database does not answer ({type(exc).__name__}: {exc})"
        return None

    return check


def redis_check(redis: Any) -> ReadyCheck:
    """Redis answers a PING (FSM dialogs, per-user locks and the update guard live there)."""

    async def check() -> str | None:
        try:
            await redis.ping()
        except Exception as exc:  # refused, timed out, auth
            return f"redis does not answer ({type(exc).__name__})"
        return None

    return check


class PanelCheck:
    """Reachable when the panel answered anything within PANEL_FRESH_SECONDS; otherwise its
    balance is asked (also what the panel balance gauge shows), at most every
    PANEL_PROBE_EVERY seconds, so a readiness probe every second never floods the panel."""

    def __init__(self, db: Database, panel: PanelClient) -> None:
        self.db = db
        self.panel = panel
        self._probed_at = float("-inf")

    async def __call__(self) -> str | None:
        now = time.monotonic()
        if self._fresh(now):
            return None
        if now - self._probed_at >= PANEL_PROBE_EVERY:
            self._probed_at = now
            await panel_balance.refresh(self.db, self.panel, deadline=CHECK_TIMEOUT - 0.5)
            if self._fresh(time.monotonic()):
                return None
        if self.panel.last_answer is None:
            return "the panel has not answered since start"
        return f"the panel last answered {now - self.panel.last_answer:.0f} s ago"

    def _fresh(self, now: float) -> bool:
        last = self.panel.last_answer
        return last is not None and now - last <= PANEL_FRESH_SECONDS


class OpsEndpoints:
    """What the three routes read: the heartbeat, the readiness checks, the metrics."""

    def __init__(self, beat: Beat, readiness: Readiness, metrics: Metrics) -> None:
        self.beat = beat
        self.readiness = readiness
        self.metrics = metrics

    async def healthz(self, request: web.Request) -> web.Response:
        from aiohttp import web  # loaded already: a server is running

        problem = self.beat.problem()
        if problem is not None:
            return web.json_response({"status": "unhealthy", "reason": problem}, status=503)
        return web.json_response({"status": "ok"})

    async def readyz(self, request: web.Request) -> web.Response:
        from aiohttp import web

        problems = await self.readiness.problems()
        if problems:
            return web.json_response({"status": "not ready", "reasons": problems}, status=503)
        return web.json_response({"status": "ready"})

    async def metrics_text(self, request: web.Request) -> web.Response:
        from aiohttp import web

        body = await self.metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response


def add_ops_routes(app: web.Application, ops: OpsEndpoints) -> None:
    """The three routes on `app`: the webhook server adds them to its own app."""
    app.router.add_get("/healthz", ops.healthz)
    app.router.add_get("/readyz", ops.readyz)
    app.router.add_get("/metrics", ops.metrics_text)


class ListenError(Exception):
    """HTTP_LISTEN cannot be listened on; the message says why in one line."""


class OpsServer:
    """The routes on their own port (HTTP_LISTEN), on the running loop."""

    def __init__(self, ops: OpsEndpoints) -> None:
        self.ops = ops
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> None:
        from aiohttp import web

        app = web.Application()
        add_ops_routes(app, self.ops)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ListenError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health and metrics on http://%s:%d (/healthz, /readyz, /metrics)", host, port)

    @property
    def port(self) -> int | None:
        """The port bound (useful with port 0 in tests)."""
        if self._runner is None:
            return None
        for address in self._runner.addresses:
            return int(address[1])
        return None

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
