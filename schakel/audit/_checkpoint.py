"""Signed checkpoints of the chain head (pure: no IO, no database).

A checkpoint says "at ``signed_at`` the chain's entry ``seq`` had hash ``hash``" and
carries an Ed25519 signature over exactly that. Because each entry's hash covers its
predecessor's, one valid checkpoint vouches for every entry up to ``seq``; and because
the checkpoint is kept apart from the chain, cutting entries off the tail (which the
chain alone cannot notice) leaves a checkpoint pointing past the head.
"""

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schakel.audit._chain import ChainBreak, canonical_json

SEED_BYTES = 32


class InvalidSigningKey(ValueError):
    """The configured signing key is not a base64 32-byte Ed25519 seed."""


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement about the chain head."""

    seq: int
    hash: str
    signed_at: str
    key_id: str
    signature: str

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def checkpoint_message(seq: int, hash: str, signed_at: str) -> bytes:
    """The signed bytes: canonical JSON of ``{seq, hash, signed_at}``.

    >>> checkpoint_message(3, "ab", "2026-01-01T00:00:00")
    b'{"hash":"ab","seq":3,"signed_at":"2026-01-01T00:00:00"}'
    """
    body = {"seq": seq, "hash": hash, "signed_at": signed_at}
    return canonical_json(body).encode("utf-8")


def signing_key_from_seed(seed_b64: str) -> Ed25519PrivateKey:
    """The private key from its base64 seed (as stored in ``audit_signing_key``)."""
    try:
        seed = base64.b64decode(seed_b64.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSigningKey(
            "SCHAKEL_AUDIT_SIGNING_KEY is geen geldige base64-tekst."
        ) from exc
    if len(seed) != SEED_BYTES:
        raise InvalidSigningKey(
            f"SCHAKEL_AUDIT_SIGNING_KEY moet {SEED_BYTES} bytes (base64) zijn, "
            f"niet {len(seed)}."
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def new_seed() -> str:
    """A fresh random seed in the stored form (base64)."""
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    return base64.b64encode(raw).decode("ascii")


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64, the form handed to auditors."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_b64(value: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSigningKey(
            "publieke sleutel is geen base64 Ed25519-sleutel"
        ) from exc


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key: a fingerprint."""
    raw = base64.b64decode(public_key_b64(key))
    return hashlib.sha256(raw).hexdigest()[:16]


def sign_checkpoint(
    key: Ed25519PrivateKey, seq: int, hash: str, signed_at: str
) -> Checkpoint:
    signature = key.sign(checkpoint_message(seq, hash, signed_at))
    return Checkpoint(
        seq=seq,
        hash=hash,
        signed_at=signed_at,
        key_id=key_id(key),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def signature_valid(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    """Whether ``checkpoint`` was signed by ``public``'s key, exactly as it reads."""
    if checkpoint.key_id != key_id(public):
        return False
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        public.verify(
            signature,
            checkpoint_message(checkpoint.seq, checkpoint.hash, checkpoint.signed_at),
        )
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def verify_checkpoints(
    checkpoints: Iterable[Checkpoint],
    public: Ed25519PublicKey,
    hash_at: Callable[[int], str | None],
    head_seq: int,
) -> ChainBreak | None:
    """Check every checkpoint against the key and against the (verified) chain.

    ``hash_at(seq)`` gives the chain's hash at ``seq`` (``None`` when absent) and
    ``head_seq`` the last entry's number (0 for an empty chain). Returns the first
    failure, naming the checkpoint's ``seq``:

    * a signature that does not verify (a modified checkpoint, or one signed with
      another key, which is how re-signing a shortened chain shows up);
    * a checkpoint beyond the head: the chain was cut off after it was signed;
    * a chain whose hash at the checkpoint differs from the signed one.
    """
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        if not signature_valid(checkpoint, public):
            reason = (
                "handtekening van controlepunt ongeldig (gewijzigd of met een "
                "andere sleutel ondertekend)"
            )
            if checkpoint.key_id != key_id(public):
                reason += f"; sleutel {checkpoint.key_id}, verwacht {key_id(public)}"
            return ChainBreak(checkpoint.seq, reason)
        if checkpoint.seq > head_seq:
            return ChainBreak(
                checkpoint.seq,
                f"keten ingekort: laatste regel is {head_seq}, maar regel "
                f"{checkpoint.seq} is ondertekend",
            )
        if hash_at(checkpoint.seq) != checkpoint.hash:
            return ChainBreak(
                checkpoint.seq, "hash in de keten wijkt af van het ondertekende"
            )
    return None
