"""Per-purpose keys derived from one shared secret, and exact-identifier tokens.

Partners hold one secret (at least 16 bytes). HKDF-SHA256 derives a separate key
for every purpose and kind (exact tokens of phones, Bloom positions of names,
blocking tokens of dates...), so a key that leaks for one purpose reveals nothing
about another, and tokens of one kind can never be compared with another's. The
key id is derived too: it names the secret in every encoding without revealing it,
so files made under another (rotated) secret are recognised and refused.

Tokens are keyed: without the secret they reveal nothing about the value, and the
same value under another secret gives an unrelated token.
"""

import base64
import binascii
import hashlib
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from schakel.errors import InvalidInput
from schakel.linkage._normalise import InvalidValue, Kind, normalise

#: Version of the encoding schema; part of every HKDF context and every encoding.
SCHEMA_VERSION = 1
MIN_SECRET_BYTES = 16
_SALT = b"schakel/linkage/v1"
_URLSAFE = bytes.maketrans(b"+/", b"-_")


class InvalidSecret(InvalidInput):
    """A secret that is too short to key the encodings."""


def check_secret(secret: bytes) -> None:
    """Refuse secrets under :data:`MIN_SECRET_BYTES` bytes."""
    if len(secret) < MIN_SECRET_BYTES:
        raise InvalidSecret(
            f"het geheim is {len(secret)} bytes; minimaal {MIN_SECRET_BYTES} nodig"
        )


def b64(data: bytes) -> str:
    """URL-safe base64 without padding (compact and safe in CSV and JSON)."""
    return (
        binascii.b2a_base64(data, newline=False)
        .translate(_URLSAFE)
        .rstrip(b"=")
        .decode("ascii")
    )


def unb64(text: str) -> bytes:
    """Inverse of :func:`b64`."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Keyring:
    """The keys of one secret, derived once and cached per purpose."""

    def __init__(self, secret: bytes) -> None:
        check_secret(secret)
        self._secret = secret
        self._keys: dict[str, bytes] = {}
        self.key_id = self.derive("key-id")[:6].hex()

    def derive(self, purpose: str) -> bytes:
        """The 32-byte key for ``purpose`` (e.g. ``"token/phone"``)."""
        key = self._keys.get(purpose)
        if key is None:
            hkdf = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=_SALT,
                info=f"schakel/linkage/v{SCHEMA_VERSION}/{purpose}".encode(),
            )
            key = self._keys[purpose] = hkdf.derive(self._secret)
        return key

    def mac(self, purpose: str, message: str) -> bytes:
        """HMAC-SHA256 of ``message`` under the key for ``purpose``."""
        return hmac.digest(self.derive(purpose), message.encode(), hashlib.sha256)

    def prf(self, purpose: str, message: str, size: int) -> bytes:
        """Keyed BLAKE2b of ``message`` (``size`` bytes) under the key for ``purpose``.

        A keyed BLAKE2b is a MAC like HMAC-SHA256 but takes one pass instead of
        two; it is used where millions of values are hashed (Bloom positions,
        blocking tokens). Exact identifier tokens stay HMAC-SHA256.
        """
        return hashlib.blake2b(
            message.encode(), key=self.derive(purpose), digest_size=size
        ).digest()

    def exact_token(self, kind: Kind, normalised: str) -> str:
        """Token of an already normalised value: ``<key id>:<HMAC, base64>``."""
        return f"{self.key_id}:{b64(self.mac(f'token/{kind.value}', normalised))}"


@lru_cache(maxsize=8)
def _keyring(secret: bytes) -> Keyring:
    return Keyring(secret)


def key_id(secret: bytes) -> str:
    """The public id of ``secret``: 12 hex digits, the same in every encoding."""
    return _keyring(secret).key_id


def token(kind: Kind | str, value: str, secret: bytes) -> str:
    """Keyed match token of one identifier, for hit/no-hit comparisons.

    The value is normalised first, so "06 1234 5678" and "+31612345678" give the
    same token. Raises :class:`InvalidValue` when the value is empty or invalid.
    """
    kind = Kind(kind)
    normalised = normalise(kind, value)
    if not normalised:
        raise InvalidValue(f"lege waarde voor soort {kind.value!r}")
    return _keyring(secret).exact_token(kind, normalised)
