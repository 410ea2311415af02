"""Secrets read from files: each secret-bearing setting ``X`` may come as ``X_FILE``, the path of
a file holding it, as container platforms mount secrets (Docker and Kubernetes secrets).

The file's content is the value, less one trailing newline (editors and ``echo`` add one). A
value given both ways is refused: which one would be meant?
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

# A secret file is a few hundred bytes; anything far larger is not one (a wrong path).
MAX_SECRET_FILE_BYTES = 256 * 1024


def read_secret_file(path: str) -> str:
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_SECRET_FILE_BYTES:
            raise ValueError(f"{path} is {size} bytes: not a secret file")
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None
    return text.removesuffix("\n").removesuffix("\r")


def fill_from_files(values: Any, names: Iterable[str]) -> Any:
    """``values`` (a settings mapping before validation) with each ``name_file`` read into
    ``name``. The message of an error names the variable, never the secret."""
    if not isinstance(values, dict):
        return values
    filled = dict(values)
    for name in names:
        path = filled.pop(f"{name}_file", None)
        if path in (None, ""):
            continue
        if filled.get(name) not in (None, ""):
            raise ValueError(f"{name.upper()} and {name.upper()}_FILE are both set; set one")
        try:
            filled[name] = read_secret_file(str(path))
        except ValueError as exc:
            raise ValueError(f"{name.upper()}_FILE: {exc}") from None
    return filled
