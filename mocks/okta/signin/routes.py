"""The end-user sign-in pages (HTTP only; the steps are in ``journey``):

GET  /                       the org's root: to the sign-in page, as Okta's is
GET  /signin                 Username (sign-in); /signin/unlock, /signin/forgot-password
POST /signin/identify        -> /signin/challenge "Receive a code via SMS"
POST /signin/challenge       sends the code -> /signin/verify
POST /signin/verify          the code -> /signin/done (or /signin/reset-password)
POST /signin/resend          "Send again", once the number's interval has passed
POST /signin/signout
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mocks.common.timestamps import iso
from mocks.okta.flow_model import mask_phone
from mocks.okta.signin import journey, messages
from mocks.okta.signin.forms import form_post, page, redirect, session_of, store
from mocks.okta.signin.sessions import PURPOSES, Notice, SignInSession
from mocks.okta.web import base_url, client_ip, runtime

OUTBOX_SIZE = 50

START = {
    "/signin": "mfa-verification",
    "/signin/unlock": "account-unlock",
    "/signin/forgot-password": "password-reset",
}
FINISHED = {  # heading, message
    "mfa-verification": ("Signed in", messages.SIGNED_IN),
    "account-unlock": ("Account unlocked", messages.UNLOCKED),
    "password-reset": ("Password reset", messages.PASSWORD_RESET),
}


def _session(request: Request) -> SignInSession:
    return session_of(request) or store(request).create()


def _start_url(session: SignInSession) -> str:
    return next(url for url, purpose in START.items() if purpose == session.journey.purpose)


def _expired(session: SignInSession) -> Response:
    """Back to the start of the journey, saying why (the org may have been reset meanwhile)."""
    url = _start_url(session)
    session.start(session.journey.purpose)
    session.journey.notices.append(Notice("error", messages.SESSION_EXPIRED))
    return redirect(session, url)


async def org_root(request: Request) -> Response:
    return RedirectResponse("/signin", status_code=302)


async def start(request: Request) -> Response:
    session = _session(request)
    purpose = START[request.url.path]
    kept = session.take_notices()
    session.start(purpose).notices.extend(kept)
    return page(request, session, "identify.html", {"title": PURPOSES[purpose]})


@form_post
async def identify(request: Request, session: SignInSession, form: dict[str, str]) -> Response:
    username = form.get("username", "")
    error = journey.identify(runtime(request), session.journey, username)
    if error:
        session.journey.notices.append(Notice("error", error))
        title = PURPOSES[session.journey.purpose]
        return page(request, session, "identify.html", {"title": title, "username": username})
    return redirect(session, "/signin/challenge")


async def challenge(request: Request) -> Response:
    session = _session(request)
    user = journey.user_of(runtime(request), session.journey)
    if user is None:
        return _expired(session)
    phone = journey.phone_of(user)
    refusal = journey.sms_refusal(runtime(request), session.journey)
    context = {
        "phone": mask_phone(phone) if phone else None,
        "login": user.login,
        "unavailable": messages.SMS_OFF if refusal else None if phone else messages.NO_PHONE,
        "qa_note": refusal,
    }
    return page(request, session, "challenge.html", context)


@form_post
async def send(request: Request, session: SignInSession, form: dict[str, str]) -> Response:
    rt = runtime(request)
    user = journey.user_of(rt, session.journey)
    if user is None or session.journey.finished:
        return _expired(session)
    await journey.send_code(
        rt, session.journey, user, org_url=base_url(request), client_ip=client_ip(request)
    )
    return redirect(session, "/signin/verify")


async def verify_page(request: Request) -> Response:
    session = _session(request)
    rt = runtime(request)
    user = journey.user_of(rt, session.journey)
    if user is None:
        return _expired(session)
    if session.journey.finished:
        return redirect(session, "/signin/done")
    phone = journey.phone_of(user)
    last = journey.flow_of(rt, session.journey.last_flow_id)
    context = {
        "phone": mask_phone(phone) if phone else None,
        "login": user.login,
        "code_sent": session.journey.flow_id is not None,
        "wait_s": int(rt.backend.per_number.wait_s(phone) + 0.999) if phone else 0,
        "qa_note": messages.qa_note(last) if last else None,
        "outbox": last.id if last and last.delivery_sent and last.delivery_via != "HOOK" else None,
    }
    return page(request, session, "verify.html", context)


@form_post
async def verify(request: Request, session: SignInSession, form: dict[str, str]) -> Response:
    rt = runtime(request)
    user = journey.user_of(rt, session.journey)
    if user is None or session.journey.finished:
        return _expired(session)
    ip = client_ip(request)
    if not journey.check_code(rt, session.journey, form.get("code", ""), client_ip=ip):
        return redirect(session, "/signin/verify")
    if session.journey.purpose == "password-reset":
        return redirect(session, "/signin/reset-password")
    journey.finish(rt, session.journey, user, client_ip=ip)
    return redirect(session, "/signin/done")


async def reset_page(request: Request) -> Response:
    session = _session(request)
    user = journey.user_of(runtime(request), session.journey)
    j = session.journey
    if user is None or not j.verified or j.purpose != "password-reset" or j.finished:
        return _expired(session)
    return page(request, session, "reset_password.html", {"login": user.login})


@form_post
async def reset(request: Request, session: SignInSession, form: dict[str, str]) -> Response:
    rt = runtime(request)
    user = journey.user_of(rt, session.journey)
    if user is None or session.journey.finished:
        return _expired(session)
    problem = journey.new_password_problem(
        session.journey, user, form.get("password", ""), form.get("again", "")
    )
    if problem == messages.SESSION_EXPIRED:
        return _expired(session)
    if problem:
        session.journey.notices.append(Notice("error", problem))
        return redirect(session, "/signin/reset-password")
    journey.finish(rt, session.journey, user, client_ip=client_ip(request))
    return redirect(session, "/signin/done")


async def done(request: Request) -> Response:
    session = _session(request)
    user = journey.user_of(runtime(request), session.journey)
    if user is None or not session.journey.finished:
        return _expired(session)
    name = f"{user.profile.get('firstName', '')} {user.profile.get('lastName', '')}".strip()
    heading, message = FINISHED[session.journey.purpose]
    context = {"heading": heading, "message": message, "name": name, "login": user.login}
    return page(request, session, "done.html", context)


async def outbox(request: Request) -> Response:
    """Okta's own provider's messages, newest first (``?flow=`` marks the one of a flow): where
    QA read a code after a fallback. The text is shown, the number masked."""
    session = _session(request)
    sent = runtime(request).backend.provider.messages()
    shown = [
        {
            "flow_id": m.flow_id,
            "phone": mask_phone(m.phone_number),
            "channel": m.channel,
            "text": m.text,
            "sent_at": iso(m.sent_at)[:19].replace("T", " ") + " UTC",
            "failover": m.failover,
        }
        for m in reversed(sent[-OUTBOX_SIZE:])
    ]
    context = {"messages": shown, "selected": request.query_params.get("flow")}
    return page(request, session, "outbox.html", context)


@form_post
async def signout(request: Request, session: SignInSession, form: dict[str, str]) -> Response:
    store(request).drop(session.id)
    fresh = store(request).create()
    return redirect(fresh, "/signin")


ROUTES = [
    Route("/", org_root, methods=["GET"]),
    *(Route(url, start, methods=["GET"]) for url in START),
    Route("/signin/identify", identify, methods=["POST"]),
    Route("/signin/challenge", challenge, methods=["GET"]),
    Route("/signin/challenge", send, methods=["POST"]),
    Route("/signin/verify", verify_page, methods=["GET"]),
    Route("/signin/verify", verify, methods=["POST"]),
    Route("/signin/resend", send, methods=["POST"]),
    Route("/signin/reset-password", reset_page, methods=["GET"]),
    Route("/signin/reset-password", reset, methods=["POST"]),
    Route("/signin/done", done, methods=["GET"]),
    Route("/signin/signout", signout, methods=["POST"]),
    Route("/signin/outbox", outbox, methods=["GET"]),
    Mount(
        "/signin/static",
        app=StaticFiles(directory=str(Path(__file__).parent / "static")),
        name="signin-static",
    ),
]
