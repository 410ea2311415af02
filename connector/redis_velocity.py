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
atomically across replicas. The limits are written into the script's source (``admit_script``,
one script a set of limits, so replicas with other limits run their own): a call sends the keys
and the time alone, and writes only the count fields unless a window moved to a new bucket.
A/B against 012ec24's script (the plan in ``ARGV``, ~57 arguments, every field written a call),
``python -m loadtests.bench.velocity`` under ``flock /work/.heavy.lock``, 20,000 admits, two
alternated runs each, 14:50-14:53 UTC, load 4.1 -> 3.3 on 2 shared cores: Redis CPU 97.8 / 112.7
-> 65.8 / 65.9 µs a call, client CPU 81.9 / 86.3 -> 57.8 / 55.8 µs. What is left is mostly Lua's
own per-call cost and ``SharedState``'s client path (the README's Benchmarks).

``refund`` is a second script, queued and not waited for (a send
that failed is rare). The buckets follow the replica's wall clock (``time.time()``, sent with
the call): replicas agree on a bucket to within their clock skew, which only moves a bucket's
edge by as much. A Redis in trouble raises ``StateUnavailable`` (counted and logged by
``SharedState``); the hook then sends without the limits (fails open, DESIGN.md decision 6).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from hashlib import blake2b
from typing import cast

from connector.refusals import Refusal
from connector.state import NAMESPACE, Script, SharedState
from connector.velocity import USER, Limits, Subject, refusal
from connector.velocity_store import NOT_COUNTED, Admitted

PREFIX = NAMESPACE + b"v:"
_LETTERS = (b"n", b"p", b"a", b"u")  # by scope: number, prefix, application, user
DIGEST_BYTES = 12


def admit_script(windows: list[tuple[int, list[tuple[int, int, int]]]]) -> Script:
    """The admit script for one set of limits, the limits written into its source (``ARGV``
    is the time alone: no plan to pack, send and parse a call). ``windows``: per key (in
    ``KEYS`` order) its TTL (ms) and its windows (length s, limit, 1-based index in
    ``Limits.windows``). Returns 0 (counted everywhere) or the index of the first window
    refused. Per key one ``HMGET`` and one ``HSET`` of the count fields alone (a bucket's and
    the previous count's fields, and the TTL, only when a window moves to a new bucket: set at
    the start of the longest window's bucket at the latest, twice that window outlives what the
    bucket and the one after it need).

    A/B against the script of 012ec24: in the module's docstring."""
    lines = ["local now = tonumber(ARGV[1])", "local w = {}"]
    for k, (ttl_ms, mine) in enumerate(windows, start=1):
        fields: list[str] = []
        for seconds, _, _ in mine:
            fields += (f"'{seconds}'", f"'{seconds}c'", f"'{seconds}p'")
        lines.append(f"do local v = redis.call('HMGET', KEYS[{k}], {', '.join(fields)})")
        lines.append("local set, fresh = {}, false")
        for j, (seconds, limit, index) in enumerate(mine):
            lines += [
                f"local b = math.floor(now / {seconds})",
                f"local held, cur, prev = tonumber(v[{3 * j + 1}]), tonumber(v[{3 * j + 2}]) or 0,"
                f" tonumber(v[{3 * j + 3}]) or 0",
                "if held ~= b then",
                "  if held == b - 1 then prev = cur else prev = 0 end",
                f"  cur = 0; fresh = true; set[#set + 1] = '{seconds}'; set[#set + 1] = b",
                f"  set[#set + 1] = '{seconds}p'; set[#set + 1] = prev",
                "end",
                f"if cur + prev * (1 - (now - b * {seconds}) / {seconds}) + 1 > {limit} then"
                f" return {index} end",
                f"set[#set + 1] = '{seconds}c'; set[#set + 1] = cur + 1",
            ]
        lines.append(f"w[{k}] = set; if fresh then w[{len(windows) + k}] = {ttl_ms} end end")
    lines.append(f"for k = 1, {len(windows)} do")
    lines.append("  redis.call('HSET', KEYS[k], unpack(w[k]))")
    lines.append(
        f"  if w[{len(windows)} + k] then redis.call('PEXPIRE', KEYS[k], w[{len(windows)} + k]) end"
    )
    lines.append("end")
    lines.append("return 0")
    # Each key's block is a do ... end of its own: Lua's locals are per block (at most 200).
    return Script("\n".join(lines))


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
        # Per scope with windows: the scope, its windows' lengths, its TTL and its windows
        # for the script; one script a set of scopes a call can have (the user's is absent
        # when Okta sends no user id), built once.
        self._plans: list[tuple[int, tuple[int, ...], int, list[tuple[int, int, int]]]] = []
        for scope in range(len(_LETTERS)):
            mine = [(i, w) for i, w in enumerate(limits.windows) if w.scope == scope]
            if not mine:
                continue
            ttl_ms = 2 * max(w.seconds for _, w in mine) * 1000
            spec = [(w.seconds, w.limit, i + 1) for i, w in mine]
            self._plans.append((scope, tuple(w.seconds for _, w in mine), ttl_ms, spec))
        self._scripts: dict[tuple[int, ...], Script] = {}
        for present in ([p[0] for p in self._plans], [p[0] for p in self._plans if p[0] != USER]):
            self._scripts[tuple(present)] = admit_script(
                [(ttl, spec) for scope, _, ttl, spec in self._plans if scope in present]
            )

    async def admit(self, subject: Subject) -> Admitted | Refusal:
        if not self._plans:
            return NOT_COUNTED
        now = self.clock()
        keys = subject.keys()
        redis_keys: list[bytes] = []
        present: list[int] = []
        counted: list[tuple[bytes, tuple[int, ...]]] = []
        for scope, lengths, _, _ in self._plans:
            key = keys[scope]
            if key is None:
                continue
            redis_key = PREFIX + _LETTERS[scope] + self._digest(key)
            redis_keys.append(redis_key)
            present.append(scope)
            counted.append((redis_key, lengths))
        if not redis_keys:
            return NOT_COUNTED
        script = self._scripts[tuple(present)]
        first = await self.state.script(
            "velocity_admit", script, len(redis_keys), *redis_keys, repr(now).encode()
        )
        if int(first):
            return refusal(self.limits.windows[int(first) - 1], subject)
        return Admitted((now, counted))

    def refund(self, admitted: Admitted) -> None:
        if len(admitted) != 2:
            return
        now, counted = cast(tuple[float, list[tuple[bytes, tuple[int, ...]]]], admitted)
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
