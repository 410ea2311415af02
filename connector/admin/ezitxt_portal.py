"""EZITXT's portal API: Integrations > API Configuration (applications, Generate New Password,
Okta Setup Values) and the Mobile Report (CONTRACT.md §5). The paths are the portal's as the
mock EZITXT serves them (mocks/ezitxt/routes_admin.py, routes_reports.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

TIMEOUT_S = 15.0


class PortalError(RuntimeError):
    def __init__(self, what: str, status: int) -> None:
        super().__init__(f"EZITXT {what}: HTTP {status}")
        self.status = status


class Portal:
    def __init__(self, url: str, *, verify: bool | str = True) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        # Per request, not session.verify: requests lets REQUESTS_CA_BUNDLE override the
        # session's CA (psf/requests#3829), which would ignore --ca-file.
        self.verify = verify

    def close(self) -> None:
        self.session.close()

    def call(
        self, what: str, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kw: Any
    ) -> Any:
        response = self.session.request(
            method, self.url + path, timeout=TIMEOUT_S, verify=self.verify, **kw
        )
        if response.status_code not in ok:
            raise PortalError(what, response.status_code)
        return response.json() if response.content else None

    def application(self, name: str) -> dict[str, Any] | None:
        """The application page (setup values without the secret), None when there is none."""
        path = f"/api/applications/{quote(name, safe='')}"
        found: dict[str, Any] | None = self.call("application", "GET", path, ok=(200, 404))
        return found if found and "applicationName" in found else None

    def create_application(self, name: str) -> dict[str, Any]:
        made: dict[str, Any] = self.call(
            "create application", "POST", "/api/applications", json={"name": name}, ok=(201,)
        )
        return made

    def generate_password(self, name: str) -> dict[str, Any]:
        """Generate New Password: the new secret and setup values, shown this once; the
        previous password stops working at once."""
        path = f"/api/applications/{quote(name, safe='')}/password"
        new: dict[str, Any] = self.call("Generate New Password", "POST", path)
        return new

    def report(self, **filters: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.call(
            "Mobile Report", "GET", "/api/reports/mobile", params=filters
        )
        return found

    def report_entry(self, message_id: str) -> dict[str, Any] | None:
        path = f"/api/reports/mobile/{quote(message_id, safe='')}"
        found: dict[str, Any] | None = self.call("Mobile Report entry", "GET", path, ok=(200, 404))
        return found if found and "messageId" in found else None
