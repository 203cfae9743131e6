"""The session pool's rules, with fake sessions (no browser): cap, order, pinned loss, shutdown."""

from __future__ import annotations

import asyncio

import pytest
from selenium.common.exceptions import InvalidSessionIdException, TimeoutException, WebDriverException

from procurement_spiders.browser.pool import PinnedSessionLost, PoolClosed, SessionPool
from procurement_spiders.browser.session import BrowserSession, is_session_fault


class FakeDriver:
    capabilities: dict = {}

    def __init__(self):
        self.quit_called = False


def make_pool(size: int):
    created: list[BrowserSession] = []
    destroyed: list[BrowserSession] = []

    async def create(name):
        await asyncio.sleep(0.01)
        session = BrowserSession(FakeDriver(), name)
        created.append(session)
        return session

    async def destroy(session):
        destroyed.append(session)

    return SessionPool(size, create, destroy), created, destroyed


def run(coro):
    return asyncio.run(coro)


def test_never_more_sessions_than_the_cap():
    async def main():
        pool, created, _ = make_pool(2)
        busy = 0
        peak = 0

        async def job():
            nonlocal busy, peak
            async with pool.session():
                busy += 1
                peak = max(peak, busy)
                await asyncio.sleep(0.01)
                busy -= 1

        await asyncio.gather(*(job() for _ in range(20)))
        return peak, len(created)

    peak, created = run(main())
    assert peak == 2 and created == 2


def test_pinned_requests_are_served_one_at_a_time_in_arrival_order():
    async def main():
        pool, created, _ = make_pool(2)
        order: list[int] = []
        inside = 0

        async def job(i):
            nonlocal inside
            async with pool.session("login") as session:
                inside += 1
                assert inside == 1
                order.append(i)
                await asyncio.sleep(0.005)
                inside -= 1
                return session

        sessions = await asyncio.gather(*(job(i) for i in range(10)))
        return order, {id(s) for s in sessions}, len(created)

    order, distinct, created = run(main())
    assert order == list(range(10)) and len(distinct) == 1 and created == 1


def test_a_broken_pinned_session_stays_lost_until_started_fresh():
    async def main():
        pool, created, destroyed = make_pool(2)
        async with pool.session("login") as first:
            first.broken = True
        with pytest.raises(PinnedSessionLost):
            async with pool.session("login"):
                pass
        async with pool.session("login", fresh=True) as again:
            pass
        return first, again, destroyed

    first, again, destroyed = run(main())
    assert again is not first and first in destroyed


def test_a_pinned_session_takes_the_slot_of_an_idle_shared_one():
    async def main():
        pool, created, destroyed = make_pool(1)
        async with pool.session() as shared:
            pass
        async with pool.session("login") as pinned:
            pass
        return shared, pinned, destroyed

    shared, pinned, destroyed = run(main())
    assert destroyed == [shared] and pinned is not shared


def test_broken_shared_session_is_replaced_and_close_quits_all():
    async def main():
        pool, created, destroyed = make_pool(2)
        async with pool.session() as a:
            a.broken = True
        async with pool.session() as b:
            pass
        await pool.close()
        with pytest.raises(PoolClosed):
            async with pool.session():
                pass
        return a, b, destroyed

    a, b, destroyed = run(main())
    assert b is not a and destroyed == [a, b]


def test_waiters_get_pool_closed_on_shutdown():
    async def main():
        pool, _, _ = make_pool(1)

        async def holder():
            async with pool.session():
                await asyncio.sleep(0.05)

        async def waiter():
            await asyncio.sleep(0.01)
            async with pool.session():
                pass

        task_h = asyncio.ensure_future(holder())
        task_w = asyncio.ensure_future(waiter())
        await asyncio.sleep(0.02)
        await pool.close()
        await task_h
        with pytest.raises(PoolClosed):
            await task_w

    run(main())


@pytest.mark.parametrize(
    ("exc", "stage", "fault"),
    [
        (InvalidSessionIdException("invalid session id"), "wait", True),
        (WebDriverException("unknown error: session deleted because of page crash"), "actions", True),
        (WebDriverException("chrome not reachable"), "read", True),
        (TimeoutException("timeout: Timed out receiving message from renderer: 3.0"), "navigate", True),
        (TimeoutException(""), "wait", False),  # wait_until did not hold: the page, not the browser
        (WebDriverException("no such element: Unable to locate element"), "actions", False),
        (ConnectionRefusedError(), "start", True),  # Grid down or restarting
        (WebDriverException("Unable to execute request for an existing session: Connection error"), "read", True),
        (ValueError("spider bug"), "actions", False),
    ],
)
def test_which_failures_replace_the_session(exc, stage, fault):
    assert is_session_fault(exc, stage) is fault
