"""Encryption of credentials at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ``store.auth_encryption_key``. In production a missing
key stops the store at start: silently storing tokens under a guessable key
would be worse than not starting. In development the store derives a fixed
key and warns, so a laptop works out of the box.
"""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken

from shared.config import Settings
from shared.exceptions import ConfigError, DatabaseError

LOG = logging.getLogger(__name__)

METHOD = "fernet"
_DEV_SEED = b"ember development key - never use in production"


def generate_key() -> str:
    """A fresh key for ``store.auth_encryption_key``."""
    return Fernet.generate_key().decode()


class Crypt:
    """Encrypts and decrypts credential fields with one Fernet key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            raise ConfigError(
                reason="store.auth_encryption_key must be 32 url-safe base64-encoded bytes "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Crypt:
        """The configured key; raises ConfigError in production when there is none."""
        key = settings.store.auth_encryption_key
        if key:
            return cls(key)
        if settings.mode == "production":
            raise ConfigError(
                reason="store.auth_encryption_key (EMBER_STORE__AUTH_ENCRYPTION_KEY) is not set; "
                "the store refuses to start in production mode without a key to encrypt "
                "credentials at rest"
            )
        LOG.warning(
            "store.auth_encryption_key is not set: using the built-in development key; "
            "credentials stored now are NOT protected (set a key before any real use)"
        )
        return cls(base64.urlsafe_b64encode(hashlib.sha256(_DEV_SEED).digest()).decode())

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None, method: str | None = METHOD) -> str | None:
        """The clear text; DatabaseError when the stored value was made with another key."""
        if value is None:
            return None
        if method not in (METHOD, None):
            raise DatabaseError(operation=f"decrypting credentials (unknown method {method!r})")
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            LOG.error("cannot decrypt stored credentials: was store.auth_encryption_key changed?")
            raise DatabaseError(operation="decrypting credentials") from None
