"""Encryption at rest for secrets the platform must use later (robot signing keys, app secrets, ...).

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256). The key comes from `VWED_SECRET_KEY` (any
string; a Fernet key is derived from it with HKDF-SHA256), or else from `<data_dir>/secret.key`, generated
on first use with mode 0600. Losing that key makes the stored secrets unreadable, so operators back it up
with the database.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vwed.config import Settings
from vwed.errors import VwedError
from vwed.redaction import MASK

__all__ = ["MASK", "SecretBox", "SecretUnreadable", "derive_key", "mask"]

KEY_FILE = "secret.key"
_HKDF_INFO = b"vwed secrets at rest v1"


class SecretUnreadable(VwedError):
    """A stored secret cannot be decrypted with the current key (the key changed or was lost)."""

    default_key = "secret_unreadable"


def derive_key(passphrase: str) -> bytes:
    """A Fernet key derived from any string with HKDF-SHA256."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(passphrase.encode()))


def _key_file(path: Path) -> bytes:
    """Read the key file, creating it (mode 0600, never overwritten) when it does not exist yet."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process created it between our read and our create: use theirs.
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


class SecretBox:
    """Seals and opens secret strings with the platform key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The box for `settings`: `VWED_SECRET_KEY` if set, else the key file in the data dir."""
        if settings.secret_key is not None and settings.secret_key.get_secret_value():
            return cls(derive_key(settings.secret_key.get_secret_value()))
        return cls(_key_file(settings.data_dir / KEY_FILE))

    def seal(self, plain: str) -> str:
        """Encrypt `plain`; the result is ASCII, safe for a VARCHAR column."""
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        """Decrypt a value made by `seal`."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise SecretUnreadable from exc


def mask(value: str | None) -> str | None:
    """Show a secret the way responses do: `SEC****1234` for long values, `******` for short ones."""
    if value is None:
        return None
    if len(value) < 16:
        return MASK
    return f"{value[:3]}****{value[-4:]}"
