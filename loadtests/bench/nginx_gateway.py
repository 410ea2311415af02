"""nginx from Debian's packages as an EZITXT gateway that accepts at once: ``POST
/rest/sms/v2/messages`` → a fixed 202 ``{"id", "status": "accepted", "detail"}`` (CONTRACT.md
§5), written by nginx's own ``return``, so the gateway side of a full-path benchmark costs next
to nothing and no Python runs on the core beside wrk.

``with nginx_gateway() as url:`` starts one nginx worker on a free loopback port with its own
temporary prefix and configuration, and stops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loadtests.bench.harness import LOAD_CPU, free_port, pinned, wait_for_port

ACCEPTED = (
    '{"id":"3f1c2b9e-7d4a-4c1e-9b8f-2a6d5e4c3b21","status":"accepted","detail":"+64211234567"}'
)
CONFIG = """\
worker_processes 1;
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # Longer than the connector's keep-alive (EZITXT_HOOK_GATEWAY_KEEPALIVE_S, 4 s), as a real
    # gateway's must be (DESIGN.md decision 10), and no cap on requests per connection.
    keepalive_timeout 75s;
    keepalive_requests 100000000;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = /rest/sms/v2/messages {{
            default_type application/json;
            return 202 '{answer}';
        }}
        location / {{ return 404; }}
    }}
}}
"""


def find_nginx() -> str:
    """nginx from Debian's ``nginx-light`` (``make bench`` installs it when missing)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise SystemExit("the full-path benchmark needs nginx: apt-get install nginx-light")
    return found


@contextmanager
def nginx_gateway(cpu: str = LOAD_CPU) -> Iterator[str]:
    nginx = find_nginx()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as prefix:
        # As root, nginx's workers would run as nobody, who cannot enter this private prefix.
        user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
        config = Path(prefix) / "nginx.conf"
        config.write_text(CONFIG.format(prefix=prefix, port=port, answer=ACCEPTED, user=user))
        command = [nginx, "-p", prefix, "-c", str(config), "-e", f"{prefix}/error.log"]
        process = subprocess.Popen(
            pinned(command, cpu), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            wait_for_port(port, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            if process.stderr:
                process.stderr.close()
