"""Start, wire and stop the three servers of the stack.

``Stack(port_base=8400)``: mock EZITXT on B, the connector on B+1 (HTTPS with a certificate from
a CA made at start, unless ``http=True``), mock Okta on B+2 trusting that CA. The connector gets a
random ``EZITXT_HOOK_EVENTS_SECRET`` (``event_hook=False``: none), which ``event_hook_setup()``
hands to the wiring for the Okta event hook it registers on ``/okta/events``. Its state (CA,
SQLite, logs) lives in a folder of its own, ``var/stack-<B>`` unless ``workdir`` says otherwise,
held for the stack's life (``state.py``). A context manager: leaving it stops all three, SIGTERM
first, so SQLite is closed cleanly.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from mocks.common.ports import free_port_base as free_port_base
from mocks.okta import defaults as okta_defaults
from mocks.stack.consoles import DEMO_CONSOLE_PASSWORD, DEMO_CONSOLE_USER
from mocks.stack.event_hook_wiring import (
    AUTH_FIELD_ENV,
    DEFAULT_AUTH_FIELD,
    EVENTS_SECRET_ENV,
    EventHookSetup,
)
from mocks.stack.processes import PortBusy, ServerProcess
from mocks.stack.state import LOCK_FILE, StackInfo, StateFolder, default_folder
from mocks.stack.tls import TlsFiles, make_certificates

DEFAULT_PORT_BASE = 8400
HOST = "127.0.0.1"
PORT_WAIT_S = 10.0


def port_free(port: int) -> bool:
    """Whether a server could bind ``port`` now. SO_REUSEADDR as uvicorn sets it, so a port
    with connections of a server just gone (TIME_WAIT) counts as free, as it is to uvicorn."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class StackUrls:
    ezitxt: str
    connector: str
    okta: str

    @property
    def hook(self) -> str:
        return f"{self.connector}/okta/telephony"

    @property
    def events(self) -> str:
        """The connector's event hook: Okta's deliveries of successful code entries."""
        return f"{self.connector}/okta/events"

    @property
    def portal(self) -> str:
        return f"{self.ezitxt}/"

    @property
    def okta_admin(self) -> str:
        return f"{self.okta}/admin"

    @property
    def okta_sign_in(self) -> str:
        return f"{self.okta}/signin"


class Stack:
    def __init__(
        self,
        *,
        port_base: int = DEFAULT_PORT_BASE,
        http: bool = False,
        workdir: Path | None = None,
        connector_workers: int = 1,
        timing_scale: float = 1.0,
        challenge_interval_s: float = okta_defaults.CHALLENGE_INTERVAL_S,
        max_hooks_in_flight: int = okta_defaults.MAX_HOOKS_IN_FLIGHT,
        hook_timeout_s: float = okta_defaults.HOOK_TIMEOUT_S,
        fallback_limit: int = okta_defaults.FALLBACK_LIMIT,
        log_level: str = "info",
        fresh: bool = False,
        api_token: str | None = None,
        connector_env: dict[str, str] | None = None,
        console_user: str = DEMO_CONSOLE_USER,
        console_password: str = DEMO_CONSOLE_PASSWORD,
        auth: str = "header",
        event_hook: bool = True,
    ) -> None:
        self.auth = auth
        self.console_user = console_user
        self.console_password = console_password
        self.http = http
        self.port_base = port_base
        self.workdir = workdir or default_folder(port_base)
        self.state = StateFolder(self.workdir)
        self.api_token = api_token or secrets.token_urlsafe(24)
        scheme = "http" if http else "https"
        self.urls = StackUrls(
            ezitxt=f"http://{HOST}:{port_base}",
            connector=f"{scheme}://{HOST}:{port_base + 1}",
            okta=f"http://{HOST}:{port_base + 2}",
        )
        self.tls: TlsFiles | None = None
        self._ports = (port_base, port_base + 1, port_base + 2)
        self._workers = connector_workers
        self._timing_scale = timing_scale
        self._challenge_interval_s = challenge_interval_s
        self._max_hooks_in_flight = max_hooks_in_flight
        self._hook_timeout_s = hook_timeout_s
        self._fallback_limit = fallback_limit
        self._log_level = log_level
        self._fresh = fresh
        self._connector_env = dict(connector_env or {})
        # The connector's event hook secret: made here, given to the connector at start and to
        # Okta when the wiring registers the hook (``event_hook_setup``).
        self.event_hook = event_hook
        if event_hook:
            self._connector_env.setdefault(EVENTS_SECRET_ENV, secrets.token_urlsafe(32))
        self.servers: list[ServerProcess] = []

    @property
    def log_files(self) -> list[Path]:
        return [server.log_file for server in self.servers]

    def start(self) -> None:
        """Hold the state folder, check the ports, start the three and wait until they answer.
        A folder in use (FolderInUse) or a busy port (PortBusy) stops the start before any of
        the folder's state is touched or any server started."""
        self.state.acquire()
        try:
            self._check_ports()
            if self._fresh:
                self._empty_folder()
            self._start_servers()
        except BaseException:
            self.stop()
            raise

    def _check_ports(self) -> None:
        for name, port in zip(("mock EZITXT", "connector", "mock Okta"), self._ports, strict=True):
            if not port_free(port):
                raise PortBusy(name, port)

    def _empty_folder(self) -> None:
        for entry in self.workdir.iterdir():
            if entry.name == LOCK_FILE:
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _start_servers(self) -> None:
        logs = self.workdir / "logs"
        level = ["--log-level", self._log_level]
        ezitxt_port, connector_port, okta_port = (str(p) for p in self._ports)
        if not self.http:
            self.tls = make_certificates(self.workdir / "tls")
        ezitxt = ServerProcess(
            "mock EZITXT",
            [
                "mock-ezitxt", "--host", HOST, "--port", ezitxt_port,
                "--db", str(self.workdir / "mock-ezitxt.sqlite3"),
                "--hook-url", self.urls.hook, "--timing-scale", str(self._timing_scale), *level,
                *self._console_args(),
            ],
            ready_url=f"{self.urls.ezitxt}/_mock/stats",
            log_file=logs / "mock-ezitxt.log",
            port=self._ports[0],
        )  # fmt: skip
        connector_args = ["serve", "--host", HOST, "--port", connector_port]
        connector_args += ["--workers", str(self._workers), *level]
        if self._workers > 1 and "EZITXT_HOOK_REDIS_URL" not in self._connector_env:
            # The local stack has no Redis: its workers de-duplicate each alone (README
            # "Deployment"), which serve refuses unless told.
            connector_args.append("--allow-unshared-state")
        if self.tls:
            connector_args += ["--ssl-certfile", str(self.tls.cert_pem)]
            connector_args += ["--ssl-keyfile", str(self.tls.key_pem)]
        connector = ServerProcess(
            "connector",
            connector_args,
            ready_url=f"{self.urls.connector}/healthz",
            log_file=logs / "connector.log",
            env={"EZITXT_HOOK_GATEWAY_URL": self.urls.ezitxt, **self._connector_env},
            ca_file=self.tls.ca_pem if self.tls else None,
            port=self._ports[1],
        )
        okta_args = ["mock-okta", "--host", HOST, "--port", okta_port]
        okta_args += [f"--api-token={self.api_token}"]  # a random token may start with "-"
        okta_args += self._console_args()
        okta_args += ["--challenge-interval", str(self._challenge_interval_s)]
        okta_args += ["--max-hooks-in-flight", str(self._max_hooks_in_flight)]
        okta_args += ["--hook-timeout", str(self._hook_timeout_s)]
        okta_args += ["--fallback-limit", str(self._fallback_limit), *level]
        okta_args += ["--ca-file", str(self.tls.ca_pem)] if self.tls else ["--allow-http"]
        if self.tls and self.auth == "oauth":
            okta_args += ["--allow-http"]  # its own token URL is plain http on loopback
        okta = ServerProcess(
            "mock Okta",
            okta_args,
            ready_url=f"{self.urls.okta}/api/v1/inlineHooks",
            log_file=logs / "mock-okta.log",
            port=self._ports[2],
        )
        self.servers = [ezitxt, connector, okta]
        for server in self.servers:
            server.start()
        for server in self.servers:
            server.wait_ready()

    def server(self, name: str) -> ServerProcess:
        return next(s for s in self.servers if s.name == name)

    def restart(self, server: ServerProcess) -> None:
        """Start ``server`` again on its port, with its arguments and the same state folder
        (SQLite keeps mock EZITXT's applications, passwords and messages), and wait for it."""
        port = server.port or 0
        deadline = time.monotonic() + PORT_WAIT_S
        while not port_free(port):  # sockets of the dead server may take a moment to go
            if time.monotonic() > deadline:
                raise PortBusy(server.name, port)
            time.sleep(0.1)
        server.start(note=f"restarted by the stack after it ended ({server.exit_status})")
        server.wait_ready()

    def configure_connector(self, env: dict[str, str]) -> None:
        """Start the connector again with ``env`` added (the OAuth settings exist only once
        mock Okta's client and EZITXT's password are made) and wait until it answers."""
        connector = self.server("connector")
        if all(connector.env.get(k) == v for k, v in env.items()):
            return
        connector.stop()
        connector.env.update(env)
        self.restart(connector)

    def event_hook_setup(self) -> EventHookSetup | None:
        """What the wiring registers in Okta for the connector's event hook; None without one."""
        if not self.event_hook:
            return None
        return EventHookSetup(
            uri=self.urls.events,
            auth_field=self._connector_env.get(AUTH_FIELD_ENV, DEFAULT_AUTH_FIELD),
            secret=self._connector_env[EVENTS_SECRET_ENV],
        )

    def info(self) -> StackInfo:
        setup = self.event_hook_setup()
        return StackInfo(
            pid=os.getpid(),
            port_base=self.port_base,
            folder=str(self.workdir),
            ezitxt=self.urls.ezitxt,
            connector=self.urls.connector,
            hook=self.urls.hook,
            okta=self.urls.okta,
            api_token=self.api_token,
            ca_file=str(self.tls.ca_pem.resolve()) if self.tls else None,
            challenge_interval_s=self._challenge_interval_s,
            children={s.name: s.pid for s in self.servers if s.pid is not None},
            events_hook=setup.uri if setup else None,
            events_auth_field=setup.auth_field if setup else DEFAULT_AUTH_FIELD,
            events_secret=setup.secret if setup else None,
            auth=self.auth,
        )

    def publish(self) -> None:
        """Write ``stack.json`` and ``env.sh``: what ``stack reset`` and a shell need."""
        self.state.write_info(self.info())

    def _console_args(self) -> list[str]:
        # Both consoles get the same demo sign-in; "=" keeps a value starting with "-" a value.
        return [
            f"--console-user={self.console_user}",
            f"--console-password={self.console_password}",
        ]

    def stop(self) -> dict[str, bool]:
        """Stop all three (Okta first, EZITXT last, so nothing calls a server already gone),
        then give up the state folder; for each, whether it shut down cleanly."""
        try:
            return {server.name: server.stop() for server in reversed(self.servers)}
        finally:
            self.state.release()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
