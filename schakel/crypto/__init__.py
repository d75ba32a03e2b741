"""Encryption at rest for identifying fields (AES-256-GCM, a key id per value).

Guarantee: a stored value is ``v1:<key id>:<base64 nonce+ciphertext>``; without the
key it reveals nothing but its length. Keys are derived from the configured secret
with HKDF, so the key id changes when the secret does, and ``schakel keys rotate``
can re-encrypt every value under the current key while older keys still decrypt.
"""

from schakel.crypto._fields import Keyring, UnknownKey, keyring_from_secrets

__all__ = ["Keyring", "UnknownKey", "keyring_from_secrets"]
