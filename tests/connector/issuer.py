"""A stand-in Okta authorization server for the connector's oauth tests: its own signing keys
(RSA and EC, from ``cryptography``), tokens minted with PyJWT, and a small Starlette app serving
``/oauth2/default/.well-known/oauth-authorization-server`` and ``/oauth2/default/v1/keys``,
whose key set, delay and failure each test scripts, counting every fetch."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SERVER_PATH = "/oauth2/default"
AUDIENCE = "api://default"
SCOPE = "ezitxt.hook"
CLIENT_ID = "0oa1hookclient0000001"
OTHER_CLIENT_ID = "0oa1otherclient000002"
APP_SECRET = "Basic " + base64.b64encode(b"okta-hook:gateway-Pa55word").decode()
OTHER_APP_SECRET = "Basic " + base64.b64encode(b"other-app:other-Pa55word").decode()


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    @classmethod
    def rsa(cls, kid: str | None = None) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or uuid.uuid4().hex, "RS256", private)

    @classmethod
    def ec(cls, kid: str | None = None) -> SigningKey:
        return cls(kid or uuid.uuid4().hex, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict[str, Any]:
        algorithm = RSAAlgorithm if self.alg == "RS256" else ECAlgorithm
        entry: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        entry.update(kid=self.kid, use="sig", alg=self.alg)
        return entry


def claims(issuer: str, **overrides: Any) -> dict[str, Any]:
    """An Okta access token's claims, valid for an hour from now; ``None`` drops a claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "ver": 1,
        "jti": "AT." + uuid.uuid4().hex,
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
        "cid": CLIENT_ID,
        "scp": [SCOPE],
        "sub": CLIENT_ID,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def mint(key: SigningKey, payload: dict[str, Any], **header: Any) -> str:
    return jwt.encode(payload, key.private, algorithm=key.alg, headers={"kid": key.kid, **header})


@dataclass
class StandInIssuer:
    """The issuer's metadata and JWKS; ``keys`` is what it publishes now."""

    keys: list[SigningKey] = field(default_factory=list)
    delay_s: float = 0.0
    status: int = 200
    metadata_issuer: str | None = None  # set: the metadata names this issuer instead
    key_fetches: int = 0
    metadata_fetches: int = 0
    in_flight: int = 0
    most_in_flight: int = 0

    def app(self) -> Starlette:
        async def metadata(request: Request) -> Response:
            self.metadata_fetches += 1
            base = str(request.base_url).rstrip("/") + SERVER_PATH
            return JSONResponse(
                {
                    "issuer": self.metadata_issuer or base,
                    "jwks_uri": base + "/v1/keys",
                    "token_endpoint": base + "/v1/token",
                }
            )

        async def keys(request: Request) -> Response:
            self.key_fetches += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                if self.status != 200:
                    return JSONResponse({"errorCode": "E0000009"}, status_code=self.status)
                return JSONResponse({"keys": [key.jwk() for key in self.keys]})
            finally:
                self.in_flight -= 1

        return Starlette(
            routes=[
                Route(SERVER_PATH + "/.well-known/oauth-authorization-server", metadata),
                Route(SERVER_PATH + "/v1/keys", keys),
            ]
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(key: SigningKey, payload: dict[str, Any]) -> str:
    """The classic algorithm-confusion forgery: HS256 with the issuer's public key (PEM, as
    published) as the HMAC secret, under the real key's kid. Built by hand: PyJWT refuses to."""
    pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def with_payload(token: str, payload: dict[str, Any]) -> str:
    """``token`` with its payload replaced and its signature kept: a tampered token."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(payload).encode())}.{signature}"
