"""Conversion feedback's state in Redis, shared by every replica: ``MemoryConversionStore``'s
semantics, each operation one Lua script (one round trip, atomic), every key with a TTL.

Keys (``ezitxt-okta:conv:`` and)::

    user:<digest of the Okta user id>   list, newest first, of the user's last sends:
                                        "<ms>|<bucket>|<family>|<prefix>|<application>",
                                        "v|..." once verified; TTL the window
    evt:<digest of the event uuid>      an event counted (SET NX): TTL the window
    win:<prefix>:<application>          hash: s<bucket> sends, v<bucket> verified, since (ms);
                                        TTL the window and a bucket
    alive:<application>                 the application's feedback channel was heard: TTL the window
    block:<prefix>:<application>        "<until ms>|<level>|<sent>|<verified>": TTL the block
    strike:<prefix>:<application>       blocks in a row: TTL the block and the longest block

User ids and event uuids are keyed digests (the state secret's): reading Redis does not list who
signed in. Prefixes and application names are kept as they are, so that ``ezitxt-okta blocks``
can list and lift blocks; a prefix is not a number. The scripts touch keys they build from
values (a window and an alive key found in a user's send): fine on one Redis, as this project
runs it (the replay store alike), not on Redis Cluster.
"""

from __future__ import annotations

import time
from hashlib import blake2b
from typing import Any

from connector.conversion import (
    DUPLICATE,
    MATCH_AFTER_S,
    MATCH_BEFORE_S,
    SENDS_PER_USER,
    UNMATCHED,
    VERIFIED,
    BlockStarted,
    ConversionRules,
    Counts,
    PrefixBlock,
    PrefixWindow,
    SentCode,
    Verification,
)
from connector.conversion_store import Matched
from connector.state import NAMESPACE, Script, SharedState

PREFIX = NAMESPACE + b"conv:"

# KEYS: user, window, alive, block. ARGV: entry, bucket, first bucket kept, user TTL ms,
# window TTL ms, sends kept per user, now ms. Returns {window fields and values, alive,
# blocked}. A block is judged by its own end (the caller's clock), its TTL only tidies.
_RECORD = Script("""
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[6]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('HINCRBY', KEYS[2], 's' .. ARGV[2], 1)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local all = redis.call('HGETALL', KEYS[2])
local first = tonumber(ARGV[3])
local kept = {}
for i = 1, #all, 2 do
  local f = all[i]
  if f ~= 'since' and tonumber(string.sub(f, 2)) < first then
    redis.call('HDEL', KEYS[2], f)
  else
    kept[#kept + 1] = f
    kept[#kept + 1] = all[i + 1]
  end
end
local blocked = 0
local block = redis.call('GET', KEYS[4])
if block and tonumber(string.match(block, '^(%d+)')) > tonumber(ARGV[7]) then blocked = 1 end
return {kept, redis.call('EXISTS', KEYS[3]), blocked}
""")

# KEYS: event, user. ARGV: now ms, event ms, family, application ('' = any), match before ms,
# match after ms, window ms, namespace. Returns {outcome, application, prefix}.
_VERIFY = Script("""
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[7]) then return {'duplicate'} end
local ns = ARGV[8]
if ARGV[4] ~= '' then redis.call('SET', ns .. 'alive:' .. ARGV[4], '1', 'PX', ARGV[7]) end
local now, at = tonumber(ARGV[1]), tonumber(ARGV[2])
local oldest = now - tonumber(ARGV[7])
local sends = redis.call('LRANGE', KEYS[2], 0, -1)
for i, entry in ipairs(sends) do
  local ms, bucket, family, prefix, app =
    string.match(entry, '^v?|?(%d+)|(%d+)|(%a+)|([^|]+)|(.*)$')
  ms = tonumber(ms)
  if ms == nil then break end
  if ms < oldest then break end
  if string.sub(entry, 1, 2) ~= 'v|' and family == ARGV[3]
      and (ARGV[4] == '' or app == ARGV[4])
      and ms >= at - tonumber(ARGV[5]) and ms <= at + tonumber(ARGV[6]) then
    redis.call('LSET', KEYS[2], i - 1, 'v|' .. entry)
    local window = ns .. 'win:' .. prefix .. ':' .. app
    if redis.call('EXISTS', window) == 1 then
      redis.call('HINCRBY', window, 'v' .. bucket, 1)
    end
    redis.call('SET', ns .. 'alive:' .. app, '1', 'PX', ARGV[7])
    return {'verified', app, prefix}
  end
end
return {'unmatched'}
""")

# KEYS: block, strike, window. ARGV: now ms, first block ms, longest block ms, sent, verified.
# Returns {level, duration ms}, or nil when a block is already in place.
_START_BLOCK = Script("""
local now = tonumber(ARGV[1])
local block = redis.call('GET', KEYS[1])
if block and tonumber(string.match(block, '^(%d+)')) > now then return false end
local level = redis.call('INCR', KEYS[2])
local duration = math.min(tonumber(ARGV[2]) * 2 ^ math.min(level - 1, 32), tonumber(ARGV[3]))
duration = math.floor(duration)
local value = string.format('%d|%d|%s|%s', now + duration, level, ARGV[4], ARGV[5])
redis.call('SET', KEYS[1], value, 'PX', duration)
redis.call('PEXPIRE', KEYS[2], duration + tonumber(ARGV[3]))
redis.call('HSET', KEYS[3], 'since', ARGV[1])
return {level, duration}
""")


def window_key(prefix: str, application: str) -> bytes:
    return PREFIX + f"win:{prefix}:{application}".encode()


def block_key(prefix: str, application: str) -> bytes:
    return PREFIX + f"block:{prefix}:{application}".encode()


def strike_key(prefix: str, application: str) -> bytes:
    return PREFIX + f"strike:{prefix}:{application}".encode()


def alive_key(application: str) -> bytes:
    return PREFIX + f"alive:{application}".encode()


def read_block(prefix: str, value: bytes | str) -> PrefixBlock | None:
    text = value.decode() if isinstance(value, bytes) else value
    until, _, rest = text.partition("|")
    level = rest.partition("|")[0]
    if not until.isdigit() or not level.isdigit():
        return None
    return PrefixBlock(prefix, int(until) / 1000, int(level))


class RedisConversionStore:
    """Through ``state`` (``StateUnavailable`` when Redis is in trouble: the caller fails open)."""

    def __init__(self, state: SharedState, secret: str) -> None:
        self.state = state
        self._key = blake2b(secret.encode(), digest_size=32, person=b"conversion").digest()

    def _digest(self, person: bytes, value: str) -> bytes:
        return blake2b(value.encode(), key=self._key, digest_size=16, person=person).digest()

    def _user_key(self, user_id: str) -> bytes:
        return PREFIX + b"user:" + self._digest(b"user", user_id)

    async def record_send(self, send: SentCode, rules: ConversionRules) -> PrefixWindow:
        bucket = rules.bucket(send.at)
        entry = f"{_ms(send.at)}|{bucket}|{send.family}|{send.prefix}|{send.application}"
        window_ms = _ms(rules.window_s)
        reply = await self.state.script(
            "conversion_record",
            _RECORD,
            4,
            self._user_key(send.user_id),
            window_key(send.prefix, send.application),
            alive_key(send.application),
            block_key(send.prefix, send.application),
            entry.encode(),
            bucket,
            rules.bucket(send.at - rules.window_s),
            window_ms,
            window_ms + _ms(rules.bucket_s),
            SENDS_PER_USER,
            _ms(send.at),
        )
        fields, alive, blocked = reply
        return _window(fields, bool(alive), bool(blocked))

    async def start_block(
        self, application: str, prefix: str, now: float, rules: ConversionRules, counts: Counts
    ) -> BlockStarted | None:
        reply = await self.state.script(
            "conversion_block",
            _START_BLOCK,
            3,
            block_key(prefix, application),
            strike_key(prefix, application),
            window_key(prefix, application),
            _ms(now),
            _ms(rules.block_s),
            _ms(rules.max_block_s),
            counts.sent,
            counts.verified,
        )
        if reply is None:
            return None
        level, duration_ms = reply
        return BlockStarted(application, prefix, int(level), int(duration_ms) / 1000, counts)

    async def verify(
        self, event: Verification, *, application: str | None, now: float, rules: ConversionRules
    ) -> Matched:
        reply = await self.state.script(
            "conversion_verify",
            _VERIFY,
            2,
            PREFIX + b"evt:" + self._digest(b"event", event.uuid),
            self._user_key(event.user_id),
            _ms(now),
            _ms(event.at),
            event.family.encode(),
            (application or "").encode(),
            _ms(MATCH_BEFORE_S),
            _ms(MATCH_AFTER_S),
            _ms(rules.window_s),
            PREFIX,
        )
        outcome = _text(reply[0])
        if outcome == VERIFIED:
            return Matched(VERIFIED, _text(reply[1]), _text(reply[2]))
        return Matched(DUPLICATE if outcome == DUPLICATE else UNMATCHED)

    async def heard(self, application: str, now: float, rules: ConversionRules) -> None:
        await self.state.command(
            "conversion_heard", "SET", alive_key(application), b"1", "PX", _ms(rules.window_s)
        )

    async def block(self, application: str, prefix: str, now: float) -> PrefixBlock | None:
        key = block_key(prefix, application)
        value = await self.state.command("conversion_block_read", "GET", key)
        if value is None:
            return None
        found = read_block(prefix, value)
        return found if found is not None and found.until > now else None


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _window(fields: list[Any], alive: bool, blocked: bool) -> PrefixWindow:
    sent: dict[int, int] = {}
    verified: dict[int, int] = {}
    since = 0.0
    for name, value in zip(fields[::2], fields[1::2], strict=True):
        field, count = _text(name), int(value)
        if field == "since":
            since = count / 1000
        elif field[:1] == "s":
            sent[int(field[1:])] = count
        elif field[:1] == "v":
            verified[int(field[1:])] = count
    return PrefixWindow(sent, verified, since, alive, blocked)


# The admin's view (``ezitxt-okta blocks``), with a synchronous client: list and lift.


def _escape(text: str) -> str:
    """``text`` as a literal in a SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def list_blocks(client: Any, now: float | None = None) -> list[tuple[str, PrefixBlock, int]]:
    """Every block in place: (application, block, seconds left)."""
    now = time.time() if now is None else now
    found = []
    head = PREFIX + b"block:"
    for key in client.scan_iter(match=head + b"*", count=1000):
        name = bytes(key)[len(head) :].decode()
        prefix, _, application = name.partition(":")
        value = client.get(key)
        block = read_block(prefix, value) if value is not None else None
        if block is not None and block.until > now:
            found.append((application, block, int(block.until - now)))
    return sorted(found, key=lambda item: (item[1].prefix, item[0]))


def lift_block(client: Any, prefix: str, application: str | None = None) -> int:
    """Lifts the prefix's blocks (one application's, or every one), forgets its strikes and
    starts its count afresh; how many blocks were in place."""
    app = _escape(application) if application is not None else "*"
    lifted = 0
    for kind in (b"block:", b"strike:", b"win:"):
        pattern = PREFIX + kind + f"{_escape(prefix)}:{app}".encode()
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            removed = client.delete(*keys)
            if kind == b"block:":
                lifted = int(removed)
    return lifted
