"""The velocity limits' pure part: the settings' limits, the sliding window's estimate, and the
judgement of counts (counts in, a refusal or none out). No store, no event loop."""

from __future__ import annotations

import pytest

from connector.refusals import Refusal
from connector.settings import load_settings
from connector.velocity import (
    APPLICATION,
    DAY,
    HOUR,
    MINUTE,
    NUMBER,
    PREFIX,
    QUARTER,
    USER,
    Limits,
    Subject,
    Window,
    estimate,
    judge,
)

SUBJECT = Subject("+64211234567", "+6421123", "NZ", "okta-hook", "00u1abcdEFGH")
DEFAULTS = Limits.from_settings(load_settings({}, gateway_url="http://127.0.0.1:9"))


def test_the_default_limits_in_the_order_they_are_judged() -> None:
    assert DEFAULTS.windows == (
        Window(NUMBER, QUARTER, 5),
        Window(NUMBER, DAY, 20),
        Window(PREFIX, HOUR, 100),
        Window(PREFIX, DAY, 1000),
        Window(APPLICATION, MINUTE, 1200),
        Window(APPLICATION, DAY, 200_000),
        Window(USER, QUARTER, 10),
        Window(USER, DAY, 30),
    )
    assert DEFAULTS.describe().startswith("number 5/900s, number 20/86400s, prefix 100/3600s")


def test_a_limit_set_to_zero_is_not_applied() -> None:
    settings = load_settings(
        {}, gateway_url="http://127.0.0.1:9", limit_number_day=0, limit_user_15m=0
    )
    windows = Limits.from_settings(settings).windows
    assert Window(NUMBER, DAY, 20) not in windows
    assert [w.scope for w in windows] == [NUMBER, PREFIX, PREFIX, APPLICATION, APPLICATION, USER]


def test_subject_keys_count_number_and_user_across_applications() -> None:
    other_app = Subject("+64211234567", "+6421123", "NZ", "other-app", "00u1abcdEFGH")
    mine, theirs = SUBJECT.keys(), other_app.keys()
    assert mine[NUMBER] == theirs[NUMBER] and mine[USER] == theirs[USER]
    assert mine[PREFIX] != theirs[PREFIX] and mine[APPLICATION] != theirs[APPLICATION]


@pytest.mark.parametrize(
    ("previous", "current", "elapsed", "expected"),
    [
        (0, 0, 0.0, 0.0),
        (0, 3, 450.0, 3.0),
        (10, 0, 0.0, 10.0),  # the bucket just began: all of the previous one counts
        (10, 0, 450.0, 5.0),  # half-way: half of it
        (10, 2, 675.0, 4.5),
        (10, 2, 899.999, 2.0),
    ],
)
def test_estimate_weights_the_previous_bucket_by_what_is_left_of_it(
    previous: int, current: int, elapsed: float, expected: float
) -> None:
    assert estimate(previous, current, elapsed, QUARTER) == pytest.approx(expected, abs=1e-4)


LIMITS = Limits(
    (
        Window(NUMBER, QUARTER, 5),
        Window(PREFIX, HOUR, 100),
        Window(APPLICATION, MINUTE, 1200),
        Window(USER, QUARTER, 10),
    )
)


def refused(reason: str) -> Refusal:
    return Refusal(reason, country="NZ", prefix="+6421123")


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((0, 0, 0, 0), None),
        ((4, 99, 1199, 9), None),  # each one short of its limit: this send is the last
        ((4.0, 99.0, 1199.0, 9.0), None),
        ((5, 0, 0, 0), refused("rate_limited_number")),
        ((4.01, 0, 0, 0), refused("rate_limited_number")),  # a weighted estimate past it
        ((0, 100, 0, 0), refused("rate_limited_prefix")),
        ((0, 0, 1200, 0), refused("rate_limited_application")),
        ((0, 0, 0, 10), refused("rate_limited_user")),
        ((0, 0, 0, None), None),  # no user id: the user's limit is not applied
        ((9, 500, 5000, 50), refused("rate_limited_number")),  # the first window refuses
        ((0, 500, 5000, 50), refused("rate_limited_prefix")),
    ],
)
def test_judge(counts: tuple[float | None, ...], expected: Refusal | None) -> None:
    assert judge(counts, LIMITS, SUBJECT) == expected


def test_a_refusal_names_the_prefix_never_the_number() -> None:
    refusal = judge((5, 0, 0, 0), LIMITS, SUBJECT)
    assert refusal is not None
    assert SUBJECT.number not in repr(refusal) and SUBJECT.user is not None
    assert SUBJECT.user not in repr(refusal)


def test_no_limits_refuse_nothing() -> None:
    assert judge((), Limits(()), SUBJECT) is None
