"""Fixtures of the connector's tests: a real Redis for the shared state, and the replay
stores (memory, Redis) that the same semantic tests run against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connector.stores import Stores
from tests.redis_server import RedisServer, redis_server


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(params=["memory", "redis"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores(None)
        return
    server: RedisServer = request.getfixturevalue("redis")
    if server.process is None or server.process.poll() is not None:
        server.start()  # a test stopped it
    assert server.command("FLUSHALL") == "+OK"
    yield Stores(server.url)
