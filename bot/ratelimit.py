"""Rate limits: how often one user may touch the panel through a button, and how many
updates one user may send in a window (bot/middlewares/flood.py).

The flood limit counts in Redis when the replicas share one (REDIS_URL: `RedisFloodLimiter`),
so a user's updates spread over several replicas are counted together; in memory otherwise
(one process; a restart forgets the counts). The Refresh cooldown stays per process: at
worst each replica lets one Refresh of an order through per few seconds."""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any, Literal, Protocol

Clock = Callable[[], float]
Verdict = Literal["ok", "warn", "drop"]

log = logging.getLogger(__name__)

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

    async def verdict(self, user_id: int) -> Verdict:
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


class Flood(Protocol):
    """What the flood middleware asks: "ok", "warn" (the update that crossed the limit: say
    so once) or "drop"."""

    limit: int

    async def verdict(self, user_id: int) -> Verdict: ...


# One round trip, atomic, on Redis's own clock (the replicas' clocks may differ): the same
# sliding window as FloodLimiter. KEYS: the user's recent updates (a sorted set by time in
# ms), the user's mute; ARGV: window in ms, limit, a member unique to this update.
_FLOOD_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 'drop' end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
if redis.call('ZCARD', KEYS[1]) <= tonumber(ARGV[2]) then return 'ok' end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], 1, 'PX', window)
return 'warn'
"""


_VERDICTS: dict[str, Verdict] = {"ok": "ok", "warn": "warn", "drop": "drop"}


class RedisFloodLimiter:
    """FloodLimiter's rule counted in Redis, shared by every replica: a user whose updates
    are spread over three replicas gets the limit once, not three times, and is told to
    slow down once. If Redis does not answer, the update goes on (logged): the limit is a
    courtesy to the panel and Telegram, not a reason to lose a customer's message."""

    def __init__(
        self, redis: Any, prefix: str, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW
    ) -> None:
        self.limit = limit
        self.window = window
        self.prefix = prefix
        self._script = redis.register_script(_FLOOD_SCRIPT)
        self._serial = 0
        self._replica = os.urandom(6).hex()  # members of different replicas never collide

    async def verdict(self, user_id: int) -> Verdict:
        self._serial += 1
        user = f"{self.prefix}:flood:{{{user_id}}}"  # {..}: one hash slot on a Redis Cluster
        keys = [f"{user}:seen", f"{user}:mute"]
        args = [max(1, round(self.window * 1000)), self.limit, f"{self._replica}:{self._serial}"]
        try:
            answer = await self._script(keys=keys, args=args)
        except Exception as exc:  # Redis down or refusing: let the update through
            log.warning("flood limit not checked for user %s: %r", user_id, exc)
            return "ok"
        verdict = _VERDICTS.get(answer.decode() if isinstance(answer, bytes) else str(answer))
        if verdict is None:
            log.warning("flood limit: unexpected answer %r from Redis", answer)
            return "ok"
        return verdict
