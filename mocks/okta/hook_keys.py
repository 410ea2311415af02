"""Okta's Hook Keys API (``/api/v1/hook-keys``), with no HTTP: the key pairs Okta signs a
``private_key_jwt`` client assertion with for an OAUTH inline hook. The private key never leaves
the mock; the API shows the public half (``_embedded``, a JWK), as Okta's does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from mocks.okta import ids
from mocks.okta.authz_server import new_rsa_key, public_jwk
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.times import Clock

# createHookKey: "The total number of keys that you can create in an Okta org is limited to 50."
MAX_KEYS = 50
MAX_NAME = 255


@dataclass
class HookKey:
    id: str  # HKY…, the id other calls (and a hook's hookKeyId) use
    key_id: str  # the public key's alias (its kid), a UUID
    name: str
    created: float
    last_updated: float
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        """The public key as the Hook Keys API embeds it (``alg`` ``RSA``, ``use`` null)."""
        jwk = public_jwk(self.private_key, self.key_id)
        return {
            "kty": "RSA",
            "alg": "RSA",
            "kid": self.key_id,
            "use": None,
            "e": jwk["e"],
            "n": jwk["n"],
        }

    def signing_jwk(self) -> dict[str, Any]:
        """The public key as an authorization server registers it for a client (RS256)."""
        return public_jwk(self.private_key, self.key_id)


class HookKeyStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._keys: dict[str, HookKey] = {}

    def reset(self) -> None:
        self._keys.clear()

    def create(self, doc: Any) -> HookKey:
        name = doc.get("name") if isinstance(doc, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
            raise ValidationFailed("key", [f"name: 1 to {MAX_NAME} characters"])
        if any(k.name == name for k in self._keys.values()):
            # KeyRequest.name is uniqueItems: the name finds the key for hook operations.
            raise ValidationFailed("key", ["name: A key with this name already exists"])
        if len(self._keys) >= MAX_KEYS:
            raise ValidationFailed("key", [f"An org can have at most {MAX_KEYS} hook keys"])
        now = self._clock()
        key = HookKey(ids.okta_id("HKY"), str(uuid.uuid4()), name, now, now, new_rsa_key())
        self._keys[key.id] = key
        return key

    def list(self) -> list[HookKey]:
        return list(self._keys.values())

    def get(self, key_id: str) -> HookKey:
        key = self._keys.get(key_id)
        if key is None:
            raise NotFound(key_id, "HookKey")
        return key

    def by_public_id(self, public_id: str) -> HookKey:
        key = next((k for k in self._keys.values() if k.key_id == public_id), None)
        if key is None:
            raise NotFound(public_id, "PublicKey")
        return key

    def exists(self, key_id: str) -> bool:
        return key_id in self._keys

    def delete(self, key_id: str, *, in_use: bool) -> None:
        self.get(key_id)
        if in_use:
            raise ValidationFailed(
                "key", ["The key is used by an inline hook; change or delete the hook first"]
            )
        del self._keys[key_id]
