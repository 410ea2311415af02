"""The velocity counters in Redis, shared by every replica: ``MemoryVelocityStore``'s semantics.

One hash a scope's key, ``ezitxt-okta:v:`` + the scope's letter (``n`` number, ``p`` prefix of
an application, ``a`` application, ``u`` user) + a 12-byte keyed digest of the key (so Redis
holds no phone number, user id or application name), with a TTL of twice its longest window,
refreshed on each counted send. Three fields a window, named by its length in seconds:
``<s>`` the bucket, ``<s>c`` its count, ``<s>p`` the bucket before's count (a number key with
both windows: 6 small fields, a listpack of ~60 bytes).

``admit`` is ONE ``EVALSHA`` (``SharedState.script``, batched with the other calls of the
event-loop turn): the script reads every window of every key, and either counts the send in all
of them or, when one more would pass a limit, in none and returns which window refused, all
atomically across replicas. ``refund`` is a second script, queued and not waited for (a send
that failed is rare). The buckets follow the replica's wall clock (``time.time()``, sent with
the call): replicas agree on a bucket to within their clock skew, which only moves a bucket's
edge by as much. A Redis in trouble raises ``StateUnavailable`` (counted and logged by
``SharedState``); the hook then sends without the limits (fails open, DESIGN.md decision 6).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from hashlib import blake2b

from connector.refusals import Refusal
from connector.state import NAMESPACE, Script, SharedState
from connector.velocity import Limits, Subject, Window, refusal
from connector.velocity_store import NOT_COUNTED, Admitted

PREFIX = NAMESPACE + b"v:"
_LETTERS = (b"n", b"p", b"a", b"u")  # by scope: number, prefix, application, user
DIGEST_BYTES = 12

# KEYS: one hash a scope. ARGV[1] now (seconds, float); then per key: its TTL (ms), its number
# of windows, and per window its length (s), its limit and its index in Limits.windows.
# Returns 0 (counted everywhere) or the 1-based index of the first window refused.
_ADMIT = Script("""
local now = tonumber(ARGV[1])
local a = 2
local plan = {}
local first = 0
for k = 1, #KEYS do
  local ttl = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  for j = 1, n do
    local f = ARGV[a]
    local s = tonumber(f)
    local limit = tonumber(ARGV[a + 1])
    local index = tonumber(ARGV[a + 2])
    a = a + 3
    local v = redis.call('HMGET', KEYS[k], f, f .. 'c', f .. 'p')
    local bucket = math.floor(now / s)
    local held = tonumber(v[1])
    local cur = tonumber(v[2]) or 0
    local prev = tonumber(v[3]) or 0
    if held ~= bucket then
      if held == bucket - 1 then prev = cur else prev = 0 end
      cur = 0
    end
    local count = prev * (1 - (now - bucket * s) / s) + cur
    if count + 1 > limit and (first == 0 or index < first) then first = index end
    plan[#plan + 1] = {KEYS[k], f, bucket, cur + 1, prev, ttl}
  end
end
if first > 0 then return first end
for _, p in ipairs(plan) do
  redis.call('HSET', p[1], p[2], p[3], p[2] .. 'c', p[4], p[2] .. 'p', p[5])
  redis.call('PEXPIRE', p[1], p[6])
end
return 0
""")

# KEYS: the hashes counted in. ARGV: per key its number of windows, then per window its field
# and the bucket it was counted in. Takes one send back where that bucket is still current.
_REFUND = Script("""
local a = 1
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  a = a + 1
  for j = 1, n do
    local f, bucket = ARGV[a], ARGV[a + 1]
    a = a + 2
    if redis.call('HGET', KEYS[k], f) == bucket then
      if tonumber(redis.call('HGET', KEYS[k], f .. 'c') or '0') > 0 then
        redis.call('HINCRBY', KEYS[k], f .. 'c', -1)
      end
    end
  end
end
return 1
""")


class RedisVelocityStore:
    """The counters of every replica, through ``state`` (``StateUnavailable`` when Redis is in
    trouble). ``key``: the digests' key, the same on every replica (Settings.state_secret)."""

    def __init__(
        self,
        state: SharedState,
        limits: Limits,
        *,
        key: bytes,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.limits = limits
        self.clock = clock
        self._key = key
        # Per scope: its windows with their index in limits.windows, and the hash's TTL.
        self._scopes: list[tuple[int, list[tuple[int, Window]], int]] = []
        for scope in range(len(_LETTERS)):
            mine = [(i, w) for i, w in enumerate(limits.windows) if w.scope == scope]
            if mine:
                ttl_ms = 2 * max(w.seconds for _, w in mine) * 1000
                self._scopes.append((scope, mine, ttl_ms))

    async def admit(self, subject: Subject) -> Admitted | Refusal:
        if not self._scopes:
            return NOT_COUNTED
        now = self.clock()
        keys = subject.keys()
        redis_keys: list[bytes] = []
        args: list[bytes | int] = [repr(now).encode()]
        counted: list[tuple[bytes, list[tuple[bytes, int]]]] = []
        for scope, windows, ttl_ms in self._scopes:
            key = keys[scope]
            if key is None:
                continue
            redis_key = PREFIX + _LETTERS[scope] + self._digest(key)
            redis_keys.append(redis_key)
            args += (ttl_ms, len(windows))
            fields = []
            for index, window in windows:
                field = str(window.seconds).encode()
                args += (field, window.limit, index + 1)
                fields.append((field, int(now // window.seconds)))
            counted.append((redis_key, fields))
        if not redis_keys:
            return NOT_COUNTED
        first = await self.state.script(
            "velocity_admit", _ADMIT, len(redis_keys), *redis_keys, *args
        )
        if int(first):
            return refusal(self.limits.windows[int(first) - 1], subject)
        return Admitted(counted)

    def refund(self, admitted: Admitted) -> None:
        counted = admitted.token
        if not isinstance(counted, list) or not counted:
            return
        args: list[bytes | int] = []
        for _, fields in counted:
            args.append(len(fields))
            for field, bucket in fields:
                args += (field, bucket)
        keys = [redis_key for redis_key, _ in counted]
        self.state.send_script("velocity_refund", _REFUND, len(keys), *keys, *args)

    def _digest(self, text: str) -> bytes:
        return blake2b(
            text.encode(), key=self._key, digest_size=DIGEST_BYTES, person=b"velocity"
        ).digest()
