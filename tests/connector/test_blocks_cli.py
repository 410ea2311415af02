"""``ezitxt-okta blocks``: list and lift blocks in the replicas' Redis; without Redis, what to
do instead."""

from __future__ import annotations

import time

import pytest
from redis import Redis

from connector import cli
from connector.redis_conversion import block_key, strike_key, window_key
from tests.redis_server import RedisServer


def test_without_redis_it_says_what_works_with_the_memory_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EZITXT_HOOK_REDIS_URL", raising=False)
    assert cli.main(["blocks", "list"]) == 2
    assert "CONVERSION_ALLOW_PREFIXES" in capsys.readouterr().err


def test_list_and_lift(redis: RedisServer, capsys: pytest.CaptureFixture[str]) -> None:
    if redis.process is None or redis.process.poll() is not None:
        redis.start()
    assert redis.command("FLUSHALL") == "+OK"
    until = int((time.time() + 600) * 1000)
    client = Redis.from_url(redis.url)
    try:
        client.set(block_key("+6422555", "org-one"), f"{until}|2|25|0", px=600_000)
        client.set(strike_key("+6422555", "org-one"), 2, px=600_000)
        client.hset(window_key("+6422555", "org-one"), "since", until - 600_000)
        assert cli.main(["blocks", "--redis-url", redis.url, "list"]) == 0
        listed = capsys.readouterr().out
        assert "+6422555\tapplication=org-one\tlevel=2\tleft=" in listed
        assert cli.main(["blocks", "--redis-url", redis.url, "lift", "6422555"]) == 2
        assert cli.main(["blocks", "--redis-url", redis.url, "lift", "+6422555"]) == 0
        assert "lifted 1 block(s) of +6422555" in capsys.readouterr().out
        assert (
            client.exists(block_key("+6422555", "org-one"), strike_key("+6422555", "org-one")) == 0
        )
        assert not client.exists(window_key("+6422555", "org-one"))
        assert cli.main(["blocks", "--redis-url", redis.url, "list"]) == 0
        assert "no prefix is blocked" in capsys.readouterr().out
    finally:
        client.close()
