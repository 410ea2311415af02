"""What an answer costs the server through its real HTTP protocol, without the sockets: the
guarded httptools protocol (``connector.http_guard``) fed wrk's Okta-shaped requests (fresh
eventIds, random NZ and AU numbers, as ``okta_requests.lua``) over 64 in-memory keep-alive
connections, each sending its next request once its answer is written, all in one process on
uvloop. The kernel's share (sockets, wakeups) is left out; everything Python does per answer,
from the parser's callbacks to the answer's last write, is in.

Two measures, for the bare Starlette endpoint and the hook (``loadtests.bench.apps``), or any
``--factory``:

- CPU µs an answer (``time.process_time``), median of ``--rounds``: moves with the machine's
  load, as every CPU time does on a shared VM;
- with ``--valgrind``, user-space instructions an answer counted by callgrind from the end of a
  warm-up (``callgrind_control -i on``): runs of one build agree within ~1% (hash seeds and
  the collector's timing still vary), whatever the neighbours do, so an A/B of a few per cent
  can be read from a run or two. Needs Debian's valgrind (``apt-get install valgrind``).

    .venv/bin/python -m loadtests.bench.served_cost [--rounds 5] [--requests 5000] [--valgrind]
        [--factory module:function ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loadtests.bench.harness import table

FACTORIES = {
    "bare Starlette (fixed JSON)": "loadtests.bench.apps:bare_starlette",
    "hook, instant gateway": "loadtests.bench.apps:hook_instant_gateway",
}
CONNECTIONS = 64
WARM_UP = 1000
LUA = Path(__file__).resolve().parent / "okta_requests.lua"
_CHARS = string.ascii_letters + string.digits
_FORMS = ("+6421%07d", "+6422%07d", "021%07d", "+61412%06d", "+61423%06d")
_AUTHORIZATION = b"Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="


def _template() -> str:
    """The request body of ``okta_requests.lua``, so both benchmarks send the same bytes."""
    lua = LUA.read_text()
    start = lua.index("local template = ") + len("local template = ")
    end = lua.index("local forms")
    return "".join(re.findall(r"'([^']*)'", lua[start:end]))


def requests(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    template = _template()
    made = []
    for _ in range(count):
        otp = rng.randint(0, 999999)
        number = rng.choice(_FORMS) % rng.randint(0, 999999)
        event_id = "".join(rng.choices(_CHARS, k=22))
        body = (template % (event_id, otp, number, otp)).encode()
        head = (
            b"POST /okta/telephony HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
            b"Content-Type: application/json\r\nAuthorization: " + _AUTHORIZATION + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        made.append(head + body)
    return made


class _Transport:
    """What the protocol writes to, in memory: each write goes to its connection."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection
        self._closing = False

    def write(self, data: bytes) -> None:
        self._connection.wrote(data)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


class _Connection:
    def __init__(self, run: _Run, protocol: asyncio.Protocol) -> None:
        self._run = run
        self._protocol = protocol
        self._pending = b""
        protocol.connection_made(_Transport(self))  # type: ignore[arg-type]

    def wrote(self, data: bytes) -> None:
        self._pending += data
        head, end, body = self._pending.partition(b"\r\n\r\n")
        if not end:
            return
        length = re.search(rb"content-length: (\d+)", head)
        assert length is not None, head
        if len(body) < int(length.group(1)):
            return
        if not head.startswith(b"HTTP/1.1 200 "):
            self._run.bad += 1
        self._pending = b""
        self._run.answered(self)

    def send(self, request: bytes) -> None:
        self._protocol.data_received(request)


class _Run:
    """``requests`` over ``CONNECTIONS`` keep-alive connections, each sending its next request
    once its answer is complete (as wrk does)."""

    def __init__(self, protocol: Callable[[], asyncio.Protocol], work: list[bytes]) -> None:
        self.loop = asyncio.get_running_loop()
        self.done = self.loop.create_future()
        self.bad = 0
        self._left = len(work)
        self._work = iter(work)
        for connection in [_Connection(self, protocol()) for _ in range(CONNECTIONS)]:
            first = next(self._work, None)
            if first is not None:
                self.loop.call_soon(connection.send, first)

    def answered(self, connection: _Connection) -> None:
        self._left -= 1
        if self._left == 0:
            self.done.set_result(None)
            return
        following = next(self._work, None)
        if following is not None:
            self.loop.call_soon(connection.send, following)

    async def finish(self) -> None:
        await self.done
        if self.bad:
            raise SystemExit(f"{self.bad} answers were not 200")


async def _serve(factory: str, runs: list[list[bytes]], between: Callable[[], None]) -> list[float]:
    """Start ``factory`` as uvicorn would (its lifespan included), answer each run's requests,
    and give each run's CPU µs an answer; ``between`` is called after the warm-up."""
    from uvicorn.config import Config
    from uvicorn.lifespan.on import LifespanOn
    from uvicorn.server import ServerState

    from connector.http_guard import GuardedHttpToolsProtocol

    config = Config(
        factory, factory=True, http=GuardedHttpToolsProtocol, ws="none", lifespan="on",
        log_level="warning", access_log=False,
    )  # fmt: skip
    config.load()
    lifespan = LifespanOn(config)
    await lifespan.startup()
    state = ServerState()
    loop = asyncio.get_running_loop()

    def protocol() -> asyncio.Protocol:
        made: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
            config=config, server_state=state, app_state=lifespan.state, _loop=loop
        )
        return made

    await _Run(protocol, requests(WARM_UP, seed=1)).finish()
    between()
    spent = []
    for work in runs:
        started = time.process_time()
        await _Run(protocol, work).finish()
        spent.append((time.process_time() - started) / len(work) * 1e6)
    await lifespan.shutdown()
    return spent


def _quiet_stdout() -> None:
    # The hook's log lines go to file descriptor 1, as in production: to /dev/null here.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def cpu_us(factory: str, rounds: int, count: int) -> list[float]:
    import uvloop

    runs = [requests(count, seed=10 + n) for n in range(rounds)]
    return uvloop.run(_serve(factory, runs, lambda: None))


def instructions(factory: str, count: int) -> float:
    """Instructions an answer after the warm-up, from a child process under callgrind."""
    valgrind, control = shutil.which("valgrind"), shutil.which("callgrind_control")
    if not valgrind or not control:
        raise SystemExit("--valgrind needs Debian's valgrind: apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="served-cost-") as folder:
        ready, go = Path(folder, "ready"), Path(folder, "go")
        command = [
            valgrind, "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={folder}/callgrind.out", sys.executable, "-m",
            "loadtests.bench.served_cost",
            "--child", factory, "--requests", str(count), "--signal-dir", folder,
        ]  # fmt: skip
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while not ready.exists():
            if child.poll() is not None:
                raise SystemExit(child.stderr.read().decode() if child.stderr else "failed")
            time.sleep(0.2)
        subprocess.run([control, "-i", "on", str(child.pid)], check=True, capture_output=True)
        go.touch()
        _, stderr = child.communicate(timeout=600)
    collected = re.search(rb"Collected : (\d+)", stderr)
    if child.returncode != 0 or collected is None:
        raise SystemExit(stderr.decode())
    return int(collected.group(1)) / count


def _child(factory: str, count: int, signal_dir: str) -> None:
    """Under callgrind: warm up, say so, wait for the counting to start, answer ``count``."""
    import uvloop

    def between() -> None:
        Path(signal_dir, "ready").touch()
        while not Path(signal_dir, "go").exists():
            time.sleep(0.05)

    work = requests(count, seed=10)
    _quiet_stdout()
    uvloop.run(_serve(factory, [work], between))
    os._exit(0)  # the count stops here: no shutdown, no interpreter teardown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs per factory (CPU time)")
    parser.add_argument("--requests", type=int, default=5000, help="requests per run")
    parser.add_argument("--valgrind", action="store_true", help="count instructions instead")
    parser.add_argument("--factory", action="append", help="module:function, instead of both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--signal-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.requests, args.signal_dir)
        return 0
    factories = {f: f for f in args.factory} if args.factory else FACTORIES
    rows = []
    if args.valgrind:
        counts = {name: instructions(f, args.requests) for name, f in factories.items()}
        first = next(iter(counts.values()))
        for name, count in counts.items():
            rows.append([name, f"{count:,.0f}", f"{first / count:.1%}"])
        print(table(["app", "instructions an answer", "first / this"], rows))
        return 0
    for name, factory in factories.items():
        _quiet = os.dup(1)
        _quiet_stdout()
        try:
            spent = cpu_us(factory, args.rounds, args.requests)
        finally:
            os.dup2(_quiet, 1)
        rows.append([name, f"{statistics.median(spent):.1f}", f"{min(spent):.1f}"])
    print(table(["app", "CPU µs an answer (median)", "min"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
