"""The System Log events around a telephony hook call and a send (CONTRACT.md §4).

``debugData`` values are strings, as Okta writes them; the phone number is masked and no OTP,
message text or header value ever appears.
"""

from __future__ import annotations

from typing import Any

import phonenumbers

from mocks.okta import ids
from mocks.okta.backend import hook_entity
from mocks.okta.classify import Outcome, Verdict
from mocks.okta.flow_model import Flow, mask_phone
from mocks.okta.hook_caller import HookAnswer
from mocks.okta.hooks import InlineHook
from mocks.okta.system_log import Entity, SystemLog

SEND_EVENTS = {
    ("SMS", "pre-enrollment"): "system.sms.send_phone_verification_message",
    ("SMS", "mfa-verification"): "system.sms.send_factor_verify_message",
    ("SMS", "password-reset"): "system.sms.send_password_reset_message",
    ("SMS", "account-unlock"): "system.sms.send_account_unlock_message",
    ("voice call", "pre-enrollment"): "system.voice.send_phone_verification_call",
    ("voice call", "mfa-verification"): "system.voice.send_mfa_challenge_call",
    ("voice call", "password-reset"): "system.voice.send_password_reset_call",
    ("voice call", "account-unlock"): "system.voice.send_account_unlock_call",
}


# What Okta writes when the user entered the code, per request type (the EVENT AGREEMENT the
# connector's /okta/events reads: CONTRACT.md §6). Only on success.
VERIFIED_EVENTS = {
    "mfa-verification": ("user.authentication.auth_via_mfa", "Authentication of user via MFA"),
    "pre-enrollment": ("user.mfa.factor.activate", "Activate factor or authenticator for user"),
    "account-unlock": ("user.account.unlock", "User account unlocked by self-service"),
    "password-reset": ("user.account.reset_password", "Reset password for Okta user"),
}
# The two events about a factor name it in debugData.factor.
FACTOR_EVENTS = frozenset({"mfa-verification", "pre-enrollment"})


def code_verified(
    log: SystemLog,
    *,
    request_type: str,
    channel: str,
    user: Entity,
    flow_id: str | None,
    client_ip: str | None,
) -> dict[str, Any]:
    """The System Log event of a code entered right: for the factor events the SMS (or voice)
    factor in ``debugData.factor`` and the Phone enrolment as a second target; the user as
    actor and first target; outcome SUCCESS."""
    event_type, display = VERIFIED_EVENTS[request_type]
    debug: dict[str, str] = {"flowId": flow_id or ""}
    targets = [user]
    if request_type in FACTOR_EVENTS:
        debug["factor"] = "SMS_FACTOR" if channel == "SMS" else "CALL_FACTOR"
        targets.append(Entity(ids.okta_id("pae"), "AuthenticatorEnrollment", None, "Phone"))
    return log.emit(
        event_type,
        display,
        actor=user,
        targets=tuple(targets),
        debug_data=debug,
        client_ip=client_ip,
    )


def flow_verified(log: SystemLog, flow: Flow, *, client_ip: str | None) -> None:
    """``code_verified`` for a flow of ``POST /_mock/flows`` whose code was just verified."""
    code_verified(
        log,
        request_type=flow.request_type,
        channel=flow.channel,
        user=Entity(flow.user_id, "User", flow.login, None),
        flow_id=flow.id,
        client_ip=client_ip,
    )


def country_iso2(phone: str) -> str | None:
    """The number's country (``NZ``), when it carries a country code."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number)


def hook_call(
    log: SystemLog, hook: InlineHook, answer: HookAnswer, verdict: Verdict, actor: Entity
) -> None:
    """``inline_hook.response.processed`` after every HTTP answer; ``inline_hook.executed`` with
    outcome FAILURE when the call gave no usable answer."""
    debug = {
        "inlineHookId": hook.id,
        "inlineHookType": hook.type,
        "inlineHookOutcome": str(verdict.outcome),
        "durationMs": str(answer.duration_ms),
    }
    if answer.http_status is not None:
        debug["httpStatus"] = str(answer.http_status)
        processed_ok = verdict.outcome in (Outcome.SUCCESSFUL, Outcome.PENDING)
        log.emit(
            "inline_hook.response.processed",
            "Inline hook response processed",
            result="SUCCESS" if processed_ok else "FAILURE",
            reason=None if processed_ok else verdict.error_summary,
            severity="INFO" if processed_ok else "WARN",
            actor=actor,
            targets=(hook_entity(hook),),
            debug_data=debug,
        )
    if verdict.execution_failed:
        log.emit(
            "inline_hook.executed",
            "Inline hook execution failed",
            result="FAILURE",
            reason=verdict.error_summary,
            severity="WARN",
            actor=actor,
            targets=(hook_entity(hook),),
            debug_data=debug,
        )


def send(log: SystemLog, flow: Flow, actor: Entity, *, client_ip: str | None) -> None:
    """The send event of a flow (outcome DENY when nothing could be sent), then the provider's
    delivery status when Okta's own provider sent it."""
    voice = flow.channel != "SMS"
    failover_key = "is_call_hook_failover" if voice else "is_sms_hook_failover"
    debug: dict[str, str] = {
        "requestType": f"com.okta.user.telephony.{flow.request_type}",
        failover_key: "true" if flow.fallback else "false",
        "phone_number": mask_phone(flow.phone_number),
        "country_code_iso2": country_iso2(flow.phone_number) or "",
        "provider": "INLINE_HOOK" if flow.delivery_via == "HOOK" else "OKTA",
    }
    if flow.delivery_transaction_id:
        debug["transaction_id"] = flow.delivery_transaction_id
    if flow.hook_id:
        debug["inline_hook_id"] = flow.hook_id
    if flow.verdict is not None and flow.verdict.fallback:
        debug["hook_error_message"] = (
            flow.verdict.error_summary or flow.verdict.end_user_message or str(flow.outcome)
        )
    if flow.outcome is Outcome.DENY:
        result, reason = "DENY", "Rate limit exceeded for this phone number"
    elif not flow.delivery_sent:
        result, reason = "DENY", "Fallback provider rate limit exceeded"
    else:
        result, reason = "SUCCESS", None
    kind = "voice call" if voice else "SMS"
    log.emit(
        SEND_EVENTS[(flow.channel, flow.request_type)],
        f"Send {kind} for {flow.request_type.replace('-', ' ')}",
        result=result,
        reason=reason,
        severity="INFO" if result == "SUCCESS" else "WARN",
        actor=actor,
        targets=(Entity(flow.user_id, "User", flow.login, None),),
        debug_data=debug,
        client_ip=client_ip,
    )
    if flow.delivery_sent and flow.delivery_via != "HOOK":
        log.emit(
            "system.voice.receive_status" if voice else "system.sms.receive_status",
            f"Received {kind} delivery status",
            actor=actor,
            targets=(Entity(flow.user_id, "User", flow.login, None),),
            debug_data={
                "transaction_id": flow.delivery_transaction_id or "",
                "phone_number": mask_phone(flow.phone_number),
                "status": "delivered",
            },
        )
