"""A faithful local stand-in for the EZITXT messaging platform (CONTRACT.md §5).

Moto-style layout: the HTTP modules (``routes_*``, ``fault_layer``) only parse and serialise;
``backend`` holds state and rules over a SQLite ``store``; the control plane lives under
``/_mock/``. ``app.create_app`` builds the Starlette app; ``cli`` is ``ezitxt-okta mock-ezitxt``.
Nothing heavy is imported here, so that ``--help`` stays fast.
"""
