"""The seed document's setup, done through the APIs, one printed step at a time:

1. EZITXT: Integrations > API Configuration > Okta Inline Hook: create the application.
2. EZITXT: Generate New Password (shown once).
3. EZITXT: read the Okta Setup Values: URL, Authentication Field, Authentication Secret.
4. Okta: Workflow > Inline Hooks > Add Inline Hook > Telephony, authentication "HTTP headers",
   with those three values; or, with ``auth="oauth"``, "OAuth 2.0" with a service app of the
   org's authorization server (``mocks.stack.oauth_wiring``).
5. Okta: a demo user with a NZ mobile number.
6. Okta: Workflow > Event Hooks > Create Event Hook for the connector's ``/okta/events``, then
   Verify (``event_hook_wiring``), when the stack asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connector.admin.hooks import mask_secret
from mocks.stack import event_hook_wiring, oauth_wiring
from mocks.stack.clients import Api, okta_api
from mocks.stack.event_hook_wiring import EventHookSetup, EventHookWired

APPLICATION = "okta-inline-hook"
HOOK_NAME = "EZITXT SMS"
TELEPHONY = "com.okta.telephony.provider"
DEMO_USER = {
    "firstName": "Aroha",
    "lastName": "Ngata",
    "email": "aroha.ngata@example.co.nz",
    "login": "aroha.ngata@example.co.nz",
    "mobilePhone": "+64211234567",
}

Say = Callable[[str], None]


@dataclass(frozen=True)
class Wiring:
    application: str
    hook_url: str
    auth_field: str
    auth_secret: str  # the Authentication Secret, as Okta holds it
    hook_id: str
    user: dict[str, Any]
    oauth: oauth_wiring.OAuthClient | None = None
    event_hook: EventHookWired | None = None

    def connector_env(self) -> dict[str, str]:
        """The connector settings this wiring needs: none for header auth (pass-through)."""
        if self.oauth is None:
            return {}
        return oauth_wiring.connector_env(self.oauth, self.auth_secret)


def generate_password(ezitxt: Api, application: str) -> dict[str, Any]:
    path = f"/api/applications/{quote(application, safe='')}/password"
    values: dict[str, Any] = ezitxt.call("Generate New Password", "POST", path)["oktaSetupValues"]
    return values


def telephony_hook_body(name: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "type": TELEPHONY,
        "version": "1.0.0",
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": values["url"],
                "method": "POST",
                "headers": [],
                "authScheme": {
                    "type": "HEADER",
                    "key": values["authenticationField"],
                    "value": values["authenticationSecret"],
                },
            },
        },
    }


def wire(
    ezitxt_url: str,
    okta_url: str,
    api_token: str,
    *,
    say: Say,
    application: str = APPLICATION,
    user: dict[str, Any] | None = None,
    auth: str = "header",
    event_hook: EventHookSetup | None = None,
) -> Wiring:
    """The guide's steps; with ``event_hook``, step 6 registers and verifies the connector's
    event hook (``EventHookNotVerified`` when the connector does not answer the verification)."""
    ezitxt = Api(ezitxt_url)
    okta = okta_api(okta_url, api_token)
    try:
        say(f"1. EZITXT > Integrations > API Configuration > Okta Inline Hook: '{application}'")
        created = ezitxt.call(
            "create application", "POST", "/api/applications", json={"name": application},
            ok=(201, 409),
        )  # fmt: skip
        say("   created" if created and "applicationName" in created else "   already there")
        say("2. EZITXT > Generate New Password")
        values = generate_password(ezitxt, application)
        say("   new password generated (shown once; the previous one no longer works)")
        say("3. EZITXT > Okta Setup Values")
        say(f"   URL:                   {values['url']}")
        say(f"   Authentication Field:  {values['authenticationField']}")
        say(f"   Authentication Secret: {mask_secret(values['authenticationSecret'])}")
        client = None
        body = telephony_hook_body(HOOK_NAME, values)
        if auth == "oauth":
            client = oauth_wiring.create_client(okta, okta_url)
            say(f"4. Okta > Security > API > {oauth_wiring.SERVER}: scope {oauth_wiring.SCOPE};")
            say(f"   Applications > service app {client.client_id} (client_secret_post)")
            say("   Workflow > Inline Hooks > Add Inline Hook > Telephony (OAuth 2.0)")
            body = oauth_wiring.oauth_hook_body(HOOK_NAME, values, client)
        else:
            say("4. Okta > Workflow > Inline Hooks > Add Inline Hook > Telephony (HTTP headers)")
        hook = okta.call("create telephony inline hook", "POST", "/api/v1/inlineHooks", json=body)
        say(f"   '{hook['name']}' {hook['id']} {hook['status']} -> {values['url']}")
        profile = user or DEMO_USER
        say(f"5. Okta > Directory > People > Add Person: {profile['login']}")
        created_user = okta.call(
            "create user", "POST", "/api/v1/users?activate=true", json={"profile": profile}
        )
        masked = "***" + profile["mobilePhone"][-3:]
        say(f"   {created_user['id']} {created_user['status']} mobile {masked}")
        events = event_hook_wiring.register(okta, event_hook, say=say) if event_hook else None
        return Wiring(
            application=application,
            hook_url=values["url"],
            auth_field=values["authenticationField"],
            auth_secret=values["authenticationSecret"],
            hook_id=hook["id"],
            user=created_user,
            oauth=client,
            event_hook=events,
        )
    finally:
        ezitxt.close()
        okta.close()
