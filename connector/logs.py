"""Structured logs, JSON by default (DESIGN.md decision 5).

``CallLog`` writes the one line per hook call; everything else (start, errors) goes through
``logging`` with the same formats, where a record's ``fields`` (``extra={"fields": {...}}``)
become top-level keys. Callers put only safe values in fields: never an OTP, a message text,
a credential or a full phone number.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import sys
import time
from typing import IO, Any

import orjson

HOOK_LOGGER = "ezitxt.hook"
# Writes up to this size reach a pipe whole, never interleaved with another process's.
PIPE_BUF = getattr(select, "PIPE_BUF", 512)
_HANDLER_NAME = "ezitxt-okta"
# What follows the time in every call line, as bytes: the line is spliced, not merged
# (``CallLog.write``).
_HEAD = orjson.dumps({"level": "info", "logger": HOOK_LOGGER, "msg": "telephony hook"})[1:-1]


class JsonFormatter(logging.Formatter):
    """One JSON object a line; built with orjson, as it runs once per hook call."""

    _second = -1
    _stamp = ""
    _last: tuple[int, str] = (-1, "")  # a millisecond and its text, one value for threads

    def timestamp(self, created: float) -> str:
        # The text of the last millisecond kept, as a loaded worker writes many lines in one:
        # 0.59 against 0.19 µs a line (``python -m timeit``, 2026-12-06); strftime once a
        # second, not once a line: 0.48 against 1.49 µs a line (micro_ab).
        milli = int(created * 1000)
        last = self._last
        if last[0] == milli:
            return last[1]
        second = milli // 1000
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        text = f"{self._stamp}.{milli - second * 1000:03d}Z"
        self._last = (milli, text)
        return text

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": self.timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's text may quote a value from the request.
            line["exception"] = record.exc_info[0].__name__
        return orjson.dumps(line, default=str).decode()


class PrettyFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        pairs = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        head = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}"
        return f"{head} {pairs}".rstrip()


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Send the project's loggers to stdout in ``log_format``; safe to call more than once."""
    root = logging.getLogger("ezitxt")
    root.setLevel(level)
    formatter = JsonFormatter() if log_format == "json" else PrettyFormatter()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            handler.setFormatter(formatter)
            return
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root.addHandler(handler)


class CallLog:
    """The line each hook call leaves, written straight to a file descriptor (stdout).

    The hook's hot path: through ``logging`` and ``JsonFormatter`` a line costs 7.38 CPU µs,
    here 1.14 (``python -m loadtests.bench.micro_ab``, 2026-12-02). The lines of one turn
    of the event loop go out together at the end of that turn, in writes of at most
    ``PIPE_BUF`` bytes cut at line ends: whole lines even when several workers share one pipe,
    one system call for many calls under load, and nothing held past the turn that made it.
    """

    def __init__(self, log_format: str = "json", *, stream: IO[bytes] | None = None) -> None:
        self.pretty = log_format == "pretty"
        self._stream = stream
        self._stamp = JsonFormatter()
        self._pending: list[bytes] = []

    def write(self, fields: dict[str, Any]) -> None:
        now = time.time()
        if self.pretty:
            pairs = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
            clock = time.strftime("%H:%M:%S", time.localtime(now))
            line = f"{clock} INFO    {HOOK_LOGGER}: telephony hook {pairs}\n".encode()
        else:
            # The time and the fixed keys spliced in front of the fields' own dump, no merged
            # copy of the fields: write() 1.69 against 1.07 µs with the timestamp's kept text
            # (``python -m timeit``), 414,257 -> 411,137-411,424 instructions a hook answer
            # (served_cost --valgrind --requests 2000, 2026-12-06). Keys stay unique:
            # call_fields never names ts, level, logger or msg.
            dumped = orjson.dumps(fields, default=str, option=orjson.OPT_APPEND_NEWLINE)
            stamp = self._stamp.timestamp(now).encode()
            comma = b"," if len(dumped) > 3 else b""  # b"{}\n": no fields
            line = b"".join((b'{"ts":"', stamp, b'",', _HEAD, comma, dumped[1:]))
        if self._stream is not None:
            self._stream.write(line)
            return
        self._pending.append(line)
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no event loop: write at once
                self.flush()

    def flush(self) -> None:
        lines, self._pending = self._pending, []
        chunk = b""
        for line in lines:
            if chunk and len(chunk) + len(line) > PIPE_BUF:
                _write_all(chunk)
                chunk = b""
            chunk += line
        if chunk:
            _write_all(chunk)


def _write_all(data: bytes) -> None:
    try:
        while data:
            data = data[os.write(1, data) :]
    except OSError:
        pass  # a closed or full stdout must never fail a hook call
