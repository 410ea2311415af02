"""A platform restart as Okta's sign-ins see it: ``--sign-ins`` MFA sign-ins through a fresh
stack (8 at a time), mock EZITXT killed with SIGKILL after ``--kill-after`` of them; the sign-ins
counted by outcome, and the stack's own account of the restart. Run once as ``stack`` runs by
default (the dead server restarted on its port with its state), once with ``--no-restart``
(the issue's starting point: the stack stops, the sign-ins after the kill fail).

    .venv/bin/python -m loadtests.bench.stack_restart [--sign-ins 2000] [--kill-after 300]

Figures, not a test: ``tests/e2e/test_stack_restart.py`` holds the behaviour.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from loadtests.bench.harness import table
from mocks.common.ports import free_port_base

CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
SERVING = "The stack is serving"
START_S = 90.0
THREADS = 8
USER = "aroha.ngata@example.co.nz"  # the stack's demo user
# The velocity limits off (0): thousands of sign-ins a minute of one user and application would
# pass them, and their refusals (which Okta answers with its own provider) are not the restart.
LIMITS = ("NUMBER_15M", "NUMBER_DAY", "PREFIX_HOUR", "PREFIX_DAY", "APPLICATION_MINUTE",
          "APPLICATION_DAY", "USER_15M", "USER_DAY")  # fmt: skip
SETTINGS = tuple(f"LIMIT_{limit}=0" for limit in LIMITS)


def classify(answer: dict[str, object]) -> str:
    delivery = answer.get("delivery") or {}
    via = delivery.get("via") if isinstance(delivery, dict) else None
    if answer.get("fallback"):
        return "fell back to Okta's own provider"
    if answer.get("outcome") == "SUCCESSFUL" and via == "HOOK":
        return "sent through the hook"
    return f"outcome {answer.get('outcome')}, delivery {via}"


def run(sign_ins: int, kill_after: int, *, restart: bool) -> tuple[collections.Counter[str], str]:
    base = free_port_base()
    with tempfile.TemporaryDirectory(prefix="stack-restart-") as folder:
        command = [
            CLI, "stack", "--port-base", str(base), "--workdir", folder, "--fresh", "--no-demo",
            "--timing-scale", "0.2", "--challenge-interval", "0",
            *(f"--connector-setting={s}" for s in SETTINGS),
            *([] if restart else ["--no-restart"]),
        ]  # fmt: skip
        stack = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        lines: list[str] = []
        assert stack.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(iter(stack.stdout.readline, "")))
        reader.daemon = True
        reader.start()
        try:
            deadline = time.monotonic() + START_S
            while not any(SERVING in line for line in lines):
                if stack.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the stack did not start:\n" + "".join(lines[-30:]))
                time.sleep(0.1)
            info = json.loads(Path(folder, "stack.json").read_text())
            counts = _sign_ins(info, sign_ins, kill_after)
        finally:
            if stack.poll() is None:
                stack.send_signal(signal.SIGINT)
            try:
                stack.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(stack.pid, signal.SIGKILL)
                stack.wait()
        told = [line.strip() for line in lines if "ended (" in line or "is back on port" in line]
        return counts, "; ".join(told)


def _sign_ins(info: dict[str, object], count: int, kill_after: int) -> collections.Counter[str]:
    okta = str(info["okta"])
    children = info["children"]
    assert isinstance(children, dict)
    numbers = random.Random(15)
    phones = [f"+6421{numbers.randrange(1_000_000, 10_000_000)}" for _ in range(count)]
    counts: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    session = requests.Session()

    def one(i: int) -> None:
        if i == kill_after:
            os.kill(int(children["mock EZITXT"]), signal.SIGKILL)
        body = {"user": USER, "requestType": "mfa-verification", "phoneNumber": phones[i]}
        try:
            answer = session.post(f"{okta}/_mock/flows", json=body, timeout=10)
            what = classify(answer.json()) if answer.ok else f"HTTP {answer.status_code}"
        except (requests.RequestException, ValueError) as exc:
            what = f"no answer ({type(exc).__name__})"
        with lock:
            counts[what] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, range(count)))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=2000, help="sign-ins per run")
    parser.add_argument("--kill-after", type=int, default=300, help="SIGKILL mock EZITXT here")
    args = parser.parse_args()
    if not 0 <= args.kill_after < args.sign_ins:
        parser.error("--kill-after must be below --sign-ins")
    rows = []
    for restart in (True, False):
        counts, told = run(args.sign_ins, args.kill_after, restart=restart)
        mode = "restart (default)" if restart else "--no-restart"
        for what, n in counts.most_common():
            rows.append([mode, what, f"{n:,}"])
        print(f"{mode}: the stack said: {told or 'nothing'}", flush=True)
    print(
        f"{args.sign_ins:,} sign-ins, mock EZITXT killed (SIGKILL) after {args.kill_after:,}:\n"
        + table(["stack", "sign-in", "count"], rows)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
