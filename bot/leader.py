"""Which process runs the background work (poller, outbox sender, catalog sync, payment
reconciliation): exactly one, the leader.

On SQLite there is one process and it is the leader (`SoloLeader`). On PostgreSQL every
replica runs `AdvisoryLockLeader`: the one that holds an advisory lock (`LOCK_SQL`) on a
dedicated connection (not one of the pool's, which come and go) leads. The lock lives as
long as that session: when the leader dies, PostgreSQL drops the session and the lock with
it, and another replica, retrying every few seconds, takes over. The leader pings its
connection; when a ping fails or the connection drops, it stops the background work at
once: from then on it must assume another replica leads.

Nothing here decides what is sent or refunded twice: the outbox rows' states and the
ledger's unique refs do, so two leaders overlapping for a moment change nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

# pg_try_advisory_lock(LOCK_KEY, hashtext(current_schema())): advisory locks are per
# database, so the schema is part of the key: two shops in two schemas of one database
# have a leader each. LOCK_KEY is a constant int4 the bot uses for nothing else.
LOCK_KEY = 0x534D_424C  # "SMBL"
LOCK_SQL = "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))"

Callback = Callable[[], Awaitable[None]]


class Leader(Protocol):
    solo: bool  # True: always the leader, no election (one process on SQLite)

    async def run(self, elected: Callback, deposed: Callback) -> None:
        """Call `elected` on becoming the leader and `deposed` on losing it, until cancelled."""


class SoloLeader:
    """One process on SQLite: it is the leader from start to stop."""

    solo = True

    async def run(self, elected: Callback, deposed: Callback) -> None:
        await elected()
        try:
            await asyncio.Event().wait()
        finally:
            await deposed()


class Timing:
    """Intervals derived from LEADER_TIMEOUT (T). The leader notices a lost session within
    T/2 (a ping every T/4, each given T/4), before PostgreSQL frees the lock of a leader
    that went silent (about 2T/3: TCP keepalives, and idle_session_timeout for a process
    that froze); a follower tries the lock every T/6, so it leads within T."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.retry = timeout / 6  # how often a follower tries the lock
        self.ping = timeout / 4  # how often the leader checks its session
        self.ping_timeout = timeout / 4  # a ping unanswered this long: the session is gone

    def server_settings(self) -> dict[str, str]:
        """The session's own settings: PostgreSQL ends the session (and frees the lock) of
        a leader whose machine vanished (keepalives) or whose process hangs (idle)."""
        idle = max(1, int(self.timeout / 3))
        interval = max(1, int(self.timeout / 6))
        return {
            "application_name": "smm-bot-leader",
            "tcp_keepalives_idle": str(idle),
            "tcp_keepalives_interval": str(interval),
            "tcp_keepalives_count": "2",
            # PostgreSQL 14+: a session that sent nothing for this long is ended
            "idle_session_timeout": str(int(self.timeout * 2 / 3 * 1000)),
        }


Connect = Callable[[], Awaitable[Any]]


class AdvisoryLockLeader:
    """Leader election on a PostgreSQL advisory lock held on a dedicated connection."""

    solo = False

    def __init__(self, dsn: str, timeout: float, *, connect: Connect | None = None) -> None:
        self.timing = Timing(timeout)
        self._dsn = dsn
        self._connect = connect or self._asyncpg_connect
        self.is_leader = False

    async def _asyncpg_connect(self) -> Any:
        import asyncpg

        return await asyncpg.connect(
            self._dsn,
            timeout=self.timing.ping_timeout,
            command_timeout=self.timing.ping_timeout,
            server_settings=self.timing.server_settings(),
        )

    async def run(self, elected: Callback, deposed: Callback) -> None:
        while True:
            conn = None
            try:
                conn = await self._connect()
                await self._follow(conn)
                await self._lead(conn, elected, deposed)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("leader election: %s; retrying", type(exc).__name__)
            finally:
                if conn is not None:
                    await _close(conn)
            await asyncio.sleep(self.timing.retry)

    async def _follow(self, conn: Any) -> None:
        """Returns once this session holds the lock; raises when the connection fails."""
        while True:
            if await conn.fetchval(LOCK_SQL, LOCK_KEY):
                return
            await asyncio.sleep(self.timing.retry)

    async def _lead(self, conn: Any, elected: Callback, deposed: Callback) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        self.is_leader = True
        log.info("this replica is the leader")
        try:
            await elected()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self.timing.ping)
                if not lost.is_set():
                    await asyncio.wait_for(conn.fetchval("SELECT 1"), self.timing.ping_timeout)
            log.warning("leader: the lock's connection dropped")
        finally:
            # at once, whatever ended the lead (a failed ping, a drop, a stop): another
            # replica may lead from now on
            self.is_leader = False
            await deposed()
            log.warning("this replica is no longer the leader")


async def _close(conn: Any) -> None:
    """Closing the session frees the lock; a broken one is torn down without waiting."""
    try:
        await asyncio.wait_for(conn.close(), 2)
    except Exception:
        conn.terminate()


def make_leader(dialect: str, dsn: str | None, timeout: float) -> Leader:
    if dialect == "postgresql":
        if not dsn:
            raise ValueError("PostgreSQL leader election needs the database URL")
        return AdvisoryLockLeader(dsn, timeout)
    return SoloLeader()
