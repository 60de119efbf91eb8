"""Supervised background tasks: started on dispatcher startup, stopped on shutdown; a task
that crashes is logged and restarted after a growing pause, never silently lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

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

    async def stop(self, within: float | None = None) -> None:
        """Cancel every task and wait for them to wind down (the sender finishes its sends
        in flight), at most `within` seconds."""
        await self.stop_tasks(list(self._tasks), within)

    async def stop_tasks(self, names: Iterable[str], within: float | None = None) -> None:
        """Cancel the named tasks (those running) at once and wait for them to wind down,
        at most `within` seconds: a replica that stops leading stops the leader's loops."""
        tasks = [self._tasks.pop(name) for name in list(names) if name in self._tasks]
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=within)
            for task in pending:
                log.warning("task %s did not stop in time", task.get_name())
        for task in tasks:
            if task.done() and not task.cancelled():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    task.result()
