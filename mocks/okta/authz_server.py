"""Okta's authorization servers (``/oauth2/default`` and custom ones) and their clients, with no
HTTP: signing keys with rotation, the discovery document, and the client credentials grant with
``client_secret_post`` or ``private_key_jwt`` (CONTRACT.md §7).

The access tokens are what Okta's are: RS256 JWTs with ``kid`` in the header and ``ver``, ``jti``,
``iss`` (``{org}/oauth2/{serverId}``), ``aud``, ``iat``, ``exp``, ``cid``, ``scp`` (an array) and
``sub`` (the client id for client credentials). Refusals carry Okta's OAuth error bodies
(``{"error", "error_description"}``), each ``TokenRefused``.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from mocks.okta import ids
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.times import Clock

DEFAULT_SERVER = "default"
DEFAULT_AUDIENCE = "api://default"
# Okta's default access token lifetime is one hour.
DEFAULT_TOKEN_LIFETIME_S = 3600
AUTH_METHODS = ("client_secret_post", "private_key_jwt")
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Okta refuses a client assertion whose exp is more than an hour away.
MAX_ASSERTION_LIFETIME_S = 3600
RSA_BITS = 2048


class TokenRefused(Exception):
    """A refused token request: the HTTP status and Okta's OAuth error body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    """The public half as a JWK, as Okta's ``/v1/keys`` shows it."""
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"kty": "RSA", "alg": "RS256", "kid": kid, "use": "sig", "e": jwk["e"], "n": jwk["n"]}


@dataclass
class SigningKey:
    kid: str
    key: rsa.RSAPrivateKey


@dataclass
class OAuthClient:
    """A service app of the org: ``client_secret_post`` with a secret, or ``private_key_jwt``
    with the public JWKs registered for it; the scopes it may be granted."""

    client_id: str
    auth_method: str
    scopes: tuple[str, ...]
    client_secret: str | None = None
    jwks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AuthorizationServer:
    id: str
    name: str
    audience: str
    scopes: tuple[str, ...]
    token_lifetime_s: int
    keys: list[SigningKey] = field(default_factory=list)

    def issuer(self, org_url: str) -> str:
        return f"{org_url}/oauth2/{self.id}"

    def rotate(self) -> SigningKey:
        """A new active key signs from now on; the previous one stays published (as Okta keeps
        the next/previous key in the JWKS), older ones are dropped."""
        key = SigningKey(ids.okta_id("kid"), new_rsa_key())
        self.keys = [key, *self.keys[:1]]
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k.key, k.kid) for k in self.keys]}

    def discovery(self, org_url: str) -> dict[str, Any]:
        issuer = self.issuer(org_url)
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/v1/authorize",
            "token_endpoint": f"{issuer}/v1/token",
            "jwks_uri": f"{issuer}/v1/keys",
            "response_types_supported": ["code", "token", "id_token"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "scopes_supported": list(self.scopes),
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "client_secret_jwt",
                "private_key_jwt",
                "none",
            ],
            "token_endpoint_auth_signing_alg_values_supported": ["HS256", "RS256", "ES256"],
            "request_object_signing_alg_values_supported": ["RS256"],
        }


class AuthorizationServers:
    """The org's authorization servers and its OAuth clients."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._servers: dict[str, AuthorizationServer] = {}
        self._clients: dict[str, OAuthClient] = {}
        self._used_jti: dict[str, float] = {}
        self.reset()

    def reset(self) -> None:
        self._servers.clear()
        self._clients.clear()
        self._used_jti.clear()
        self.create_server(DEFAULT_SERVER, name="default", audience=DEFAULT_AUDIENCE)

    # Servers

    def create_server(
        self,
        server_id: str | None = None,
        *,
        name: str,
        audience: str,
        scopes: tuple[str, ...] = (),
        token_lifetime_s: int = DEFAULT_TOKEN_LIFETIME_S,
    ) -> AuthorizationServer:
        server_id = server_id or ids.okta_id("aus")
        if server_id in self._servers:
            raise ValidationFailed("authorizationServer", [f"id: {server_id} exists already"])
        server = AuthorizationServer(server_id, name, audience, scopes, token_lifetime_s)
        server.rotate()
        self._servers[server_id] = server
        return server

    def server(self, server_id: str) -> AuthorizationServer:
        found = self._servers.get(server_id)
        if found is None:
            raise NotFound(server_id, "AuthorizationServer")
        return found

    def servers(self) -> list[AuthorizationServer]:
        return list(self._servers.values())

    # Clients

    def create_client(
        self,
        *,
        auth_method: str,
        scopes: tuple[str, ...],
        jwks: list[dict[str, Any]] | None = None,
        client_id: str | None = None,
    ) -> OAuthClient:
        if auth_method not in AUTH_METHODS:
            raise ValidationFailed("client", [f"authMethod: one of {', '.join(AUTH_METHODS)}"])
        causes = []
        if auth_method == "private_key_jwt":
            if not jwks:
                causes.append("jwks: private_key_jwt needs the client's public keys")
            for jwk in jwks or []:
                try:
                    RSAAlgorithm.from_jwk(jwk)
                except (jwt.InvalidKeyError, ValueError, TypeError, KeyError):
                    causes.append("jwks: every key must be a public RSA JWK")
                    break
        if causes:
            raise ValidationFailed("client", causes)
        client = OAuthClient(
            client_id=client_id or ids.okta_id("0oa"),
            auth_method=auth_method,
            scopes=scopes,
            client_secret=secrets.token_urlsafe(30)
            if auth_method == "client_secret_post"
            else None,
            jwks=list(jwks or []),
        )
        self._clients[client.client_id] = client
        return client

    def client(self, client_id: str) -> OAuthClient:
        found = self._clients.get(client_id)
        if found is None:
            raise NotFound(client_id, "OAuthClient")
        return found

    # The token endpoint

    def token(self, server_id: str, form: dict[str, str], *, org_url: str) -> dict[str, Any]:
        """``POST /oauth2/{serverId}/v1/token``: client credentials only. The answer's body, or
        ``TokenRefused`` with Okta's error."""
        server = self.server(server_id)
        token_url = f"{server.issuer(org_url)}/v1/token"
        grant = form.get("grant_type")
        if not grant:
            raise TokenRefused(
                400, "invalid_request", "The token request must specify a 'grant_type'."
            )
        client = self._authenticate(form, token_url)
        if grant != "client_credentials":
            raise TokenRefused(
                400,
                "unsupported_grant_type",
                f"The authorization grant type '{grant}' is not supported by the authorization "
                "server. Configured grant types: [client_credentials].",
            )
        requested = tuple(form.get("scope", "").split())
        if not requested:
            raise TokenRefused(
                400,
                "invalid_scope",
                "The authorization server resource does not have any configured default scopes,"
                " 'scope' must be provided.",
            )
        unknown = [s for s in requested if s not in server.scopes]
        if unknown:
            raise TokenRefused(
                400,
                "invalid_scope",
                "One or more scopes are not configured for the authorization server resource.",
            )
        if any(s not in client.scopes for s in requested):
            raise TokenRefused(
                400,
                "invalid_scope",
                "The following scopes were requested, but are not granted to this client: "
                + " ".join(s for s in requested if s not in client.scopes),
            )
        now = int(self._clock())
        claims = {
            "ver": 1,
            "jti": f"AT.{secrets.token_urlsafe(32)}",
            "iss": server.issuer(org_url),
            "aud": server.audience,
            "iat": now,
            "exp": now + server.token_lifetime_s,
            "cid": client.client_id,
            "scp": list(requested),
            "sub": client.client_id,
        }
        key = server.keys[0]
        token = jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": key.kid})
        return {
            "token_type": "Bearer",
            "expires_in": server.token_lifetime_s,
            "access_token": token,
            "scope": " ".join(requested),
        }

    def _authenticate(self, form: dict[str, str], token_url: str) -> OAuthClient:
        assertion = form.get("client_assertion")
        if assertion is not None:
            return self._by_assertion(form, assertion, token_url)
        client_id = form.get("client_id")
        if not client_id:
            raise TokenRefused(
                401,
                "invalid_client",
                "Client authentication failed. Either the client or the client credentials are"
                " invalid.",
            )
        client = self._clients.get(client_id)
        if client is None:
            raise TokenRefused(401, "invalid_client", "Invalid value for 'client_id' parameter.")
        if client.auth_method != "client_secret_post":
            raise TokenRefused(
                401,
                "invalid_client",
                "Client authentication failed. The client is configured for private_key_jwt:"
                " a client_assertion is required.",
            )
        secret = form.get("client_secret", "")
        expected = client.client_secret or ""
        if not secret or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise TokenRefused(
                401,
                "invalid_client",
                "The client secret supplied for a confidential client is invalid.",
            )
        return client

    def _by_assertion(self, form: dict[str, str], assertion: str, token_url: str) -> OAuthClient:
        """RFC 7523 client authentication as Okta checks it: ``iss`` = ``sub`` = the client id,
        ``aud`` = the token URL, ``exp`` within the hour, a ``jti`` used once, signed by a key
        registered for the client."""
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise TokenRefused(
                400,
                "invalid_request",
                f"The 'client_assertion_type' must be '{CLIENT_ASSERTION_TYPE}'.",
            )
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise TokenRefused(
                401, "invalid_client", "The client_assertion is not a valid JWT."
            ) from exc
        client_id = unverified.get("iss")
        client = self._clients.get(client_id) if isinstance(client_id, str) else None
        if form.get("client_id") not in (None, client_id):
            raise TokenRefused(
                401, "invalid_client", "The client_id does not match the client_assertion 'iss'."
            )
        if client is None:
            raise TokenRefused(401, "invalid_client", "Invalid value for 'client_id' parameter.")
        if client.auth_method != "private_key_jwt":
            raise TokenRefused(
                401,
                "invalid_client",
                "Client authentication failed. The client is configured for client_secret_post.",
            )
        if header.get("alg") != "RS256":
            raise TokenRefused(
                401, "invalid_client", "The client_assertion must be signed with RS256."
            )
        keys = [k for k in client.jwks if header.get("kid") in (None, k.get("kid"))]
        claims = None
        for jwk in keys:
            try:
                public = RSAAlgorithm.from_jwk(jwk)
                if not isinstance(public, rsa.RSAPublicKey):
                    continue  # a client registers public keys only
                claims = jwt.decode(
                    assertion,
                    public,
                    algorithms=["RS256"],
                    audience=token_url,
                    issuer=client.client_id,
                    options={"require": ["iss", "sub", "aud", "exp", "jti"]},
                    leeway=0,
                )
                break
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError as exc:
                raise TokenRefused(
                    401, "invalid_client", "The client_assertion token is expired."
                ) from exc
            except jwt.InvalidAudienceError as exc:
                raise TokenRefused(
                    401,
                    "invalid_client",
                    "The audience [aud] claim in client_assertion must be the token endpoint.",
                ) from exc
            except jwt.PyJWTError as exc:
                raise TokenRefused(
                    401, "invalid_client", f"The client_assertion is invalid: {exc}"
                ) from exc
        if claims is None:
            raise TokenRefused(401, "invalid_client", "The client_assertion signature is invalid.")
        if claims.get("sub") != client.client_id:
            raise TokenRefused(
                401, "invalid_client", "The client_assertion 'sub' must be the client id."
            )
        now = self._clock()
        if claims["exp"] - now > MAX_ASSERTION_LIFETIME_S:
            raise TokenRefused(
                401,
                "invalid_client",
                "The client_assertion token has an expiration too far into the future.",
            )
        jti = str(claims["jti"])
        self._used_jti = {j: exp for j, exp in self._used_jti.items() if exp > now}
        if jti in self._used_jti:
            raise TokenRefused(
                401, "invalid_client", "The client_assertion token has already been used."
            )
        self._used_jti[jti] = float(claims["exp"])
        return client


def new_kid() -> str:
    return str(uuid.uuid4())
