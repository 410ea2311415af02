"""The velocity counters in Redis, shared by every replica: ``MemoryVelocityStore``'s semantics.

One hash a scope's key, ``ezitxt-okta:v:`` + the scope's letter (``n`` number, ``p`` prefix of
an application, ``a`` application, ``u`` user) + a 12-byte keyed digest of the key (so Redis
holds no phone number, user id or application name), with a TTL of twice its longest window,
refreshed when one of its windows moves to a new bucket. Three fields a window, named by its
length in seconds: ``<s>`` the bucket, ``<s>c`` its count, ``<s>p`` the bucket before's count
(a number's key with both windows: 6 small fields; a new number and user cost Redis ~400 bytes
together, ``python -m loadtests.bench.velocity``).

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
from connector.velocity import Limits, Subject, refusal
from connector.velocity_store import NOT_COUNTED, Admitted

PREFIX = NAMESPACE + b"v:"
_LETTERS = (b"n", b"p", b"a", b"u")  # by scope: number, prefix, application, user
DIGEST_BYTES = 12

# KEYS: one hash a scope. ARGV[1] now (seconds, float); then per key its plan, fixed at start
# (``_plans``): its TTL (ms), its number of windows n, then per window its length (s), its
# limit and its index in Limits.windows, then the 3n field names (bucket, count, previous
# count of each window) for one HMGET and one HSET a key.
# Returns 0 (counted everywhere) or the 1-based index of the first window refused. The TTL is
# set when a key is new or one of its windows moved to a new bucket, not on every call: set at
# the start of the longest window's bucket at the latest, twice that window outlives what the
# bucket and the one after it need.
_ADMIT = Script("""
local now = tonumber(ARGV[1])
local a = 2
local writes = {}
for k = 1, #KEYS do
  local ttl = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  local specs = a + 2
  local fields = specs + 3 * n
  local v = redis.call('HMGET', KEYS[k], unpack(ARGV, fields, fields + 3 * n - 1))
  local set = {}
  local refresh = false
  for j = 0, n - 1 do
    local s = tonumber(ARGV[specs + 3 * j])
    local bucket = math.floor(now / s)
    local held = tonumber(v[3 * j + 1])
    local cur = tonumber(v[3 * j + 2]) or 0
    local prev = tonumber(v[3 * j + 3]) or 0
    if held ~= bucket then
      if held == bucket - 1 then prev = cur else prev = 0 end
      cur = 0
      refresh = true
    end
    if cur + prev * (1 - (now - bucket * s) / s) + 1 > tonumber(ARGV[specs + 3 * j + 1]) then
      return tonumber(ARGV[specs + 3 * j + 2])
    end
    local f = fields + 3 * j
    set[#set + 1] = ARGV[f]; set[#set + 1] = bucket
    set[#set + 1] = ARGV[f + 1]; set[#set + 1] = cur + 1
    set[#set + 1] = ARGV[f + 2]; set[#set + 1] = prev
  end
  writes[k] = set
  if refresh then writes[#KEYS + k] = ttl end
  a = fields + 3 * n
end
for k = 1, #KEYS do
  redis.call('HSET', KEYS[k], unpack(writes[k]))
  if writes[#KEYS + k] then redis.call('PEXPIRE', KEYS[k], writes[#KEYS + k]) end
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
        # Per scope with windows: the scope, its windows' lengths and the script's arguments
        # for it, built once (only the digests and the time change from call to call).
        self._plans: list[tuple[int, tuple[int, ...], tuple[bytes | int, ...]]] = []
        for scope in range(len(_LETTERS)):
            mine = [(i, w) for i, w in enumerate(limits.windows) if w.scope == scope]
            if not mine:
                continue
            ttl_ms = 2 * max(w.seconds for _, w in mine) * 1000
            plan: list[bytes | int] = [ttl_ms, len(mine)]
            for index, window in mine:
                plan += (window.seconds, window.limit, index + 1)
            for _, window in mine:
                stem = str(window.seconds).encode()
                plan += (stem, stem + b"c", stem + b"p")
            self._plans.append((scope, tuple(w.seconds for _, w in mine), tuple(plan)))

    async def admit(self, subject: Subject) -> Admitted | Refusal:
        if not self._plans:
            return NOT_COUNTED
        now = self.clock()
        keys = subject.keys()
        redis_keys: list[bytes] = []
        args: list[bytes | int] = [repr(now).encode()]
        counted: list[tuple[bytes, tuple[int, ...]]] = []
        for scope, lengths, plan in self._plans:
            key = keys[scope]
            if key is None:
                continue
            redis_key = PREFIX + _LETTERS[scope] + self._digest(key)
            redis_keys.append(redis_key)
            args += plan
            counted.append((redis_key, lengths))
        if not redis_keys:
            return NOT_COUNTED
        first = await self.state.script(
            "velocity_admit", _ADMIT, len(redis_keys), *redis_keys, *args
        )
        if int(first):
            return refusal(self.limits.windows[int(first) - 1], subject)
        return Admitted((now, counted))

    def refund(self, admitted: Admitted) -> None:
        token = admitted.token
        if not isinstance(token, tuple):
            return
        now, counted = token
        args: list[bytes | int] = []
        for _, lengths in counted:
            args.append(len(lengths))
            for seconds in lengths:
                args += (str(seconds).encode(), int(now // seconds))
        keys = [redis_key for redis_key, _ in counted]
        self.state.send_script("velocity_refund", _REFUND, len(keys), *keys, *args)

    def _digest(self, text: str) -> bytes:
        return blake2b(
            text.encode(), key=self._key, digest_size=DIGEST_BYTES, person=b"velocity"
        ).digest()
