"""The mock Okta Admin Console at ``/admin``: server-rendered pages over the same backend as the
management API (no state of its own beyond the admin's signed session cookie).

``app.create_console`` builds the Starlette sub-app that ``mocks.okta.app`` mounts; ``session``
holds the cookie, the sign-in check and CSRF; each ``pages_*`` module is one menu entry; the
``*_form`` modules turn form fields into the API's documents and its error causes back into
fields, without HTTP.
"""
