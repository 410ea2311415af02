"""Workflow > Event Hooks: the list, Create Event Hook, and per hook Verify, Activate,
Deactivate and Delete. Every change goes through the backend's own operations (and Verify
through the same verification call as the API), so the rules and messages are the API's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mocks.okta import event_dispatch
from mocks.okta.console.render import admin_actor, client_ip, page, runtime
from mocks.okta.console.session import admin_page, checked_form, console_path, flash
from mocks.okta.errors import OktaError
from mocks.okta.event_hook_rules import ELIGIBLE_EVENT_TYPES

SECTION = "event_hooks"
# "The user entered the code": the connector's conversion feedback, offered first.
CODE_ENTERED = (
    "user.authentication.auth_via_mfa",
    "user.mfa.factor.activate",
    "user.account.unlock",
    "user.account.reset_password",
)
EVENT_CHOICES = [*CODE_ENTERED, *sorted(ELIGIBLE_EVENT_TYPES - set(CODE_ENTERED))]
# errorCauses paths to the form's fields, for the messages shown under each field.
FIELD_OF_PATH = {
    "name": "name",
    "events": "events",
    "channel.config.uri": "url",
    "channel.config.authScheme": "auth",
    "channel.config.headers": "header",
}


@dataclass
class EventHookForm:
    name: str = ""
    url: str = ""
    auth_field: str = "Authorization"
    auth_secret: str = ""
    header_key: str = ""
    header_value: str = ""
    events: list[str] = field(default_factory=lambda: list(CODE_ENTERED))

    @classmethod
    def from_form(cls, form: FormData) -> EventHookForm:
        def text(name: str) -> str:
            value = form.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        events = [e for e in form.getlist("events") if isinstance(e, str)]
        return cls(
            text("name"),
            text("url"),
            text("auth_field"),
            text("auth_secret"),
            text("header_key"),
            text("header_value"),
            events,
        )

    def definition(self) -> dict[str, Any]:
        """The management API's createEventHook body for what the admin entered."""
        config: dict[str, Any] = {"uri": self.url, "headers": []}
        if self.header_key or self.header_value:
            config["headers"].append({"key": self.header_key, "value": self.header_value})
        if self.auth_field or self.auth_secret:
            config["authScheme"] = {
                "type": "HEADER",
                "key": self.auth_field,
                "value": self.auth_secret,
            }
        return {
            "name": self.name,
            "events": {"type": "EVENT_TYPE", "items": self.events},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": config},
        }


def field_errors(causes: list[str]) -> dict[str, list[str]]:
    """Each cause under the field it is about (the rest show in the box above the form)."""
    errors: dict[str, list[str]] = {}
    for cause in causes:
        path, _, message = cause.partition(": ")
        target = next(
            (name for prefix, name in FIELD_OF_PATH.items() if path.startswith(prefix)), None
        )
        if target is not None:
            errors.setdefault(target, []).append(message or cause)
    return errors


def _to_list(request: Request) -> Response:
    return RedirectResponse(console_path(request, "event_hooks"), status_code=303)


@admin_page
async def list_hooks(request: Request) -> Response:
    hooks = runtime(request).backend.event_hooks.all()
    return page(request, "event_hooks_list.html", section=SECTION, title="Event Hooks", hooks=hooks)


def _form_page(request: Request, form: EventHookForm, error: OktaError | None = None) -> Response:
    return page(
        request,
        "event_hook_form.html",
        section=SECTION,
        status=400 if error else 200,
        title="Create Event Hook",
        form=form,
        choices=EVENT_CHOICES,
        error_summary=error.summary if error else None,
        causes=error.causes if error else [],
        errors=field_errors(error.causes) if error else {},
    )


@admin_page
async def new_hook(request: Request) -> Response:
    return _form_page(request, EventHookForm())


@admin_page
async def create_hook(request: Request) -> Response:
    form = EventHookForm.from_form(await checked_form(request))
    try:
        hook = runtime(request).backend.create_event_hook(
            form.definition(), client_ip(request), actor=admin_actor(request)
        )
    except OktaError as exc:
        return _form_page(request, form, exc)
    flash(
        request,
        "success",
        f"Event hook \u201c{hook.name}\u201d saved. It is Active and Unverified: Verify it "
        "before Okta delivers events to it.",
    )
    return _to_list(request)


@admin_page
async def verify_hook(request: Request) -> Response:
    rt = runtime(request)
    hook = rt.backend.event_hooks.get(request.path_params["id"])
    await checked_form(request)
    failure = await event_dispatch.verify(rt, hook)
    rt.backend.event_hook_verified(hook, failure, client_ip(request), actor=admin_actor(request))
    if failure is None:
        flash(request, "success", f"Event hook \u201c{hook.name}\u201d verified.")
    else:
        flash(request, "error", f"Event hook \u201c{hook.name}\u201d not verified: {failure}")
    return _to_list(request)


def _lifecycle(verb: str) -> Any:
    @admin_page
    async def change(request: Request) -> Response:
        rt = runtime(request)
        hook = rt.backend.event_hooks.get(request.path_params["id"])
        await checked_form(request)
        operations = {
            "activate": rt.backend.activate_event_hook,
            "deactivate": rt.backend.deactivate_event_hook,
            "delete": rt.backend.delete_event_hook,
        }
        try:
            operations[verb](hook.id, client_ip(request), actor=admin_actor(request))
        except OktaError as exc:
            flash(request, "error", "; ".join(exc.causes) or exc.summary)
        else:
            done = {"activate": "activated", "deactivate": "deactivated", "delete": "deleted"}
            flash(request, "success", f"Event hook \u201c{hook.name}\u201d {done[verb]}.")
        return _to_list(request)

    change.__name__ = f"{verb}_event_hook"
    return change


BASE = "/workflow/event-hooks"
ROUTES = [
    Route(BASE, list_hooks, methods=["GET"], name="event_hooks"),
    Route(f"{BASE}/create", new_hook, methods=["GET"], name="event_hook_new"),
    Route(f"{BASE}/create", create_hook, methods=["POST"]),
    Route(BASE + "/{id}/verify", verify_hook, methods=["POST"], name="event_hook_verify"),
    *(
        Route(
            f"{BASE}/{{id}}/{verb}", _lifecycle(verb), methods=["POST"], name=f"event_hook_{verb}"
        )
        for verb in ("activate", "deactivate", "delete")
    ),
]
