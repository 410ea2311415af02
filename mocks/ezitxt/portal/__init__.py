"""The mock EZITXT portal: the web console a person clicks through, beside the JSON APIs.

Server-rendered (Starlette and Jinja2), on the same ``EzitxtBackend`` as the APIs: every page
reads and changes exactly the state the gateway and ``/api/`` see. ``ROUTES`` (in ``routes``)
are mounted by ``mocks.ezitxt.app``; ``Console`` holds the demo account and the sessions.
"""

from __future__ import annotations
