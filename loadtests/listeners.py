# mypy: disable-error-code="untyped-decorator"
# (Locust's event decorators carry no types.)
"""The locustfile's event listeners: its command-line options, the gateway fault for the run,
and the budget check when Locust quits.

Shapes, faults and budgets act once per run, so they run on the master (or the lone local
runner), never on workers: the master holds the aggregated statistics, and a fault set by each
worker would be set N times and cleared by the first to stop.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import requests
from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner

from loadtests import budgets
from loadtests.expect import FAULTS
from loadtests.stages import SHAPES

log = logging.getLogger("loadtests")
CONTROL_TIMEOUT_S = 5.0
_final_line: list[str] = []


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    # On the parser itself: Locust's ``is_secret`` and ``env_var`` are not known to groups.
    group = parser
    group.add_argument("--shape", choices=sorted(SHAPES), default="smoke", help="load shape")
    group.add_argument(
        "--fault", choices=sorted(FAULTS), default="none", help="gateway fault for the run"
    )
    group.add_argument("--okta-url", default="", help="mock Okta's base URL (sign-in users)")
    group.add_argument("--ezitxt-url", default="", help="mock EZITXT's base URL (handsets, faults)")
    group.add_argument("--auth-field", default="Authorization", help="the hook's auth header")
    # Secrets come from the environment, never the command line (``ps`` shows that to all).
    group.add_argument(
        "--auth-secret",
        env_var="EZITXT_LOAD_AUTH_SECRET",
        default="",
        is_secret=True,
        help="the hook's Authentication Secret (env EZITXT_LOAD_AUTH_SECRET)",
    )
    group.add_argument(
        "--okta-api-token",
        env_var="EZITXT_LOAD_OKTA_TOKEN",
        default="",
        is_secret=True,
        help="mock Okta's SSWS API token, to create sign-in users (env EZITXT_LOAD_OKTA_TOKEN)",
    )
    group.add_argument("--budgets", default=str(budgets.DEFAULT_PATH), help="budgets file")


def _in_charge(environment: Environment) -> bool:
    return not isinstance(environment.runner, WorkerRunner)


def _budgets(environment: Environment) -> budgets.Budgets:
    options: Any = environment.parsed_options
    return budgets.load(options.shape, options.fault, Path(options.budgets))


@events.init.add_listener
def check_options(environment: Environment, **_: Any) -> None:
    # A missing budget, a typo in the file or a fault with no control plane to set it stops the
    # run before it starts, not after.
    options = environment.parsed_options
    if options is None or not _in_charge(environment):
        return
    try:
        _budgets(environment)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"budgets: {exc}") from None
    if FAULTS[options.fault].rule is not None and not options.ezitxt_url:
        raise SystemExit(f"--fault {options.fault} needs --ezitxt-url to reach the control plane")


@events.test_start.add_listener
def set_fault(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    if not _in_charge(environment) or options is None:
        return
    fault = FAULTS[options.fault]
    if fault.rule is None:
        return
    url = f"{options.ezitxt_url}/_mock/faults"
    requests.put(url, json=fault.rule, timeout=CONTROL_TIMEOUT_S).raise_for_status()
    log.info("gateway fault set: %s", fault.description)


@events.test_stop.add_listener
def clear_fault(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    if _in_charge(environment) and options and options.fault != "none" and options.ezitxt_url:
        requests.delete(f"{options.ezitxt_url}/_mock/faults", timeout=CONTROL_TIMEOUT_S)
        log.info("gateway fault cleared")


def collect(stats: Any) -> list[budgets.RequestStats]:
    """Locust's statistics, per request name and aggregated, as the budget checker reads them."""
    return [
        budgets.RequestStats(
            name=entry.name,
            requests=entry.num_requests,
            failures=entry.num_failures,
            p50_ms=entry.get_response_time_percentile(0.50) or 0.0,
            p95_ms=entry.get_response_time_percentile(0.95) or 0.0,
            p99_ms=entry.get_response_time_percentile(0.99) or 0.0,
            max_ms=entry.max_response_time or 0.0,
        )
        for entry in [*stats.entries.values(), stats.total]
    ]


@events.quitting.add_listener
def check_budgets(environment: Environment, **_: Any) -> None:
    if not _in_charge(environment) or environment.parsed_options is None:
        return
    runner = environment.runner
    assert runner is not None
    chosen = _budgets(environment)
    verdicts = budgets.evaluate(collect(runner.stats), chosen)
    broken = [v for v in verdicts if not v.ok]
    print(f"\nBudgets ({chosen.profile}, {environment.parsed_options.budgets}):")
    for verdict in verdicts:
        print(f"  {'ok    ' if verdict.ok else 'BREACH'} {verdict.message}")
    if runner.exceptions:
        count = sum(e["count"] for e in runner.exceptions.values())
        print(f"  BREACH {chosen.profile}: the load test's own code raised {count} exceptions")
        broken.append(budgets.Verdict(chosen.profile, "locustfile", "exceptions", count, 0))
    environment.process_exit_code = 1 if broken else 0
    verdict_line = (
        f"BUDGETS BROKEN ({chosen.profile}): {len(broken)} of {len(verdicts)}"
        if broken
        else f"budgets held ({chosen.profile}): {len(verdicts)} checks"
    )
    _final_line[:] = [verdict_line]
    if broken:
        log.error(verdict_line)


@events.quit.add_listener
def repeat_verdict(exit_code: int, **_: Any) -> None:
    # After Locust's own tables, so the verdict is the last thing a reader sees.
    for line in _final_line:
        print(f"\n{line} -> exit code {exit_code}")
