"""SQLite persistence of applications and messages (DESIGN.md decision 8).

WAL with ``synchronous=NORMAL``: a commit survives the process being killed (only an OS crash
may lose the last commits), and costs no fsync, so a message is committed before its 202 is
answered without slowing the gateway down. One connection, used from the event loop's thread.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mocks.common.timestamps import iso
from mocks.ezitxt.models import Application, KeysetPage, Message, Page, ReportFilter, Transition

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    name TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    password_hash TEXT,
    password_generated_at REAL,
    callback_url TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    application TEXT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    reference TEXT,
    content TEXT NOT NULL,
    msg_class TEXT NOT NULL,
    mask TEXT,
    scheduled TEXT,
    charset TEXT NOT NULL,
    units INTEGER NOT NULL,
    transport TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    history TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_destination ON messages (destination, status);
CREATE INDEX IF NOT EXISTS messages_by_status ON messages (status);
-- The Mobile Report, newest first (ORDER BY seq DESC) under one equality filter: each index
-- below ends in the rowid (seq), so a filtered page is a walk down one index, not a sort.
CREATE INDEX IF NOT EXISTS messages_by_destination_seq ON messages (destination, seq);
CREATE INDEX IF NOT EXISTS messages_by_application ON messages (application);
CREATE INDEX IF NOT EXISTS messages_by_charset ON messages (charset);
"""

_MESSAGE_COLUMNS = (
    "id, application, direction, source, destination, reference, content, msg_class, mask, "
    "scheduled, charset, units, transport, status, created_at, updated_at, history"
)


def _message(row: Sequence[Any]) -> Message:
    return Message(*row)


def _conditions(f: ReportFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("id", f.message_id),
        ("application", f.application),
        ("destination", f.destination),
        ("direction", f.direction),
        ("status", f.status),
        ("charset", f.charset),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    # ``+created_at`` keeps the planner off any index for the time frame: rows come newest first
    # by seq, and the report's time frames ("last hour", "last 7 days") sit at the newest end, so
    # walking seq down and stopping after one page beats gathering the whole range to sort it.
    if f.since is not None:
        clauses.append("+created_at >= ?")
        params.append(f.since)
    if f.until is not None:
        clauses.append("+created_at < ?")
        params.append(f.until)
    return clauses, params


class Store:
    """Synchronous SQLite access; every write commits before it returns."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    def open(self) -> None:
        if self._db is not None:
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # The connection moves with the server's event loop thread; only one thread uses it.
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # Applications

    def insert_application(self, app: Application) -> bool:
        """``False`` if the name is taken."""
        try:
            self.db.execute(
                "INSERT INTO applications VALUES (?, ?, ?, ?, ?)",
                (app.name, app.created_at, None, None, None),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def applications(self) -> list[Application]:
        rows = self.db.execute("SELECT * FROM applications ORDER BY name").fetchall()
        return [Application(*row) for row in rows]

    def save_password(self, name: str, password_hash: str, at: float) -> None:
        self.db.execute(
            "UPDATE applications SET password_hash = ?, password_generated_at = ? WHERE name = ?",
            (password_hash, at, name),
        )

    def save_callback_url(self, name: str, url: str | None) -> None:
        self.db.execute("UPDATE applications SET callback_url = ? WHERE name = ?", (url, name))

    # Messages

    def insert_message(self, m: Message) -> None:
        self.db.execute(
            f"INSERT INTO messages ({_MESSAGE_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                m.id, m.application, m.direction, m.source, m.destination, m.reference,
                m.content, m.msg_class, m.mask, m.scheduled, m.charset, m.units, m.transport,
                m.status, m.created_at, m.updated_at, m.history_json,
            ),
        )  # fmt: skip

    def apply(self, steps: Iterable[Transition]) -> None:
        """Move messages on by one status each, appending to their history, in one commit."""
        rows = [
            (
                s.status,
                s.at,
                json.dumps({"status": s.status, "at": iso(s.at), "detail": s.detail}),
                s.message_id,
            )
            for s in steps
        ]
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "UPDATE messages SET status = ?, updated_at = ?, "
                "history = json_insert(history, '$[#]', json(?)) WHERE id = ?",
                rows,
            )

    def message(self, message_id: str) -> Message | None:
        row = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return _message(row) if row else None

    def report(self, f: ReportFilter, *, limit: int, offset: int) -> Page:
        """Messages matching ``f``, newest first (the JSON API: offset paging, exact total)."""
        clauses, params = _conditions(f)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        total = self.db.execute(f"SELECT count(*) FROM messages {where}", params).fetchone()[0]
        rows = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return Page(total, [_message(r) for r in rows])

    def report_keyset(
        self,
        f: ReportFilter,
        *,
        limit: int,
        older_than: int | None = None,
        newer_than: int | None = None,
    ) -> KeysetPage:
        """One page of the Mobile Report, newest first, by keyset on ``seq``: the cost of a page
        does not grow with how deep it is (OFFSET would read every row it skips)."""
        clauses, params = _conditions(f)
        ascending = newer_than is not None and older_than is None
        if older_than is not None:
            clauses.append("seq < ?")
            params.append(older_than)
        if newer_than is not None:
            clauses.append("seq > ?")
            params.append(newer_than)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "ASC" if ascending else "DESC"
        rows = self.db.execute(
            f"SELECT seq, {_MESSAGE_COLUMNS} FROM messages {where} ORDER BY seq {order} LIMIT ?",
            [*params, limit + 1],
        ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if ascending:
            rows.reverse()
        seqs = [row[0] for row in rows]
        messages = [_message(row[1:]) for row in rows]
        # The side we came from has rows by construction; the side we walk toward has them when
        # the query found one more than a page.
        if ascending:
            has_newer, has_older = more, bool(rows)
        else:
            has_older, has_newer = more, older_than is not None
        return KeysetPage(messages, seqs, has_newer=has_newer, has_older=has_older)

    def count_upto(self, f: ReportFilter, cap: int, budget_s: float = 0.02) -> tuple[int, bool]:
        """How many messages match, counting no further than ``cap`` matches nor ``budget_s``
        of work; ``(count, complete)``. A sparse filter over a large index range would otherwise
        cost a walk of the whole range (at 10^6 messages, more than the page itself)."""
        clauses, params = _conditions(f)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        deadline = time.monotonic() + budget_s
        self.db.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)
        count = 0
        try:
            for _ in self.db.execute(f"SELECT 1 FROM messages {where} LIMIT ?", [*params, cap]):
                count += 1
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            return count, False
        finally:
            self.db.set_progress_handler(None, 0)
        return count, True

    def received_by(self, destination: str, limit: int) -> list[Message]:
        rows = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE destination = ? AND status = "
            "'received' ORDER BY updated_at DESC, seq DESC LIMIT ?",
            (destination, limit),
        ).fetchall()
        return [_message(r) for r in rows]

    def recent_destinations(self, count: int, scan: int = 500) -> list[str]:
        """Distinct destinations among the newest ``scan`` messages, newest first (bounded)."""
        rows = self.db.execute(
            "SELECT destination FROM messages ORDER BY seq DESC LIMIT ?", (scan,)
        ).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))[:count]

    def unfinished(self, terminal: Iterable[str]) -> list[Message]:
        ends = sorted(terminal)
        marks = ", ".join("?" for _ in ends)
        rows = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE status NOT IN ({marks}) ORDER BY seq",
            ends,
        ).fetchall()
        return [_message(r) for r in rows]

    def counts_by_status(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, count(*) FROM messages GROUP BY status")
        return {status: count for status, count in rows}

    def reset(self) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM messages")
            self.db.execute("DELETE FROM applications")
