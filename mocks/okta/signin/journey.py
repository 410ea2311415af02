"""The steps of the sign-in widget on the org's backend, with no HTTP: identify the user, send a
code through the same flows as ``POST /_mock/flows`` (so the telephony hook, its fallback and
Okta's limits all apply), check the code, and finish (signed in, unlocked, password reset) with
the System Log events Okta writes for them."""

from __future__ import annotations

from mocks.okta import events, flows
from mocks.okta.errors import NotFound, OktaError
from mocks.okta.flow_model import Flow
from mocks.okta.runtime import Runtime
from mocks.okta.signin import messages, passwords
from mocks.okta.signin.sessions import MAX_CODE_ATTEMPTS, Journey, Notice
from mocks.okta.system_log import Entity
from mocks.okta.users import User

# What a sign-in writes besides the journey's own event (events.VERIFIED_EVENTS).
AFTER_EVENTS = {"mfa-verification": [("user.session.start", "User login to Okta")]}


def user_of(runtime: Runtime, journey: Journey) -> User | None:
    """The journey's user, or None when there is none (or the org was reset meanwhile)."""
    if journey.user_id is None:
        return None
    try:
        return runtime.backend.users.get(journey.user_id)
    except NotFound:
        return None


def flow_of(runtime: Runtime, flow_id: str | None) -> Flow | None:
    return runtime.backend.flows.get(flow_id) if flow_id else None


def phone_of(user: User) -> str | None:
    # The phone run_flow sends to when the request names none.
    return user.profile.get("mobilePhone") or user.profile.get("primaryPhone") or None


def identify(runtime: Runtime, journey: Journey, username: str) -> str | None:
    """Step 1: the username. An error message, or None when the user was found."""
    username = username.strip()
    if not username:
        return messages.BLANK
    try:
        user = runtime.backend.users.get(username)
    except NotFound:
        return messages.UNKNOWN_USER.format(username=username)
    journey.user_id = user.id
    return None


def sms_refusal(runtime: Runtime, journey: Journey) -> str | None:
    """Why Security > Authenticators does not let this journey send an SMS (for QA), or None.
    Okta then does not offer SMS at all, so no code is asked for."""
    refused = runtime.backend.phone.refusal(journey.purpose, "SMS")
    return refused.message if refused else None


async def send_code(
    runtime: Runtime, journey: Journey, user: User, *, org_url: str, client_ip: str
) -> None:
    """ "Receive a code via SMS" (and "Send again"): one flow of the journey's request type."""
    if phone_of(user) is None:
        journey.notices.append(Notice("error", messages.NO_PHONE))
        return
    if sms_refusal(runtime, journey) is not None:
        journey.notices.append(Notice("error", messages.SMS_OFF))
        return
    spec = flows.FlowSpec(user=user.id, request_type=journey.purpose, channel="SMS")
    try:
        flow = await flows.run_flow(runtime, spec, org_url=org_url, client_ip=client_ip)
    except OktaError as exc:  # the org's in-flight limit (429), a profile without a phone
        journey.notices.append(Notice("error", exc.summary))
        return
    journey.last_flow_id = flow.id
    if flow.otp is not None:
        # A new code replaces the one before, as when Okta sends again.
        journey.flow_id, journey.wrong_codes = flow.id, 0
    error = messages.user_error(flow)
    if error:
        journey.notices.append(Notice("error", error))


def check_code(runtime: Runtime, journey: Journey, code: str, *, client_ip: str) -> bool:
    """Step 3: the code. True when it verified; otherwise the reason is in the notices."""
    code = code.strip()
    flow = flow_of(runtime, journey.flow_id)
    if not code:
        journey.notices.append(Notice("error", messages.BLANK))
        return False
    if flow is None:
        journey.notices.append(Notice("error", messages.NO_CODE_YET))
        return False
    if journey.wrong_codes >= MAX_CODE_ATTEMPTS:
        journey.notices.append(Notice("error", messages.TOO_MANY_TRIES))
        return False
    result = flow.verify(code, runtime.backend.clock())
    error = messages.code_result(result)
    if error is None:
        journey.verified = True
        return True
    if result == "INVALID":
        journey.wrong_codes += 1
        if journey.purpose == "mfa-verification":
            _failed_mfa(runtime, flow, client_ip)
    journey.notices.append(Notice("error", error))
    return False


def finish(runtime: Runtime, journey: Journey, user: User, *, client_ip: str) -> None:
    """The journey's end after the code verified: the user signed in, unlocked, or (after the
    new password passed the policy) reset."""
    if journey.purpose == "account-unlock" and user.status == "LOCKED_OUT":
        user.status = "ACTIVE"
    if journey.purpose == "password-reset":
        # The mock's users sign in by SMS only, so it keeps no password: it records the change.
        user.password_changed = runtime.backend.clock()
    journey.finished = True
    flow = flow_of(runtime, journey.flow_id)
    person = Entity(user.id, "User", user.login, _display_name(user))
    events.code_verified(
        runtime.backend.log,
        request_type=journey.purpose,
        channel=flow.channel if flow else "SMS",
        user=person,
        flow_id=flow.id if flow else None,
        client_ip=client_ip,
    )
    for event_type, display in AFTER_EVENTS.get(journey.purpose, []):
        runtime.backend.log.emit(
            event_type,
            display,
            actor=person,
            targets=(person,),
            debug_data={"flowId": flow.id if flow else ""},
            client_ip=client_ip,
        )


def new_password_problem(journey: Journey, user: User, password: str, again: str) -> str | None:
    if not journey.verified or journey.purpose != "password-reset":
        return messages.SESSION_EXPIRED
    return passwords.problem(password, again, login=user.login)


def _failed_mfa(runtime: Runtime, flow: Flow, client_ip: str) -> None:
    user = Entity(flow.user_id, "User", flow.login, None)
    runtime.backend.log.emit(
        "user.authentication.auth_via_mfa",
        "Authentication of user via MFA",
        result="FAILURE",
        reason="INVALID_CREDENTIALS",
        severity="WARN",
        actor=user,
        targets=(user,),
        debug_data={"factor": "SMS_FACTOR", "flowId": flow.id},
        client_ip=client_ip,
    )


def _display_name(user: User) -> str:
    return f"{user.profile.get('firstName', '')} {user.profile.get('lastName', '')}".strip()
