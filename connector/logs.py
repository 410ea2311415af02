"""Structured logs: one line per hook call (DESIGN.md decision 5), JSON by default.

A record's ``fields`` (``extra={"fields": {...}}``) become top-level keys. Callers put only
safe values there: never an OTP, a message text, a credential or a full phone number.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

HOOK_LOGGER = "ezitxt.hook"
_HANDLER_NAME = "ezitxt-okta"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's text may quote a value from the request.
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False, default=str)


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
