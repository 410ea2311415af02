"""The sign-in page's session store: bounded in count and idle time, tokens compared safely."""

from __future__ import annotations

from mocks.okta.signin.sessions import SessionStore
from tests.mocks.okta.conftest import FakeClock


def test_store_forgets_the_least_recently_used_when_full() -> None:
    store = SessionStore(FakeClock(), max_sessions=3)
    first, second, third = store.create(), store.create(), store.create()
    assert store.get(first.id) is first  # touched: now the most recently used
    fourth = store.create()
    assert len(store) == 3
    assert store.get(second.id) is None
    assert all(store.get(s.id) is s for s in (first, third, fourth))


def test_idle_sessions_expire_and_use_keeps_them_alive() -> None:
    clock = FakeClock()
    store = SessionStore(clock, idle_timeout_s=60)
    kept, idle = store.create(), store.create()
    for _ in range(3):
        clock.advance(40)
        assert store.get(kept.id) is kept
    assert store.get(idle.id) is None and len(store) == 1
    assert store.get(None) is None and store.get("") is None and store.get("nope") is None


def test_sessions_have_their_own_unguessable_ids_and_tokens() -> None:
    store = SessionStore(FakeClock())
    a, b = store.create(), store.create()
    assert len({a.id, b.id, a.csrf_token, b.csrf_token}) == 4
    assert len(a.csrf_token) >= 32
    assert a.csrf_ok(a.csrf_token)
    assert not a.csrf_ok(b.csrf_token) and not a.csrf_ok(None) and not a.csrf_ok("")
    assert not a.csrf_ok(a.csrf_token + "\u00e9")  # non-ASCII input is compared, not a crash
