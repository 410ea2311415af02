"""connector.turn_writes: a turn's answers leave together at its end, in order, and none is
lost to a close or written to a connection that is gone."""

from __future__ import annotations

import asyncio
from typing import Any

from connector.turn_writes import TurnTransport, turn_writes


class RecordingTransport:
    def __init__(self, log: list[tuple[str, bytes]], name: str) -> None:
        self.log = log
        self.name = name
        self.closing = False

    def write(self, data: bytes) -> None:
        assert not self.closing, "written after close"
        self.log.append((self.name, data))

    def close(self) -> None:
        self.closing = True
        self.log.append((self.name, b"<close>"))

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


def _pair(log: list[tuple[str, bytes]]) -> tuple[Any, Any, Any, Any]:
    loop = asyncio.get_running_loop()
    a_raw, b_raw = RecordingTransport(log, "a"), RecordingTransport(log, "b")
    writes = turn_writes(loop)
    return a_raw, b_raw, TurnTransport(a_raw, writes), TurnTransport(b_raw, writes)  # type: ignore[arg-type]


def test_writes_wait_for_the_end_of_the_turn_and_keep_their_order() -> None:
    async def main() -> list[tuple[str, bytes]]:
        log: list[tuple[str, bytes]] = []
        _, _, a, b = _pair(log)
        a.write(b"1")
        b.write(b"2")
        a.write(b"3")
        assert log == []  # nothing yet: the turn is not over
        await asyncio.sleep(0)
        return log

    assert asyncio.run(main()) == [("a", b"1"), ("b", b"2"), ("a", b"3")]


def test_a_close_writes_what_is_queued_first() -> None:
    async def main() -> list[tuple[str, bytes]]:
        log: list[tuple[str, bytes]] = []
        _, _, a, b = _pair(log)
        b.write(b"answer b")
        a.write(b"answer a")
        a.close()
        await asyncio.sleep(0)
        return log

    assert asyncio.run(main()) == [("b", b"answer b"), ("a", b"answer a"), ("a", b"<close>")]


def test_a_connection_gone_before_the_end_of_the_turn_is_not_written() -> None:
    async def main() -> list[tuple[str, bytes]]:
        log: list[tuple[str, bytes]] = []
        a_raw, _, a, b = _pair(log)
        a.write(b"lost")
        b.write(b"kept")
        a_raw.closing = True  # the client went away
        await asyncio.sleep(0)
        return log

    assert asyncio.run(main()) == [("b", b"kept")]


def test_everything_else_is_the_transport_s_own() -> None:
    async def main() -> Any:
        log: list[tuple[str, bytes]] = []
        _, _, a, _ = _pair(log)
        return a.get_extra_info("peername"), a.is_closing()

    assert asyncio.run(main()) == (("127.0.0.1", 1), False)


def test_each_loop_has_its_own_queue() -> None:
    async def queue() -> Any:
        return turn_writes(asyncio.get_running_loop())

    first, second = asyncio.run(queue()), asyncio.run(queue())
    assert first is not second
