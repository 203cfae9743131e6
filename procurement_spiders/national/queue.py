"""The national run's shared queue: scrapy-redis's scheduler, with claims and a local queue.

Only task requests (a page of the national listing, an órgão, a plan: `meta["tarefa"]`) travel
through Redis; the follow-ups of a task (a plan's item pages, its Dados Abertos pages) stay in
the worker that holds the task, in memory, so a plan is read in one place. scrapy-redis pops a
request before it is done; here the pop also writes a claim (`<prefix>:inflight`, task ->
worker and the queued bytes) in the same Lua call, every worker keeps a short-lived
`<prefix>:alive:<worker>` key, and `requeue_dead` puts back the claims of workers whose key
expired (SIGKILL, lost machine). The PostgreSQL ledger decides what is done, so a request
queued twice costs a request, never a row.
"""

from __future__ import annotations

import heapq
import itertools

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

# Pop the best request and claim it for ARGV[1] in one step (members are b"<tarefa>\n<request>").
POP_AND_CLAIM = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0)
if #r == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local nl = string.find(r[1], "\\n", 1, true)
redis.call('HSET', KEYS[2], string.sub(r[1], 1, nl - 1), ARGV[1] .. "\\n" .. r[1])
return r[1]
"""
# Release a claim only if it is still this worker's.
RELEASE = """
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, string.len(ARGV[2]) + 1) == ARGV[2] .. "\\n" then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""
# Put a dead worker's claim back in the queue, unless someone changed it meanwhile.
REQUEUE = """
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v ~= ARGV[2] then return 0 end
local nl = string.find(v, "\\n", 1, true)
redis.call('ZADD', KEYS[2], 0, string.sub(v, nl + 1))
return redis.call('HDEL', KEYS[1], ARGV[1])
"""


def run_keys(prefix: str, ano: int) -> dict[str, str]:
    base = f"{prefix}:pncp_nacional:{ano}"
    return {
        "queue": f"{base}:requests",
        "dupefilter": f"{base}:dupefilter",
        "inflight": f"{base}:inflight",
        "alive": f"{base}:alive",
        "ano": f"{prefix}:pncp_nacional:ano",
    }


class ClaimingQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop claims the task for this worker."""

    def _encode_request(self, request) -> bytes:
        return request.meta["tarefa"].encode() + b"\n" + super()._encode_request(request)

    def _decode_request(self, encoded: bytes):
        return super()._decode_request(encoded.partition(b"\n")[2])

    def push_many(self, requests) -> None:
        """Many tasks in one ZADD: a listing page brings 500 órgãos, one round trip instead of 500."""
        self.server.zadd(self.key, {self._encode_request(r): -r.priority for r in requests})

    def pop(self, timeout=0):
        spider = self.spider
        data = self.server.eval(POP_AND_CLAIM, 2, self.key, spider.redis_keys["inflight"], spider.worker)
        return self._decode_request(data) if data else None


class NationalScheduler(Scheduler):
    """Task requests in Redis (shared, claimed); every other request in a local priority heap."""

    def open(self, spider):
        self.local: list = []
        self.counter = itertools.count()
        return super().open(spider)

    def enqueue_request(self, request) -> bool:
        if "tarefa" in request.meta:
            return super().enqueue_request(request)
        heapq.heappush(self.local, (-request.priority, next(self.counter), request))
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/local")
        return True

    def enqueue_tasks(self, requests) -> None:
        """New tasks the ledger just gave this worker to queue (`ledger.finish_task` returns a child
        to one worker only), so the dupefilter has nothing to say about them: one ZADD for all."""
        if requests:
            self.queue.push_many(requests)
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis", len(requests))

    def next_request(self):
        if self.local:
            return heapq.heappop(self.local)[2]
        if getattr(self.spider, "coleta_id", None) is None:
            return None  # not in the run yet (waiting for one, or still joining): take no shared task
        return super().next_request()

    def has_pending_requests(self) -> bool:
        return bool(self.local) or super().has_pending_requests()

    def __len__(self) -> int:
        return len(self.local) + super().__len__()


def release(server, keys: dict[str, str], tarefa: str, worker: str) -> None:
    server.eval(RELEASE, 1, keys["inflight"], tarefa, worker)


def heartbeat(server, keys: dict[str, str], worker: str, ttl: int) -> None:
    server.set(f"{keys['alive']}:{worker}", "1", ex=ttl)


def requeue_dead(server, keys: dict[str, str]) -> list[str]:
    """The tasks claimed by workers that are no longer alive, back in the queue."""
    requeued = []
    for tarefa, value in server.hgetall(keys["inflight"]).items():
        worker = value.split(b"\n", 1)[0].decode()
        alive = server.exists(f"{keys['alive']}:{worker}")
        if not alive and server.eval(REQUEUE, 2, keys["inflight"], keys["queue"], tarefa, value):
            requeued.append(tarefa.decode())
    return requeued


def claimed(server, keys: dict[str, str]) -> set[str]:
    return {k.decode() for k in server.hkeys(keys["inflight"])}


def clear_run(server, keys: dict[str, str]) -> None:
    """A finished run leaves nothing behind in Redis."""
    for key in server.scan_iter(f"{keys['alive']}:*"):
        server.delete(key)
    server.delete(keys["queue"], keys["dupefilter"], keys["inflight"], keys["ano"])
