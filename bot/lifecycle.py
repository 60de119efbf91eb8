"""Stopping without losing anything (SIGTERM on every deploy, Ctrl+C in a terminal).

The first signal stops taking updates; updates in flight finish (an order being placed is
recorded and its outcome shown), the sender finishes the sends it has in flight, then the
panel client and the database are closed, last. The whole stop is bounded by STOP_TIMEOUT;
past it, or on a second signal, the process exits at once: what was cut off is found at
the next start (an order left `submitting` becomes `unknown`, a queued message is sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Lifecycle:
    def __init__(self, stop_timeout: float) -> None:
        self.stop_timeout = stop_timeout
        self.stopping = False
        self._deadline: float | None = None
        self._signals = 0
        self._stop_task: asyncio.Task[None] | None = None

    def remaining(self, share: float = 1.0) -> float:
        """Seconds left of the stop budget (all of it before a stop began), times `share`."""
        if self._deadline is None:
            return self.stop_timeout * share
        left = self._deadline - asyncio.get_running_loop().time()
        return max(0.0, left * share)

    def install(self, stop: Callable[[], Awaitable[None]]) -> None:
        """Handle SIGTERM/SIGINT on the running loop: the first calls `stop`, a second one
        (or the stop running past STOP_TIMEOUT) exits at once."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig, stop)

    def _on_signal(self, sig: signal.Signals, stop: Callable[[], Awaitable[None]]) -> None:
        self._signals += 1
        if self._signals > 1:
            self._force(f"second {sig.name}")
            return
        loop = asyncio.get_running_loop()
        self.stopping = True
        self._deadline = loop.time() + self.stop_timeout
        log.warning(
            "%s: stopping; work in flight gets up to %.0f s (send it again to stop at once)",
            sig.name,
            self.stop_timeout,
        )
        loop.call_later(self.stop_timeout, self._force, "STOP_TIMEOUT reached")
        self._stop_task = loop.create_task(self._stop(stop))

    @staticmethod
    async def _stop(stop: Callable[[], Awaitable[None]]) -> None:
        with contextlib.suppress(RuntimeError):  # polling had not started yet / already over
            await stop()

    @staticmethod
    def _force(why: str) -> None:
        log.error("stopping at once (%s); the next start recovers what was cut off", why)
        logging.shutdown()
        os._exit(1)


async def wait_in_flight(tasks: set[asyncio.Task[object]], seconds: float) -> None:
    """Let the updates being handled finish (an order being placed must be recorded)."""
    running = {task for task in tasks if not task.done()}
    if not running:
        return
    log.info("waiting for %d update(s) in flight", len(running))
    _, pending = await asyncio.wait(running, timeout=seconds)
    if pending:
        log.warning("%d update(s) still running at stop", len(pending))
