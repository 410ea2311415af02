"""Workflow > Inline Hooks: the list, Add Inline Hook > Telephony, a hook's page with edit,
activate, deactivate and delete, and its Preview tab. Every change goes through the backend's
own operations, so the rules and messages are the management API's."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mocks.okta import flows
from mocks.okta.classify import Outcome
from mocks.okta.console import preview
from mocks.okta.console.hook_form import AUTH_TYPES, CLIENT_AUTH_TYPES, HookForm, field_errors
from mocks.okta.console.render import admin_actor, client_ip, org_url, page, runtime
from mocks.okta.console.session import admin_page, checked_form, console_path, flash
from mocks.okta.errors import MalformedBody, NotFound, OktaError
from mocks.okta.hooks import InlineHook
from mocks.okta.telephony import CHANNELS, REQUEST_TYPES

SECTION = "hooks"
TYPE_LABELS = {"com.okta.telephony.provider": "Telephony"}
# The hook types Okta's Add Inline Hook menu lists; the mock implements Telephony only.
OTHER_TYPES = ["Password Import", "Registration", "SAML", "Token", "User Import"]


def _hook(request: Request) -> InlineHook:
    return runtime(request).backend.hooks.get(request.path_params["id"])


def _to_hook(request: Request, hook: InlineHook, tab: str = "hook") -> Response:
    return RedirectResponse(console_path(request, tab, id=hook.id), status_code=303)


@admin_page
async def list_hooks(request: Request) -> Response:
    hooks = runtime(request).backend.hooks.list()
    return page(
        request,
        "hooks_list.html",
        section=SECTION,
        title="Inline Hooks",
        hooks=hooks,
        type_labels=TYPE_LABELS,
        other_types=OTHER_TYPES,
    )


def _form_page(
    request: Request,
    form: HookForm,
    *,
    hook: InlineHook | None,
    error: OktaError | None = None,
) -> Response:
    return page(
        request,
        "hook_form.html",
        section=SECTION,
        status=400 if error else 200,
        title="Edit Inline Hook" if hook else "Add Inline Hook",
        hook=hook,
        form=form,
        auth_types=AUTH_TYPES,
        client_auth_types=CLIENT_AUTH_TYPES,
        error_summary=error.summary if error else None,
        causes=error.causes if error else [],
        errors=field_errors(error.causes) if error else {},
    )


@admin_page
async def new_hook(request: Request) -> Response:
    return _form_page(request, HookForm(), hook=None)


@admin_page
async def create_hook(request: Request) -> Response:
    form = HookForm.from_form(await checked_form(request))
    try:
        hook = runtime(request).backend.create_hook(
            form.definition(), client_ip(request), actor=admin_actor(request)
        )
    except OktaError as exc:
        return _form_page(request, form, hook=None, error=exc)
    flash(request, "success", f"Inline hook \u201c{hook.name}\u201d saved. It is Active.")
    return _to_hook(request, hook)


@admin_page
async def show_hook(request: Request) -> Response:
    hook = _hook(request)
    return page(
        request,
        "hook_view.html",
        section=SECTION,
        title=hook.name,
        hook=hook,
        type_labels=TYPE_LABELS,
        tab="view",
    )


@admin_page
async def edit_hook(request: Request) -> Response:
    hook = _hook(request)
    return _form_page(request, HookForm.from_hook(hook), hook=hook)


@admin_page
async def update_hook(request: Request) -> Response:
    hook = _hook(request)
    form = HookForm.from_form(await checked_form(request))
    try:
        runtime(request).backend.replace_hook(
            hook.id, form.definition(), client_ip(request), actor=admin_actor(request)
        )
    except OktaError as exc:
        return _form_page(request, form, hook=hook, error=exc)
    flash(request, "success", f"Inline hook \u201c{hook.name}\u201d saved.")
    return _to_hook(request, hook)


def _lifecycle(verb: str) -> Any:
    @admin_page
    async def change(request: Request) -> Response:
        hook = _hook(request)
        await checked_form(request)
        backend = runtime(request).backend
        operation = backend.activate_hook if verb == "activate" else backend.deactivate_hook
        try:
            operation(hook.id, client_ip(request), actor=admin_actor(request))
        except OktaError as exc:
            flash(request, "error", "; ".join(exc.causes) or exc.summary)
        else:
            done = "activated" if verb == "activate" else "deactivated"
            flash(request, "success", f"Inline hook \u201c{hook.name}\u201d {done}.")
        return _to_hook(request, hook)

    change.__name__ = f"{verb}_hook"
    return change


@admin_page
async def confirm_delete(request: Request) -> Response:
    hook = _hook(request)
    return page(request, "hook_delete.html", section=SECTION, title="Delete Inline Hook", hook=hook)


@admin_page
async def delete_hook(request: Request) -> Response:
    hook = _hook(request)
    await checked_form(request)
    try:
        runtime(request).backend.delete_hook(
            hook.id, client_ip(request), actor=admin_actor(request)
        )
    except OktaError as exc:
        flash(request, "error", "; ".join(exc.causes) or exc.summary)
        return _to_hook(request, hook)
    flash(request, "success", f"Inline hook \u201c{hook.name}\u201d deleted.")
    return RedirectResponse(console_path(request, "hooks"), status_code=303)


def _preview_choices(request: Request, source: Any) -> dict[str, Any]:
    users = runtime(request).backend.users.list()
    chosen_user = str(source.get("user", "")) or (users[0].id if users else "")
    return {
        "users": users,
        "user": chosen_user,
        "request_types": REQUEST_TYPES,
        "request_type": str(source.get("request_type", REQUEST_TYPES[0])),
        "channels": CHANNELS,
        "channel": str(source.get("channel", CHANNELS[0])),
        "phone_number": str(source.get("phone_number", "")),
    }


def _preview_page(request: Request, hook: InlineHook, **context: Any) -> Response:
    context.setdefault("request_body", "")
    context.setdefault("answer", None)
    context.setdefault("outcome", None)
    context.setdefault("error", None)
    context.setdefault("fallback_note", False)
    return page(
        request,
        "hook_preview.html",
        section=SECTION,
        title=hook.name,
        hook=hook,
        type_labels=TYPE_LABELS,
        tab="preview",
        **context,
    )


@admin_page
async def show_preview(request: Request) -> Response:
    hook = _hook(request)
    return _preview_page(request, hook, **_preview_choices(request, request.query_params))


@admin_page
async def run_preview(request: Request) -> Response:
    """``Generate Request`` builds the sample; ``View Response`` sends the (possibly edited)
    request to the hook through the flows' own hook call: same timeout, no fallback."""
    hook = _hook(request)
    form = await checked_form(request)
    rt = runtime(request)
    choices = _preview_choices(request, form)
    if form.get("action") != "send":
        user = None
        if choices["user"]:
            try:
                user = rt.backend.users.get(choices["user"])
            except NotFound:
                user = None
        profile = user.profile if user is not None else preview.SAMPLE_PROFILE
        phone = choices["phone_number"] or profile.get("mobilePhone") or "+64211234567"
        if choices["request_type"] not in REQUEST_TYPES or choices["channel"] not in CHANNELS:
            error = "Choose a request type and a channel."
            return _preview_page(request, hook, error=error, **choices)
        choices["phone_number"] = phone
        body = preview.sample_request(
            hook_id=hook.id,
            org_url=rt.org_url or org_url(request),
            user=user,
            request_type=choices["request_type"],
            channel=choices["channel"],
            phone_number=phone,
            now=rt.backend.clock(),
            otp_ttl_s=rt.backend.otp_ttl_s,
            ip_address=client_ip(request),
        )
        return _preview_page(request, hook, request_body=json.dumps(body, indent=2), **choices)
    text = str(form.get("request_body", ""))
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        error = MalformedBody().summary
        return _preview_page(request, hook, request_body=text, error=error, **choices)
    try:
        answer, verdict = await flows.execute(rt, hook, body)
    except OktaError as exc:
        return _preview_page(request, hook, request_body=text, error=exc.summary, **choices)
    return _preview_page(
        request,
        hook,
        request_body=text,
        answer=preview.shown_answer(answer),
        outcome=verdict,
        fallback_note=verdict.outcome not in (Outcome.SUCCESSFUL, Outcome.PENDING),
        **choices,
    )


BASE = "/workflow/inline-hooks"
ROUTES = [
    Route(BASE, list_hooks, methods=["GET"], name="hooks"),
    Route(f"{BASE}/add/telephony", new_hook, methods=["GET"], name="hook_new"),
    Route(f"{BASE}/add/telephony", create_hook, methods=["POST"]),
    Route(BASE + "/{id}", show_hook, methods=["GET"], name="hook"),
    Route(BASE + "/{id}/edit", edit_hook, methods=["GET"], name="hook_edit"),
    Route(BASE + "/{id}/edit", update_hook, methods=["POST"]),
    Route(BASE + "/{id}/activate", _lifecycle("activate"), methods=["POST"], name="hook_activate"),
    Route(
        BASE + "/{id}/deactivate",
        _lifecycle("deactivate"),
        methods=["POST"],
        name="hook_deactivate",
    ),
    Route(BASE + "/{id}/delete", confirm_delete, methods=["GET"], name="hook_delete"),
    Route(BASE + "/{id}/delete", delete_hook, methods=["POST"]),
    Route(BASE + "/{id}/preview", show_preview, methods=["GET"], name="hook_preview"),
    Route(BASE + "/{id}/preview", run_preview, methods=["POST"]),
]
