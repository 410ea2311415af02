"""A local CA made at start (trustme), and the connector's certificate signed by it, so the
chain runs over TLS as in production and mock Okta trusts only what it was told to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def make_certificates(
    folder: Path, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> TlsFiles:
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="ezitxt-okta local stack")
    server = ca.issue_cert(*hosts)
    files = TlsFiles(folder / "stack-ca.pem", folder / "connector.pem", folder / "connector.key")
    ca.cert_pem.write_to_path(str(files.ca_pem))
    server.cert_chain_pems[0].write_to_path(str(files.cert_pem))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(files.cert_pem), append=True)
    server.private_key_pem.write_to_path(str(files.key_pem))
    files.key_pem.chmod(0o600)
    return files
