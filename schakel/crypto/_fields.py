"""AES-GCM field encryption with a keyring (pure: keys in, strings out)."""

import base64
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from schakel.errors import SchakelError

PREFIX = "v1"


class UnknownKey(SchakelError):
    """A value was encrypted under a key that is not in the keyring."""


def _derive(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"schakel-fields-v1",
        info=b"aes-256-gcm",
    ).derive(secret.encode("utf-8"))


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"schakel-key-id" + key).hexdigest()[:12]


@dataclass(frozen=True)
class Keyring:
    """The current key (encrypts) and older keys (only decrypt, until rotated)."""

    current: bytes
    older: tuple[bytes, ...] = ()

    @property
    def current_id(self) -> str:
        return _key_id(self.current)

    def _key(self, key_id: str) -> bytes:
        for key in (self.current, *self.older):
            if _key_id(key) == key_id:
                return key
        raise UnknownKey(f"Sleutel {key_id} ontbreekt; kan waarde niet ontsleutelen.")

    def encrypt(self, plaintext: str, context: str = "") -> str:
        """Encrypt ``plaintext``; ``context`` (e.g. table.column) is authenticated."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.current).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode()
        )
        payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{PREFIX}:{self.current_id}:{payload}"

    def decrypt(self, stored: str, context: str = "") -> str:
        prefix, key_id, payload = stored.split(":", 2)
        if prefix != PREFIX:
            raise UnknownKey(f"Onbekend versleutelformaat {prefix}.")
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        plain = AESGCM(self._key(key_id)).decrypt(raw[:12], raw[12:], context.encode())
        return plain.decode("utf-8")

    def encrypt_json(self, value: Any, context: str = "") -> str:
        return self.encrypt(
            json.dumps(value, ensure_ascii=False, sort_keys=True), context
        )

    def decrypt_json(self, stored: str, context: str = "") -> Any:
        return json.loads(self.decrypt(stored, context))

    def needs_rotation(self, stored: str) -> bool:
        return stored.split(":", 2)[1] != self.current_id

    def rotate(self, stored: str, context: str = "") -> str:
        """Re-encrypt under the current key (a no-op copy when already current)."""
        if not self.needs_rotation(stored):
            return stored
        return self.encrypt(self.decrypt(stored, context), context)


def keyring_from_secrets(current: str, older: Iterable[str] = ()) -> Keyring:
    return Keyring(_derive(current), tuple(_derive(s) for s in older if s))
