"""At most N browser sessions, created on first use: anonymous ones shared, named ones pinned.

Runs on the event loop; `create` and `destroy` are coroutines that do the blocking work in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from procurement_spiders.browser.session import BrowserSession

logger = logging.getLogger(__name__)


class PoolClosed(RuntimeError):
    """The crawl is shutting down; no new browser work is accepted."""


class PinnedSessionLost(RuntimeError):
    """A named session died (or was lost earlier) and must not be replaced behind the spider's back."""


class SessionPool:
    def __init__(
        self,
        size: int,
        create: Callable[[str | None], Awaitable[BrowserSession]],
        destroy: Callable[[BrowserSession], Awaitable[None]],
    ):
        self.size = size
        self._create = create
        self._destroy = destroy
        self._idle: list[BrowserSession] = []
        self._named: dict[str, BrowserSession] = {}
        self._name_locks: dict[str, asyncio.Lock] = {}
        self._lost: set[str] = set()
        self._all: set[BrowserSession] = set()
        self._live = 0  # sessions alive or being created (slots taken)
        self._cond: asyncio.Condition | None = None
        self.closed = False

    @property
    def sessions(self) -> set[BrowserSession]:
        return set(self._all)

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:  # bound to the running loop on first use
            self._cond = asyncio.Condition()
        return self._cond

    async def _take_slot_for_pinned(self) -> None:
        cond = self._condition()
        victim = None
        async with cond:
            while True:
                if self.closed:
                    raise PoolClosed("browser pool closed")
                if self._live < self.size:
                    self._live += 1
                    return
                if self._idle:  # a pinned session needs the slot an idle shared one holds
                    victim = self._idle.pop(0)
                    self._all.discard(victim)
                    break
                await cond.wait()
        await self._destroy(victim)  # the slot passes from the victim to the caller

    async def _free_slot(self) -> None:
        cond = self._condition()
        async with cond:
            self._live -= 1
            cond.notify_all()

    async def _start(self, name: str | None) -> BrowserSession:
        """Create a session in a slot the caller has already taken."""
        try:
            session = await self._create(name)
        except BaseException:
            await self._free_slot()
            raise
        if self.closed:  # shutdown began while the browser was starting
            await self._destroy(session)
            await self._free_slot()
            raise PoolClosed("browser pool closed")
        self._all.add(session)
        return session

    async def _get_shared(self) -> BrowserSession:
        cond = self._condition()
        async with cond:
            while True:
                if self.closed:
                    raise PoolClosed("browser pool closed")
                if self._idle:
                    return self._idle.pop()
                if self._live < self.size:
                    self._live += 1
                    break
                await cond.wait()
        return await self._start(None)

    async def _put_shared(self, session: BrowserSession) -> None:
        cond = self._condition()
        async with cond:
            if not self.closed and session in self._all:
                self._idle.append(session)
                cond.notify_all()
                return
        await self.discard(session)

    async def discard(self, session: BrowserSession) -> None:
        """Quit a session (dead or not) and give its slot back."""
        if session not in self._all:
            return
        self._all.discard(session)
        if session.name is not None and self._named.get(session.name) is session:
            del self._named[session.name]
        await self._destroy(session)
        await self._free_slot()

    @asynccontextmanager
    async def session(self, name: str | None = None, *, fresh: bool = False) -> AsyncIterator[BrowserSession]:
        """Borrow a session. Named ones are served one request at a time, in arrival order."""
        if name is None:
            shared = await self._get_shared()
            try:
                yield shared
            finally:
                if shared.broken:
                    await self.discard(shared)
                else:
                    await self._put_shared(shared)
            return
        lock = self._name_locks.setdefault(name, asyncio.Lock())
        async with lock:  # asyncio.Lock wakes waiters first-in, first-out
            if fresh:
                self._lost.discard(name)
                old = self._named.get(name)
                if old is not None:
                    await self.discard(old)
            if name in self._lost:
                raise PinnedSessionLost(f"browser session {name!r} was lost")
            pinned = self._named.get(name)
            if pinned is None:
                await self._take_slot_for_pinned()
                pinned = await self._start(name)
                self._named[name] = pinned
            try:
                yield pinned
            finally:
                if pinned.broken:  # decided under the lock, so the next pinned request sees it
                    self._lost.add(name)
                    await self.discard(pinned)

    async def close(self) -> None:
        """Quit every session; later borrowers get PoolClosed."""
        self.closed = True
        cond = self._condition()
        async with cond:
            cond.notify_all()
        sessions = list(self._all)
        self._all.clear()
        self._idle.clear()
        self._named.clear()
        self._live -= len(sessions)
        if sessions:
            await asyncio.gather(*(self._destroy(s) for s in sessions), return_exceptions=True)
