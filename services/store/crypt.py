"""Encryption of credentials at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ``store.auth_encryption_key``. In production a missing
key stops the store at start: silently storing tokens under a guessable key
would be worse than not starting. In development the store generates a
random key once into a file beside the SQLite database (``store.key_file``
overrides where; mode 0600, never overwritten) and uses it from then on, so
a laptop works out of the box without a key anybody can read in the source.

Stores of earlier versions used a key derived from a constant in
development; that key still *decrypts* (never encrypts) in development mode,
so credentials stored before the upgrade stay readable.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shared.config import Settings
from shared.exceptions import ConfigError, DatabaseError

LOG = logging.getLogger(__name__)

METHOD = "fernet"
KEY_FILE_NAME = "auth_encryption.key"
# Only to read credentials that development stores of earlier versions wrote.
_LEGACY_DEV_SEED = b"ember development key - never use in production"


def generate_key() -> str:
    """A fresh key for ``store.auth_encryption_key``."""
    return Fernet.generate_key().decode()


def _fernet(key: str | bytes, where: str = "store.auth_encryption_key") -> Fernet:
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError):
        raise ConfigError(
            reason=f"{where} must be 32 url-safe base64-encoded bytes "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        ) from None


def default_key_file(settings: Settings) -> Path:
    """Where a development store keeps its generated key: ``store.key_file``, else beside
    the SQLite database file, else ``./data/``."""
    if settings.store.key_file:
        return Path(settings.store.key_file)
    try:
        url = make_url(settings.database.url)
    except ArgumentError:
        return Path("data") / KEY_FILE_NAME
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        return Path(database).parent / KEY_FILE_NAME
    return Path("data") / KEY_FILE_NAME


def load_or_create_key(path: Path) -> str:
    """The key in ``path``, or a fresh one written there (0600, created exclusively so two
    stores starting together agree on the one that won)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            LOG.warning("%s is readable by others (mode %o): chmod 600 it", path, mode)
        key = path.read_text(encoding="ascii").strip()
        _fernet(key, str(path))
        return key
    except OSError as exc:
        raise ConfigError(reason=f"cannot create the development key file {path}: {exc.strerror}") from None
    key = generate_key()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    LOG.warning("generated a development key for credentials at rest in %s", path)
    return key


class Crypt:
    """Encrypts and decrypts credential fields with one Fernet key (more may decrypt)."""

    def __init__(self, key: str, *decrypt_only: str) -> None:
        fernets = [_fernet(key), *(_fernet(k) for k in decrypt_only)]
        self._fernet: Fernet | MultiFernet = MultiFernet(fernets) if decrypt_only else fernets[0]

    @classmethod
    def from_settings(cls, settings: Settings) -> Crypt:
        """The configured key; raises ConfigError in production when there is none.

        In development without one: the generated key of ``default_key_file``.
        """
        key = settings.store.auth_encryption_key
        if key:
            return cls(key)
        if settings.mode == "production":
            raise ConfigError(
                reason="store.auth_encryption_key (EMBER_STORE__AUTH_ENCRYPTION_KEY) is not set; "
                "the store refuses to start in production mode without a key to encrypt "
                "credentials at rest"
            )
        path = default_key_file(settings)
        LOG.warning(
            "store.auth_encryption_key is not set: using the generated development key in %s "
            "(set a key, the same for every store replica, before any real use)",
            path,
        )
        legacy = base64.urlsafe_b64encode(hashlib.sha256(_LEGACY_DEV_SEED).digest()).decode()
        return cls(load_or_create_key(path), legacy)

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
