"""Directory > People: the users with their mobile phone; Add Person and edit, with the API's
validation messages shown on the form."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mocks.okta.console.person_form import FIELDS, PersonForm, field_errors
from mocks.okta.console.render import page, runtime
from mocks.okta.console.session import admin_page, checked_form, console_path, flash
from mocks.okta.errors import OktaError
from mocks.okta.users import User

SECTION = "people"


@admin_page
async def list_people(request: Request) -> Response:
    users = runtime(request).backend.users.list()
    return page(request, "people_list.html", section=SECTION, title="People", users=users)


def _form_page(
    request: Request, form: PersonForm, *, user: User | None, error: OktaError | None = None
) -> Response:
    return page(
        request,
        "person_form.html",
        section=SECTION,
        status=400 if error else 200,
        title="Edit person" if user else "Add person",
        user=user,
        form=form,
        fields=FIELDS,
        error_summary=error.summary if error else None,
        causes=error.causes if error else [],
        errors=field_errors(error.causes) if error else {},
    )


@admin_page
async def new_person(request: Request) -> Response:
    return _form_page(request, PersonForm(), user=None)


@admin_page
async def create_person(request: Request) -> Response:
    form = PersonForm.from_form(await checked_form(request))
    try:
        user = runtime(request).backend.users.create(form.profile(), activate=True)
    except OktaError as exc:
        return _form_page(request, form, user=None, error=exc)
    flash(request, "success", f"{user.login} added.")
    return RedirectResponse(console_path(request, "people"), status_code=303)


@admin_page
async def edit_person(request: Request) -> Response:
    user = runtime(request).backend.users.get(request.path_params["id"])
    return _form_page(request, PersonForm.from_user(user), user=user)


@admin_page
async def update_person(request: Request) -> Response:
    users = runtime(request).backend.users
    user = users.get(request.path_params["id"])
    form = PersonForm.from_form(await checked_form(request))
    try:
        users.update(user.id, form.profile(user.profile))
    except OktaError as exc:
        return _form_page(request, form, user=user, error=exc)
    flash(request, "success", f"{user.login} saved.")
    return RedirectResponse(console_path(request, "people"), status_code=303)


ROUTES = [
    Route("/directory/people", list_people, methods=["GET"], name="people"),
    Route("/directory/people/add", new_person, methods=["GET"], name="person_new"),
    Route("/directory/people/add", create_person, methods=["POST"]),
    Route("/directory/people/{id}", edit_person, methods=["GET"], name="person"),
    Route("/directory/people/{id}", update_person, methods=["POST"]),
]
