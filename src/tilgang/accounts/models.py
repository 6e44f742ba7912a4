from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tilgang.core.roles import STAFF_ROLES, Role


class Language(models.TextChoices):
    NB = "nb", "Norsk bokmål"
    NN = "nn", "Norsk nynorsk"
    EN = "en", "English"


# A language as named inside a sentence in the reader's language ("sent in English", "sendes på engelsk");
# the choices above keep each language's own name, for choosing one.
LANGUAGE_IN_TEXT = {
    Language.NB: pgettext_lazy("language named in a sentence", "Norwegian Bokmål"),
    Language.NN: pgettext_lazy("language named in a sentence", "Norwegian Nynorsk"),
    Language.EN: pgettext_lazy("language named in a sentence", "English"),
}


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person. The e-mail address is the user name (DOMAIN R-FX-1)."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.NB)
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)  # E.164
    mobile_verified_at = models.DateTimeField(null=True, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @cached_property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    @property
    def is_staff_member(self) -> bool:
        return bool(self.role_set & STAFF_ROLES)

    def has_role(self, role: str) -> bool:
        return role in self.role_set

    @property
    def has_totp(self) -> bool:
        return self.totp_devices.filter(confirmed=True).exists()


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=40, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")]


def new_token() -> tuple[str, str]:
    """A random URL-safe token and its SHA-256; only the hash is stored."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A single-use, expiring invitation sent by e-mail. Staff invite applicants and staff."""

    email = models.EmailField()
    full_name = models.CharField(max_length=200)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.NB)
    roles = models.JSONField(default=list)  # global roles to grant on acceptance
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.SET_NULL
    )
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class PasswordLink(models.Model):
    """The e-mailed link with which a person sets a password (after an invitation, or forgotten)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class LoginAttempt(models.Model):
    """Failed and successful sign-ins, for throttling per account and per address."""

    email = models.CharField(max_length=254, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class TotpDevice(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    secret_encrypted = models.TextField()  # sealed with the master key, see core.crypto
    confirmed = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(default=0)  # refuses a code that was already used
    created_at = models.DateTimeField(default=timezone.now)


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)


class ApiToken(models.Model):
    """A personal API token; shown once at creation, stored as a hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)  # shown in the list so a user can tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
