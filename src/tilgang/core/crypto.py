"""Sealing small secrets at rest (TOTP secrets, linkage-key seeds) under the master key."""

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet(purpose: str) -> Fernet:
    # One derived key per purpose, so a secret sealed for one use cannot be opened as another.
    digest = hashlib.sha256(f"tilgang:{purpose}:{settings.MASTER_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str, *, purpose: str) -> str:
    return _fernet(purpose).encrypt(value.encode()).decode()


def unseal(token: str, *, purpose: str) -> str:
    return _fernet(purpose).decrypt(token.encode()).decode()
