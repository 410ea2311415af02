"""One real headless Locust run, smoke shape, end to end: stack started on free ports and
wired, Locust run as a subprocess (it monkeypatches with gevent: never in this process), budgets
checked, reports written, stack stopped."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.stages import SHAPES

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = SHAPES["smoke"].seconds + 60


@pytest.mark.slow
@pytest.mark.timeout(BOUND_S + 10)
def test_a_smoke_run_drives_the_whole_chain_and_holds_its_budgets(tmp_path: Path) -> None:
    assert SHAPES["smoke"].seconds <= 15
    out = tmp_path / "smoke"
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.run", "--shape", "smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BOUND_S,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "budgets held (smoke)" in done.stdout
    assert "BREACH" not in done.stdout
    with (out / "locust_stats.csv").open() as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    for name in ("hook: sms", "okta: flow", "ezitxt: handset", "okta: verify", "Aggregated"):
        assert int(rows[name]["Request Count"]) > 0, name
        assert int(rows[name]["Failure Count"]) == 0, name
    assert (out / "report.html").stat().st_size > 0
    assert "stack stopped" in done.stdout and "not cleanly" not in done.stdout
    # Credentials never reach the output: the secret is shown hidden, if at all.
    assert not re.search(r"Basic [A-Za-z0-9+/=]{12,}", output)
