"""In-memory rate limits: how often one user may touch the panel through a button, and how
many updates one user may send in a window (bot/middlewares/flood.py).

Per process: with more than one bot process (scale-out) these move to Redis, so that every
process sees the same counts; until then a restart simply forgets them."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

Clock = Callable[[], float]

REFRESH_SECONDS = 5.0  # a second Refresh of one order within this answers from the database
FLOOD_LIMIT = 20  # updates...
FLOOD_WINDOW = 10.0  # ...per this many seconds, per user
PRUNE_AT = 10_000  # keys kept before the stale ones are dropped


class Cooldown:
    """At most one call per key every `seconds`."""

    def __init__(self, seconds: float = REFRESH_SECONDS, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[Hashable, float] = {}

    def allow(self, key: Hashable) -> bool:
        """True (and the call is counted) when the last allowed call of `key` is old enough."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            return False
        if len(self._last) >= PRUNE_AT:
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}
        self._last[key] = now
        return True


class FloodLimiter:
    """More than `limit` updates from one user within `window` seconds: the user is told
    once to slow down and their updates are ignored until `window` seconds have passed."""

    def __init__(
        self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW, clock: Clock = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._muted_until: dict[int, float] = {}

    def check(self, user_id: int) -> str:
        """ "ok" (go on), "warn" (the update that crossed the limit: say so once) or "drop"."""
        now = self.clock()
        until = self._muted_until.get(user_id)
        if until is not None:
            if now < until:
                return "drop"
            del self._muted_until[user_id]
        if len(self._seen) >= PRUNE_AT:
            self._prune(now)
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.limit:
            return "ok"
        seen.clear()
        self._muted_until[user_id] = now + self.window
        return "warn"

    def _prune(self, now: float) -> None:
        self._seen = {u: s for u, s in self._seen.items() if s and now - s[-1] < self.window}
