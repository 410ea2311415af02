"""SQLite persistence of applications and messages (DESIGN.md decision 8).

WAL with ``synchronous=NORMAL``: a commit survives the process being killed (only an OS crash
may lose the last commits), and costs no fsync, so a message is committed before its 202 is
answered without slowing the gateway down. One connection, used from the event loop's thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mocks.common.timestamps import iso
from mocks.ezitxt.models import Application, Message, Page, ReportFilter, Transition

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
"""

_MESSAGE_COLUMNS = (
    "id, application, direction, source, destination, reference, content, msg_class, mask, "
    "scheduled, charset, units, transport, status, created_at, updated_at, history"
)


def _message(row: Sequence[Any]) -> Message:
    return Message(*row)


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
        """Messages matching ``f``, newest first."""
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
        if f.since is not None:
            clauses.append("created_at >= ?")
            params.append(f.since)
        if f.until is not None:
            clauses.append("created_at < ?")
            params.append(f.until)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        total = self.db.execute(f"SELECT count(*) FROM messages {where}", params).fetchone()[0]
        rows = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return Page(total, [_message(r) for r in rows])

    def received_by(self, destination: str, limit: int) -> list[Message]:
        rows = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE destination = ? AND status = "
            "'received' ORDER BY updated_at DESC, seq DESC LIMIT ?",
            (destination, limit),
        ).fetchall()
        return [_message(r) for r in rows]

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
