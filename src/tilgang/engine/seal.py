"""Sealed randomness: the project's secret, encrypted under the office's key.

The secret behind a project's running numbers must never lie in the clear next to the data
(DOMAIN R-PSEUDO-5: the office keeps the keys it created). It is drawn with ``secrets``, sealed
with AES-256-GCM under the office key (``TILGANG_SEAL_KEY``: 32 bytes, urlsafe base64), bound to
the project ID as associated data, and stored only in that form in the office's run record. A
re-run with the sealed secret and the office key reproduces a delivery exactly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tilgang.engine.errors import SealError

SEAL_KEY_ENV = "TILGANG_SEAL_KEY"
SECRET_BYTES = 32


def new_office_key() -> str:
    """A fresh office key in the form ``TILGANG_SEAL_KEY`` expects."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def office_key(value: str | bytes | None = None, key_file: Path | None = None) -> bytes:
    """The office key from an argument, a key file, or the environment."""
    if value is None and key_file is not None:
        try:
            value = key_file.read_text(encoding="ascii").strip()
        except OSError as error:
            raise SealError(f"The office key file {key_file} cannot be read: {error}") from error
    if value is None:
        value = os.environ.get(SEAL_KEY_ENV)
    if value is None:
        raise SealError(
            f"No office key: set {SEAL_KEY_ENV} (32 random bytes, urlsafe base64; "
            "`tilgang extract --new-seal-key` makes one) or pass --seal-key-file."
        )
    if isinstance(value, bytes) and len(value) == 32:
        return value
    try:
        raw = base64.urlsafe_b64decode(value)
    except (binascii.Error, ValueError) as error:
        raise SealError("The office key is not urlsafe base64.") from error
    if len(raw) != 32:
        raise SealError("The office key must decode to 32 bytes.")
    return raw


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"tilgang-office-key" + key).hexdigest()[:16]


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: str
    ciphertext: str
    algorithm: str = "AES-256-GCM"

    def to_dict(self) -> dict[str, str]:
        return {
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "nonce": self.nonce,
            "ciphertext": self.ciphertext,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Sealed:
        try:
            return cls(key_id=data["key_id"], nonce=data["nonce"], ciphertext=data["ciphertext"])
        except (KeyError, TypeError) as error:
            raise SealError("The sealed randomness in the run record is incomplete.") from error


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def seal(secret: bytes, key: bytes, context: str) -> Sealed:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(key).encrypt(nonce, secret, context.encode())
    return Sealed(
        key_id=_key_id(key),
        nonce=base64.b64encode(nonce).decode(),
        ciphertext=base64.b64encode(ct).decode(),
    )


def unseal(sealed: Sealed, key: bytes, context: str) -> bytes:
    if sealed.key_id != _key_id(key):
        raise SealError(
            "The randomness was sealed with another office key; use the key in force at that run."
        )
    try:
        return AESGCM(key).decrypt(
            base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), context.encode()
        )
    except (InvalidTag, ValueError) as error:
        raise SealError(f"The sealed randomness does not belong to {context} or has been altered.") from error


def derive(secret: bytes, purpose: str) -> bytes:
    """An independent sub-key per purpose (unit type, linkage password …)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret)
