"""The EZITXT telephony inline hook for Okta.

Okta POSTs a telephony request to ``/okta/telephony``; the connector checks the caller,
validates the request against ``schemas/okta/telephony-request.schema.json``, sends the SMS
through the EZITXT gateway and answers inside Okta's 3-second budget. ``create_app`` builds it.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    # Importing the package stays cheap (the CLI imports it for --help); the app loads on use.
    if name == "create_app":
        from connector.app import create_app

        return create_app
    raise AttributeError(name)
