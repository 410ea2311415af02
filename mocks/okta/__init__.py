"""A mock Okta org, as far as telephony inline hooks go.

Moto-style: ``backend`` and its parts hold state and Okta's rules with no I/O; ``routes_*`` only
parse and serialise; ``hook_caller`` is the one place that calls a hook over the network;
``classify`` turns a hook's answer into what Okta does with it (CONTRACT.md §2). ``create_app`` in
``app`` wires them together; ``cli`` serves it as ``ezitxt-okta mock-okta``.
"""
