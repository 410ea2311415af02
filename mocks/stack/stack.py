"""Start, wire and stop the three servers of the stack.

``Stack(port_base=8400)``: mock EZITXT on B, the connector on B+1 (HTTPS with a certificate from
a CA made at start, unless ``http=True``), mock Okta on B+2 trusting that CA. A context manager:
leaving it stops all three, SIGTERM first, so SQLite is closed cleanly.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from mocks.common.ports import free_port_base as free_port_base
from mocks.okta import defaults as okta_defaults
from mocks.stack.processes import ServerProcess
from mocks.stack.tls import TlsFiles, make_certificates

DEFAULT_PORT_BASE = 8400
HOST = "127.0.0.1"


@dataclass(frozen=True)
class StackUrls:
    ezitxt: str
    connector: str
    okta: str

    @property
    def hook(self) -> str:
        return f"{self.connector}/okta/telephony"


class Stack:
    def __init__(
        self,
        *,
        port_base: int = DEFAULT_PORT_BASE,
        http: bool = False,
        workdir: Path = Path("var/stack"),
        connector_workers: int = 1,
        timing_scale: float = 1.0,
        challenge_interval_s: float = okta_defaults.CHALLENGE_INTERVAL_S,
        max_hooks_in_flight: int = okta_defaults.MAX_HOOKS_IN_FLIGHT,
        api_token: str | None = None,
        connector_env: dict[str, str] | None = None,
    ) -> None:
        self.http = http
        self.workdir = workdir
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
        self._connector_env = connector_env or {}
        self.servers: list[ServerProcess] = []

    @property
    def log_files(self) -> list[Path]:
        return [server.log_file for server in self.servers]

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        logs = self.workdir / "logs"
        ezitxt_port, connector_port, okta_port = (str(p) for p in self._ports)
        if not self.http:
            self.tls = make_certificates(self.workdir / "tls")
        ezitxt = ServerProcess(
            "mock EZITXT",
            [
                "mock-ezitxt", "--host", HOST, "--port", ezitxt_port,
                "--db", str(self.workdir / "mock-ezitxt.sqlite3"),
                "--hook-url", self.urls.hook, "--timing-scale", str(self._timing_scale),
            ],
            ready_url=f"{self.urls.ezitxt}/_mock/stats",
            log_file=logs / "mock-ezitxt.log",
        )  # fmt: skip
        connector_args = ["serve", "--host", HOST, "--port", connector_port]
        connector_args += ["--workers", str(self._workers)]
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
        )
        okta_args = ["mock-okta", "--host", HOST, "--port", okta_port]
        okta_args += ["--api-token", self.api_token]
        okta_args += ["--challenge-interval", str(self._challenge_interval_s)]
        okta_args += ["--max-hooks-in-flight", str(self._max_hooks_in_flight)]
        okta_args += ["--ca-file", str(self.tls.ca_pem)] if self.tls else ["--allow-http"]
        okta = ServerProcess(
            "mock Okta",
            okta_args,
            ready_url=f"{self.urls.okta}/api/v1/inlineHooks",
            log_file=logs / "mock-okta.log",
        )
        self.servers = [ezitxt, connector, okta]
        try:
            for server in self.servers:
                server.start()
            for server in self.servers:
                server.wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> dict[str, bool]:
        """Stop all three (Okta first, EZITXT last, so nothing calls a server already gone);
        for each, whether it shut down cleanly."""
        return {server.name: server.stop() for server in reversed(self.servers)}

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
