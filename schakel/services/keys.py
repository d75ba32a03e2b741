"""Key material the services need, built once from the settings."""

from dataclasses import dataclass

from schakel.crypto import Keyring, keyring_from_secrets
from schakel.settings import Settings


@dataclass(frozen=True)
class KeyMaterial:
    """Field encryption keys and the linkage secret for keyed match tokens."""

    keyring: Keyring
    linkage_secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> "KeyMaterial":
        return cls(
            keyring=keyring_from_secrets(
                settings.secret("encryption_key"), settings.encryption_keys_old
            ),
            linkage_secret=settings.secret("linkage_key").encode("utf-8"),
        )
