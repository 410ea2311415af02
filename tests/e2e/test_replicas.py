"""Two ``ezitxt-okta serve`` replicas sharing one real Redis, behind a real HAProxy running the
sample configuration (connector/deploy/haproxy.cfg), in front of mock EZITXT.

Okta's calls are sent straight to the balancer (as Okta would, many at once); SMS are counted in
mock EZITXT's Mobile Report (each sign-in has its own OTP, so a doubled SMS is a text seen twice).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from mocks.common.ports import free_port
from mocks.stack.processes import ServerProcess
from mocks.stack.wiring import generate_password
from tests.connector import payloads
from tests.contract import command_value, okta_answer
from tests.e2e.conftest import Chain
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

HOST = "127.0.0.1"
CONFIG = Path(__file__).parents[2] / "connector" / "deploy" / "haproxy.cfg"
OKTA_TIMEOUT_S = 3.0
SECRET = secrets.token_urlsafe(32)
APPLICATION = "replicas-e2e"


def haproxy_binary() -> str:
    for candidate in ("/usr/sbin/haproxy", "/usr/bin/haproxy"):
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("haproxy is not installed: `make test` installs it")


@dataclass
class Replicas:
    chain: Chain
    redis: RedisServer
    servers: list[ServerProcess]
    ports: list[int]
    balancer: subprocess.Popen[bytes]
    url: str
    authorization: str
    workdir: Path
    counted: Counter[str] = field(default_factory=Counter)

    def replica(self, n: int) -> ServerProcess:
        return ServerProcess(
            f"replica {n + 1}",
            ["serve", "--host", HOST, "--port", str(self.ports[n])],
            ready_url=f"http://{HOST}:{self.ports[n]}/healthz",
            log_file=self.workdir / f"replica-{n + 1}.log",
            env={
                "EZITXT_HOOK_GATEWAY_URL": self.chain.stack.urls.ezitxt,
                "EZITXT_HOOK_REDIS_URL": self.redis.url,
                "EZITXT_HOOK_STATE_SECRET": SECRET,
                # The default (250 ms) is for a Redis next to the replicas; this machine is
                # shared by several test runs, and a loaded Redis must not look down.
                "EZITXT_HOOK_REDIS_TIMEOUT_MS": "1000",
                # One org sending a thousand sign-ins in well under a minute: a load test's
                # rate, over production's 1,200 an application a minute. The other limits
                # stay production's (each sign-in is its own person: ``sign_in``).
                "EZITXT_HOOK_LIMIT_APPLICATION_MINUTE": "100000",
            },
        )

    def restart(self, n: int) -> None:
        self.servers[n].stop()
        self.servers[n] = self.replica(n)
        self.servers[n].start()
        self.servers[n].wait_ready()

    def texts(self) -> Counter[str]:
        """Every SMS of this test's application in the Mobile Report, by text."""
        texts: Counter[str] = Counter()
        page = 1
        while True:
            found = self.chain.ezitxt.call(
                "report", "GET", "/api/reports/mobile",
                params={"application": APPLICATION, "include_content": "true",
                        "pageSize": 500, "page": page},
            )  # fmt: skip
            texts.update(item["content"] for item in found["items"])
            if page * 500 >= found["total"]:
                return texts
            page += 1

    def logs(self) -> str:
        return "".join(s.log_file.read_text(errors="replace") for s in self.servers)


@pytest.fixture(scope="module")
def replicas(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    workdir = tmp_path_factory.mktemp("replicas")
    chain.ezitxt.call(
        "create application", "POST", "/api/applications", json={"name": APPLICATION},
        ok=(201, 409),
    )  # fmt: skip
    secret = generate_password(chain.ezitxt, APPLICATION)["authenticationSecret"]
    redis = RedisServer(workdir)
    redis.start()
    lb_port = free_port()
    setup = Replicas(
        chain, redis, [], [free_port(), free_port()], None,  # type: ignore[arg-type]
        f"http://{HOST}:{lb_port}/okta/telephony", secret, workdir,
    )  # fmt: skip
    env = {
        **os.environ,
        "EZITXT_LB_BIND": f"{HOST}:{lb_port}",
        "EZITXT_LB_REPLICA_1": f"{HOST}:{setup.ports[0]}",
        "EZITXT_LB_REPLICA_2": f"{HOST}:{setup.ports[1]}",
    }
    try:
        for n in range(2):
            setup.servers.append(setup.replica(n))
            setup.servers[n].start()
        for server in setup.servers:
            server.wait_ready()
        with (workdir / "haproxy.log").open("ab") as log:
            setup.balancer = subprocess.Popen(
                [haproxy_binary(), "-db", "-f", str(CONFIG)],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        wait_answering(f"http://{HOST}:{lb_port}/readyz", setup.balancer)
        yield setup
    finally:
        if setup.balancer is not None:
            setup.balancer.terminate()
            try:
                setup.balancer.wait(5)
            except subprocess.TimeoutExpired:
                setup.balancer.kill()
                setup.balancer.wait(5)
        for server in setup.servers:
            server.stop()
        redis.stop()


def wait_answering(url: str, process: subprocess.Popen[bytes], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "haproxy exited at start"
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the balancer never answered /readyz")


@dataclass(frozen=True)
class Call:
    status: int
    body: bytes
    elapsed_s: float


def sign_in(event_id: str | None = None) -> tuple[bytes, str]:
    """An Okta call with an OTP of its own (so its SMS text is its own), from a person of its
    own: hundreds of sign-ins are many people's numbers and user ids, spread over prefixes, as
    the connector's production velocity limits expect (5 a number, 10 a user in 15 minutes)."""
    otp = f"{secrets.randbelow(10**8):08d}"
    phone = f"+642{secrets.choice('127')}{1_000_000 + secrets.randbelow(9_000_000)}"
    document = payloads.request(
        otpCode=otp, msgTemplate=f"Your verification code is {otp}", phoneNumber=phone
    )
    document["data"]["userProfile"]["userId"] = f"00u{secrets.token_hex(8)}"
    if event_id:
        document["eventId"] = event_id
    return json.dumps(document).encode(), document["data"]["messageProfile"]["msgTemplate"]


async def send_all(
    replicas: Replicas, bodies: list[bytes], *, in_flight: int, after: Any = None
) -> list[Call]:
    """Every body POSTed through the balancer, ``in_flight`` at a time; ``after(n)`` is called
    as the n-th answer arrives (to break something mid-run)."""
    limit = asyncio.Semaphore(in_flight)
    done = 0
    headers = {"Authorization": replicas.authorization, "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=10)

    async def one(session: aiohttp.ClientSession, body: bytes) -> Call:
        nonlocal done
        async with limit:
            started = time.monotonic()
            try:
                async with session.post(replicas.url, data=body, headers=headers) as response:
                    content = await response.read()
                    answer = Call(response.status, content, time.monotonic() - started)
            except aiohttp.ClientError as exc:  # what Okta would see as "no answer"
                answer = Call(0, type(exc).__name__.encode(), time.monotonic() - started)
            done += 1
            if after is not None:
                await after(done)
            return answer

    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        return list(await asyncio.gather(*(one(session, body) for body in bodies)))


def assert_okta_valid_in_budget(calls: list[Call]) -> None:
    slow = [c.elapsed_s for c in calls if c.elapsed_s >= OKTA_TIMEOUT_S]
    assert not slow, f"{len(slow)} answers later than Okta's 3 s"
    broken = Counter(c.body.decode() for c in calls if c.status == 0)
    assert not broken, f"connections broken without an answer: {broken}"
    for answer in calls:
        okta_answer(answer.body)  # schema-valid, whatever the status


def statuses(calls: list[Call]) -> Counter[str]:
    return Counter(
        str(command_value(okta_answer(c.body))["status"]) if c.status == 200 else str(c.status)
        for c in calls
    )


def test_one_event_fifty_times_at_once_sends_one_sms(replicas: Replicas) -> None:
    body, text = sign_in()
    calls = asyncio.run(send_all(replicas, [body] * 50, in_flight=50))
    assert_okta_valid_in_budget(calls)
    assert {c.status for c in calls} == {200}
    assert len({c.body for c in calls}) == 1  # 50 identical answers
    assert statuses(calls) == {"SUCCESSFUL": 50}
    assert replicas.texts()[text] == 1


def test_five_hundred_sign_ins_send_five_hundred_sms_none_doubled(replicas: Replicas) -> None:
    signins = [sign_in() for _ in range(500)]
    before = replicas.texts()
    calls = asyncio.run(send_all(replicas, [b for b, _ in signins], in_flight=50))
    assert_okta_valid_in_budget(calls)
    assert statuses(calls) == {"SUCCESSFUL": 500}
    sent = replicas.texts() - before
    assert sum(sent.values()) == 500 and set(sent.values()) == {1}
    assert set(sent) == {t for _, t in signins}


def test_a_replica_killed_mid_run_leaves_every_answer_valid_and_nothing_doubled(
    replicas: Replicas,
) -> None:
    signins = [sign_in() for _ in range(300)]
    before = replicas.texts()
    victim = replicas.servers[0].process
    assert victim is not None

    async def kill_at(done: int) -> None:
        if done == 100:
            victim.send_signal(signal.SIGKILL)

    try:
        calls = asyncio.run(
            send_all(replicas, [b for b, _ in signins], in_flight=30, after=kill_at)
        )
    finally:
        replicas.restart(0)
    assert victim.wait(5) == -signal.SIGKILL
    assert_okta_valid_in_budget(calls)
    counted = statuses(calls)
    # What the killed replica had in hand is PENDING (the balancer's 502, errors/502.http):
    # it may have been sent. Every other call went through, on either replica.
    assert set(counted) <= {"SUCCESSFUL", "PENDING"} and counted["SUCCESSFUL"] >= 250
    sent = replicas.texts() - before
    assert set(sent.values()) == {1}, "an SMS was sent twice"
    assert counted["SUCCESSFUL"] <= sum(sent.values()) <= 300


def test_redis_stopped_mid_run_fails_open_and_de_duplication_comes_back(
    replicas: Replicas,
) -> None:
    signins = [sign_in() for _ in range(200)]
    redis = replicas.redis

    async def stop_at(done: int) -> None:
        if done == 50:
            redis.stop()

    try:
        calls = asyncio.run(
            send_all(replicas, [b for b, _ in signins], in_flight=20, after=stop_at)
        )
    finally:
        if redis.process is None:
            redis.start()  # same port, empty
    assert_okta_valid_in_budget(calls)
    assert statuses(calls) == {"SUCCESSFUL": 200}  # sent, without de-duplication
    logged = [
        json.loads(line)
        for line in replicas.logs().splitlines()
        if line.startswith("{") and "state_unavailable" in line
    ]
    assert any(line.get("msg") == "state_unavailable" for line in logged)
    assert any(line.get("state_unavailable") is True for line in logged)  # on the call lines
    # Redis is back (after each replica's fail-open pause): one SMS per event again.
    time.sleep(1.0)
    body, text = sign_in()
    again = asyncio.run(send_all(replicas, [body] * 20, in_flight=20))
    assert statuses(again) == {"SUCCESSFUL": 20} and len({c.body for c in again}) == 1
    assert replicas.texts()[text] == 1
