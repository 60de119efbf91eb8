"""What the bot's own HTTP clients (the panel's, Crypto Pay's) share: one aiohttp session,
opened on the first call and closed with the client, unless the caller handed its own in."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

import aiohttp

USER_AGENT = "smm-bot/0.1 (+aiohttp)"


class SessionClient:
    """Base of a client with a lazily opened session (`_connector` says how it connects).
    A session handed in is the caller's: used, never closed here."""

    def __init__(
        self, session: aiohttp.ClientSession | None, connect_timeout: float, read_timeout: float
    ) -> None:
        # sock_read bounds each wait for data, not the whole call
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._session = session
        self._owns_session = session is None
        self._session_lock = asyncio.Lock()

    def _connector(self) -> aiohttp.TCPConnector:
        return aiohttp.TCPConnector()

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._session is not None and not self._session.closed:
            return self._session
        async with self._session_lock:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(
                    connector=self._connector(),
                    timeout=self._timeout,
                    headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                )
                self._owns_session = True
            return self._session

    async def close(self) -> None:
        if self._session is not None and self._owns_session and not self._session.closed:
            await self._session.close()
        if self._owns_session:
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
