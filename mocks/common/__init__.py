"""What both mocks share, so that they have one shape (STYLE.md items 10 and 11).

``http``: the capped body reader, the error handlers that answer in each service's own error
shape (an unknown route, a wrong method with its ``Allow`` header, and a bug too), and the reset
contract of the control plane. ``timestamps``: the one ISO-8601 format both services write.
``ports``: free loopback ports for tests, benchmarks and stacks.
"""
