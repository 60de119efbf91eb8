"""Supervised background tasks: started on dispatcher startup, stopped on shutdown; a task
that crashes is logged and restarted after a growing pause, never silently lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(self, max_backoff: float = 60.0) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._max_backoff = max_backoff

    def start(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        if name in self._tasks and not self._tasks[name].done():
            raise RuntimeError(f"task {name} already running")
        self._tasks[name] = asyncio.create_task(self._run(name, factory), name=name)

    async def _run(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        backoff = 1.0
        while True:
            try:
                await factory()
                log.info("task %s finished", name)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("task %s crashed; restarting in %.0f s", name, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)

    @property
    def names(self) -> list[str]:
        return [name for name, task in self._tasks.items() if not task.done()]

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
