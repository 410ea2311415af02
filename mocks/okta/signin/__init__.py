"""The org's end-user sign-in pages: username, "Receive a code via SMS", the code, signed in;
and account unlock and password reset by SMS. Server-rendered (Jinja2), on the org's backend:
the code goes out through the same flows as ``POST /_mock/flows``."""
