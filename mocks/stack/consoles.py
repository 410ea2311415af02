"""The demo sign-in of both web consoles (the EZITXT portal and the Okta Admin Console) that the
stack passes to the mocks and prints: fixed, so a browser's saved login survives a restart; the
mocks listen on loopback only."""

from __future__ import annotations

DEMO_CONSOLE_USER = "qa@example.com"
DEMO_CONSOLE_PASSWORD = "Mock-Consoles-2026"
