# mypy: disable-error-code="untyped-decorator"
# (Locust's event decorators carry no types.)
"""The locustfile's event listeners: its command-line options, the gateway fault for the run,
the latency timeline from the first second, and the verdict when Locust quits.

Shapes, faults, the timeline and budgets act once per run, so they run on the master (or the
lone local runner), never on workers: the master holds the aggregated statistics, and a fault set
by each worker would be set N times and cleared by the first to stop.

A run stopped before its shape ended (Ctrl-C, SIGTERM) is interrupted: it is judged on nothing,
says so, and exits with 130; its figures are still written.
"""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path
from typing import Any

import gevent
import gevent.hub
import locust.stats
import requests
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadtests import budgets, pumping, report, shapes
from loadtests.expect import FAULTS
from loadtests.history import CONNECTOR_NAMES, peak_rate
from loadtests.pumping_users import tally
from loadtests.stages import SHAPES
from loadtests.timeline import Snapshot, Timeline
from mocks.common.timestamps import iso

log = logging.getLogger("loadtests")
CONTROL_TIMEOUT_S = 5.0
SAMPLE_S = 1.0
INTERRUPTED_EXIT = 130  # as a shell reports a command stopped by SIGINT
_final_line: list[str] = []
_run: dict[str, Any] = {}

# Locust's report charts sample its stats every HISTORY_STATS_INTERVAL_SEC (5 s, no option for
# it), the first sample 5 s in: a 10 s smoke run's chart had two points and no first seconds.
# Sampled every second, they start at 1-2 s (its "current" percentiles need a second of cache).
locust.stats.HISTORY_STATS_INTERVAL_SEC = 1
# Ctrl-C reaches Locust as a KeyboardInterrupt passing through gevent's hub, which prints it as
# an error before Locust stops cleanly; an interrupted run is no error (gevent documents
# ``Hub.NOT_ERROR`` as the classes it does not print).
gevent.hub.Hub.NOT_ERROR = (*gevent.hub.Hub.NOT_ERROR, KeyboardInterrupt)


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    # On the parser itself: Locust's ``is_secret`` and ``env_var`` are not known to groups.
    group = parser
    group.add_argument("--shape", choices=sorted(SHAPES), default="smoke", help="load shape")
    group.add_argument(
        "--fault", choices=sorted(FAULTS), default="none", help="gateway fault for the run"
    )
    group.add_argument(
        "--rate", type=float, default=0.0, help="the shape's peak arrivals/s (0: the shape's)"
    )
    group.add_argument(
        "--shape-users", type=int, default=0, help="the shape's peak users, instead of --rate"
    )
    group.add_argument(
        "--duration", type=float, default=0.0, help="the shape's length in s (0: the shape's)"
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
    group.add_argument(
        "--connector-log",
        default="",
        help="the connector's log file: the pumping shape's report says which control fired when",
    )
    group.add_argument(
        "--report-dir",
        default="",
        help="where verdict.json, summary.html, latency.png go (default: beside --html)",
    )


def _in_charge(environment: Environment) -> bool:
    return not isinstance(environment.runner, WorkerRunner)


def _shape_classes(environment: Environment) -> list[Any]:
    """The user classes the chosen shape runs, of those the locustfile (or command line) has."""
    shape = shapes.chosen_shape(environment.parsed_options, environment.user_classes)
    return shapes.running(environment.user_classes, shape.class_names)


def _budgets(environment: Environment) -> budgets.Budgets:
    options: Any = environment.parsed_options
    chosen = budgets.load(options.shape, options.fault, Path(options.budgets))
    names = {n for cls in _shape_classes(environment) for n in getattr(cls, "request_names", ())}
    return chosen.restricted_to(names)


def _report_dir(options: Any) -> Path | None:
    if options.report_dir:
        return Path(options.report_dir)
    return Path(options.html_file).parent if options.html_file else None


@events.init.add_listener
def check_options(environment: Environment, **_: Any) -> None:
    # A missing budget, a typo in the file or a fault with no control plane to set it stops the
    # run before it starts, not after.
    options = environment.parsed_options
    if options is None or not _in_charge(environment):
        return
    # The runner stops Locust with one SIGINT; a Locust started with SIGINT ignored (inherited
    # from a shell's background job) would never hear it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _budgets(environment)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"budgets: {exc}") from None
    if FAULTS[options.fault].rule is not None and not options.ezitxt_url:
        raise SystemExit(f"--fault {options.fault} needs --ezitxt-url to reach the control plane")
    running = _shape_classes(environment)
    if not running:
        raise SystemExit(
            f"shape {options.shape} runs {', '.join(SHAPES[options.shape].class_names)}: "
            "none of them is among the user classes given"
        )
    mocked = [cls.__name__ for cls in running if getattr(cls, "needs_mocks", False)]
    if mocked and not (options.okta_url and options.ezitxt_url):
        raise SystemExit(
            f"{', '.join(mocked)} need --okta-url and --ezitxt-url; "
            "to call a connector alone, name the user class: ... OktaHookCaller"
        )
    if options.rate and options.shape_users:
        raise SystemExit("--rate and --shape-users both set the peak: give one")


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


@events.test_start.add_listener
def start_timeline(environment: Environment, **_: Any) -> None:
    if not _in_charge(environment) or environment.parsed_options is None or "timeline" in _run:
        return
    _run["timeline"] = Timeline()
    _run["started"] = time.monotonic()
    _run["started_epoch"] = time.time()
    _run["started_at"] = iso(_run["started_epoch"])
    _run["sampler"] = gevent.spawn(_sample_every_second, environment)


def _sample_every_second(environment: Environment) -> None:
    while True:
        _sample(environment)
        gevent.sleep(SAMPLE_S)


def _sample(environment: Environment) -> None:
    runner = environment.runner
    if runner is None:
        return
    second = round(time.monotonic() - _run["started"])
    stats = runner.stats
    for entry in [*stats.entries.values(), stats.total]:
        snapshot = Snapshot(
            second, entry.num_requests, entry.num_failures, dict(entry.response_times)
        )
        _run["timeline"].record(entry.name, snapshot)


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


def _arrival_rate(timeline: Timeline, shape: Any) -> float | None:
    counts: dict[int, int] = {}
    for name in CONNECTOR_NAMES:
        for snapshot in timeline.snapshots.get(name, []):
            counts[snapshot.second] = counts.get(snapshot.second, 0) + snapshot.requests
    reached = peak_rate(counts, shape)
    return round(reached[0], 1) if reached else None


@events.quitting.add_listener
def check_budgets(environment: Environment, **_: Any) -> None:
    options: Any = environment.parsed_options
    if not _in_charge(environment) or options is None:
        return
    runner = environment.runner
    assert runner is not None
    if "sampler" in _run:
        _run["sampler"].kill()
        _sample(environment)  # the last, partial second
    chosen = _budgets(environment)
    shape = shapes.chosen_shape(options, environment.user_classes)
    stats = collect(runner.stats)
    exceptions = sum(e["count"] for e in runner.exceptions.values())
    interrupted = not shapes.progress["ended"]
    elapsed = time.monotonic() - _run.get("started", time.monotonic())
    verdicts: list[budgets.Verdict] = []
    figures = _pumping_figures(options) if chosen.figures and not interrupted else None
    if interrupted:
        print(
            f"\nInterrupted after {elapsed:.0f} s of the shape's {shape.seconds:g} s: "
            "no budget judged (the figures so far are in the report)"
        )
        code = INTERRUPTED_EXIT
        verdict_line = f"INTERRUPTED ({chosen.profile}): nothing judged"
    else:
        verdicts = budgets.evaluate(stats, chosen, figures.budget_figures() if figures else None)
        if figures is not None:
            _print_figures(figures)
        broken = [v for v in verdicts if not v.ok]
        print(f"\nBudgets ({chosen.profile}, {options.budgets}):")
        for verdict in verdicts:
            print(f"  {'ok    ' if verdict.ok else 'BREACH'} {verdict.message}")
        if exceptions:
            print(f"  BREACH {chosen.profile}: the locustfile raised {exceptions} exceptions")
        code = 1 if broken or exceptions else 0
        verdict_line = (
            f"BUDGETS BROKEN ({chosen.profile}): {len(broken) + bool(exceptions)} of "
            f"{len(verdicts) + bool(exceptions)}"
            if code
            else f"budgets held ({chosen.profile}): {len(verdicts)} checks"
        )
        if code:
            log.error(verdict_line)
    environment.process_exit_code = code
    _final_line[:] = [verdict_line]
    out = _report_dir(options)
    if out is not None and "timeline" in _run:
        facts = report.RunFacts(
            profile=chosen.profile,
            shape=shape,
            fault=options.fault,
            fault_description=FAULTS[options.fault].description,
            target=options.host or "",
            started_at=_run["started_at"],
            elapsed_s=elapsed,
            interrupted=interrupted,
            workers=options.expect_workers if isinstance(runner, MasterRunner) else 0,
            arrival_rate=_arrival_rate(_run["timeline"], shape),
        )
        document = report.verdict_document(facts, verdicts, stats, exceptions, code)
        if figures is not None:
            document["pumping"] = figures.document()
        report.write(out, document, _run["timeline"], chosen)
        print(f"verdict: {out / report.VERDICT_FILE}, summary: {out / report.SUMMARY_FILE}")


def _print_figures(figures: pumping.PumpingFigures) -> None:
    document = figures.document()
    bot, people = document["bot"], document["legitimate"]
    print(
        f"\nPumping: the bot asked {bot['requests']} codes to {bot['range']}…; the gateway holds "
        f"{bot['messages_at_gateway']} to that range (Okta said {bot['okta_said_sent_by_hook']} "
        f"sent by the hook; refused by {bot['refused_by_control'] or 'nothing'}; Okta's own "
        f"provider sent {bot['sent_by_okta_fallback']}). People: {people['sign_ins']} sign-ins, "
        f"{people['delivered']} codes delivered, {people['verified']} verified."
    )
    for reason, seen in document["connector_log"].items():
        print(
            f"  connector log, bot's prefix: {reason} x{seen['count']} "
            f"(first {seen['first_s']} s, last {seen['last_s']} s into the run)"
        )


def _pumping_figures(options: Any) -> pumping.PumpingFigures:
    """The pumping shape's figures: the gateway's count from the Mobile Report, the users'
    tallies (the workers' summed in), and the connector's log when it is given."""
    bot_at_gateway = gateway_messages = None
    if options.ezitxt_url:
        since_text = iso(_run.get("started_epoch", 0.0) - 1)  # a second early: clocks

        def page(number: int) -> dict[str, Any]:
            found = requests.get(
                f"{options.ezitxt_url}/api/reports/mobile",
                params={
                    "from": since_text,
                    "page": str(number),
                    "pageSize": str(pumping.REPORT_PAGE_SIZE),
                },
                timeout=CONTROL_TIMEOUT_S,
            )
            found.raise_for_status()
            document: dict[str, Any] = found.json()
            return document

        try:
            bot_at_gateway, gateway_messages = pumping.count_bot_messages(page)
        except (requests.RequestException, ValueError) as exc:
            log.error("the Mobile Report could not be read: %s", type(exc).__name__)
    fired: dict[str, pumping.Fired] = {}
    if options.connector_log:
        try:
            with Path(options.connector_log).open("rb") as lines:
                fired = pumping.controls_fired(lines, _run.get("started_epoch", 0.0))
        except OSError as exc:
            log.error("the connector's log could not be read: %s", type(exc).__name__)
    return pumping.PumpingFigures(dict(tally), bot_at_gateway, gateway_messages, fired)


@events.quit.add_listener
def repeat_verdict(exit_code: int, **_: Any) -> None:
    # After Locust's own tables, so the verdict is the last thing a reader sees.
    for line in _final_line:
        print(f"\n{line} -> exit code {exit_code}")
