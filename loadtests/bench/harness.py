"""Shared pieces of the benchmarks: a uvicorn server as a pinned process, and wrk pinned to the
other core, so the load generator never competes with the server it measures."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mocks.common.ports import free_port

HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 20.0
SERVER_CPU = "0"
LOAD_CPU = "1"


def pinned(command: list[str], cpu: str) -> list[str]:
    """Prefix ``taskset`` when this machine has it and more than one core."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", cpu, *command]
    return command


def ensure_wrk() -> str:
    """wrk from Debian's packages; installed on first use when running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk from Debian's packages ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("the benchmarks need wrk: apt-get install wrk")
    return found


# The server the connector runs on (connector/server.py) and the candidates measured against it
# (``--server`` of connector_overhead; hypercorn and granian are installed by hand for that).
SERVERS = ("guarded", "httptools", "h11", "hypercorn", "granian")


def server_command(server: str, factory: str, port: int, workers: int) -> list[str]:
    """The command line serving ``factory`` (``module:function``) with ``server``."""
    uvicorn = [
        sys.executable, "-m", "uvicorn", "--factory", factory,
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--loop", "uvloop", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if server == "guarded":
        from connector.server import HTTP_PROTOCOL

        return [*uvicorn, "--http", HTTP_PROTOCOL, "--ws", "none"]
    if server == "httptools":
        return [*uvicorn, "--http", "httptools"]
    if server == "h11":
        return [*uvicorn, "--http", "h11", "--h11-max-incomplete-event-size", "16384"]
    if server == "hypercorn":
        return [
            sys.executable, "-m", "hypercorn", "--worker-class", "uvloop",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning",
            f"{factory}()",
        ]  # fmt: skip
    if server == "granian":
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--loop", "uvloop", "--log-level", "warning", "--no-access-log", factory,
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}; one of {', '.join(SERVERS)}")


@contextmanager
def uvicorn_server(
    factory: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    cpu: str = SERVER_CPU,
    server: str = "guarded",
) -> Iterator[str]:
    """``factory`` (``module:function``) served as the connector is in production (uvicorn,
    uvloop, the guarded httptools protocol) or by another ``server`` of ``SERVERS``; yields the
    base URL once the port accepts connections, stops the process afterwards."""
    with uvicorn_process(factory, workers=workers, env=env, cpu=cpu, server=server) as (url, _):
        yield url


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (``/proc/<pid>/stat``): what a run
    cost it, whatever else the machine was doing meanwhile."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def uvicorn_process(
    factory: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    cpu: str = SERVER_CPU,
    server: str = "guarded",
) -> Iterator[tuple[str, int]]:
    """``uvicorn_server``, yielding the server's PID too (``taskset`` execs it: with one
    worker, that process serves the calls), for ``cpu_seconds``."""
    port = free_port()
    command = server_command(server, factory, port, workers)
    cpus = cpu if workers == 1 else ",".join(str(c) for c in range(os.cpu_count() or 1))
    process = subprocess.Popen(
        pinned(command, cpus),
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,  # the hook's log lines are written, as in production
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr:
            process.stderr.close()


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"server exited: {error}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    requests: int
    bad_status: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def run_wrk(
    url: str, *, connections: int, duration_s: int, script: str = "okta_requests.lua"
) -> WrkResult:
    command = [
        ensure_wrk(), "-t1", f"-c{connections}", f"-d{duration_s}s", "--timeout", "5s",
        "-s", str(HERE / script), url,
    ]  # fmt: skip
    done = subprocess.run(
        pinned(command, LOAD_CPU), capture_output=True, text=True, timeout=duration_s + 30
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    summary = re.search(
        r"BENCH requests=(\d+) errors_status=(\d+) errors_other=(\d+) "
        r"p50_us=(\d+) p99_us=(\d+) max_us=(\d+)",
        done.stdout,
    )
    if not rate or not summary:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    requests, bad, other, p50, p99, top = (int(g) for g in summary.groups())
    return WrkResult(float(rate.group(1)), requests, bad, other, p50 / 1000, p99 / 1000, top / 1000)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    rule = "-|-".join("-" * w for w in widths)
    body = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(["| " + line + " |", "|-" + rule + "-|", *("| " + b + " |" for b in body)])
