"""What ``doctor`` reports: one line per check, ✓, ✗ or skipped, with the fix in the setup
guide's words (its Troubleshooting section, CONTRACT.md §5)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PASS, FAIL, SKIP = "pass", "fail", "skip"
MARK = {PASS: "✓", FAIL: "✗", SKIP: "-"}

# The guide's words for each fix.
FIX_NO_HOOK = (
    "Add the hook in Okta: Workflow > Inline Hooks > Add Inline Hook > Telephony"
    " (or run `ezitxt-okta register`)"
)
FIX_INACTIVE = "Activate the hook in Okta: Workflow > Inline Hooks > the hook > Activate"
FIX_URL = "Copy the URL from EZITXT's Okta Setup Values into the hook's URL in Okta"
FIX_AUTH = (
    "Set the hook's authentication to HTTP headers with EZITXT's Authentication Field and"
    " Authentication Secret"
)
FIX_SECRET = (
    "the updated secret was not copied into Okta: copy the new Authentication Secret into the"
    " hook (or run `ezitxt-okta rotate`)"
)
FIX_SMS_USE = "Enable SMS for this use in Okta: Security > Authenticators > Phone"
FIX_BLOCKED = "the receiving handset or carrier is blocking SMS delivery"
FIX_NUMBER = (
    "the user's phone number is incorrectly formatted in Okta: correct it in Directory > People"
)
FIX_401 = "the secret: the hook's Authentication Secret is not EZITXT's current password"
FIX_OKTA_TOKEN = (
    "Check the Okta API token (--okta-token, OKTA_API_TOKEN): it is wrong, expired or revoked;"
    " make one in Okta: Security > API > Tokens"
)
FIX_OKTA_PERMISSION = (
    "The API token's admin may not manage inline hooks: use a token of a super or org admin"
)
FIX_TIMEOUT = "the connector is unreachable or slow: check that it runs and answers Okta within 3 s"


@dataclass
class Check:
    section: str
    name: str
    status: str
    detail: str = ""
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        head = f"{MARK[self.status]} {self.name}" + (f": {self.detail}" if self.detail else "")
        return [head] + ([f"    fix: {self.fix}"] if self.fix and self.status == FAIL else [])

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def render(checks: list[Check]) -> str:
    out: list[str] = []
    section = None
    for check in checks:
        if check.section != section:
            section = check.section
            out.append(f"{section}")
        out.extend("  " + line for line in check.lines())
    failed = sum(c.status == FAIL for c in checks)
    out.append(f"{failed} problem(s) found" if failed else "no problem found")
    return "\n".join(out)
