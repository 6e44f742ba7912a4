"""Account life: invitations, password links, sign-in with throttling, second factor, tokens.

Staff never see or set anyone's password (DOMAIN R-FX-1): a person sets it from an e-mailed link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tilgang.accounts.models import (
    ApiToken,
    Invitation,
    LoginAttempt,
    PasswordLink,
    RecoveryCode,
    RoleGrant,
    TotpDevice,
    User,
    new_token,
    token_hash,
)
from tilgang.audit.services import audit_record
from tilgang.core.crypto import seal, unseal
from tilgang.core.roles import STAFF_ROLES, Role
from tilgang.core.validators import normalise_mobile
from tilgang.notify.services import email_send

TOTP_ISSUER = "tilgang"


class AccountError(Exception):
    """A refused account action; the message is translated and safe to show."""


# --- invitations -------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    invited_by: User | None,
    email: str,
    full_name: str,
    language: str = "nb",
    roles: list[str] | tuple[str, ...] = (),
    institution=None,
) -> Invitation:
    email = email.strip().lower()
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise AccountError(_("Unknown role: %(role)s") % {"role": ", ".join(sorted(unknown))})
    if set(roles) & STAFF_ROLES and (invited_by is None or not invited_by.has_role(Role.ADMINISTRATOR)):
        if invited_by is not None:  # the system (demo seeding, CLI) may invite staff
            raise AccountError(_("Only an administrator can invite staff."))
    if User.objects.filter(email=email).exists():
        raise AccountError(_("%(email)s already has an account.") % {"email": email})
    token, digest = new_token()
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        language=language,
        roles=sorted(set(roles)),
        institution=institution,
        invited_by=invited_by,
        token_hash=digest,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit_record(
        actor=invited_by,
        action="accounts.invitation.created",
        obj=invitation,
        payload={"roles": invitation.roles},
    )
    email_send(
        to=email,
        template="invitation",
        context={"invitation": invitation, "link": f"/konto/invitasjon/{token}/", "inviter": invited_by},
        language=language,
    )
    return invitation


def invitation_by_token(token: str) -> Invitation:
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise AccountError(_("This invitation link is not valid. Check that you copied the whole link."))
    if invitation.accepted_at is not None:
        raise AccountError(
            _("This invitation has already been used. Sign in, or ask for a new password link.")
        )
    if invitation.revoked_at is not None or invitation.expires_at <= timezone.now():
        raise AccountError(_("This invitation has expired. Ask the person who invited you for a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, language: str | None = None) -> User:
    """The invited person asks for a password: the account is made and a set-password link sent."""
    invitation = invitation_by_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:  # a double click that lost the race
        raise AccountError(
            _("This invitation has already been used. Sign in, or ask for a new password link.")
        )
    user = User.objects.create_user(
        email=invitation.email,
        full_name=invitation.full_name,
        language=language or invitation.language,
        institution=invitation.institution,
    )
    for role in invitation.roles:
        RoleGrant.objects.create(user=user, role=role)
    invitation.accepted_at, invitation.user = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "user"])
    audit_record(actor=user, action="accounts.invitation.accepted", obj=invitation, payload={"user": user.pk})
    _password_link_send(user=user)
    return user


# --- password links ----------------------------------------------------------------------------


def _password_link_send(*, user: User) -> None:
    token, digest = new_token()
    link = PasswordLink.objects.create(
        user=user,
        token_hash=digest,
        expires_at=timezone.now() + timedelta(minutes=settings.PASSWORD_LINK_VALID_MINUTES),
    )
    audit_record(actor=user, action="accounts.password_link.sent", obj=link)
    email_send(
        to=user.email,
        template="set_password",
        context={
            "user": user,
            "link": f"/konto/passord/{token}/",
            "minutes": settings.PASSWORD_LINK_VALID_MINUTES,
        },
        language=user.language,
    )


@transaction.atomic
def password_link_request(*, email: str) -> None:
    """Forgotten password. Answers the same whether or not the address has an account."""
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is not None:
        _password_link_send(user=user)


def password_link_by_token(token: str) -> PasswordLink:
    link = PasswordLink.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if link is None:
        raise AccountError(_("This link is not valid. Check that you copied the whole link."))
    if link.used_at is not None:
        raise AccountError(
            _("This link has already been used. Ask for a new one if you need to set your password again.")
        )
    if link.expires_at <= timezone.now():
        raise AccountError(_("This link has expired. Ask for a new one below."))
    return link


@transaction.atomic
def password_set(*, token: str, password: str) -> User:
    link = password_link_by_token(token)
    link = PasswordLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    if link.used_at is not None:
        raise AccountError(
            _("This link has already been used. Ask for a new one if you need to set your password again.")
        )
    user = link.user
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    # Every other open link dies with this one.
    PasswordLink.objects.filter(user=user, used_at__isnull=True).update(used_at=link.used_at)
    audit_record(actor=user, action="accounts.password.set", obj=user)
    return user


# --- sign-in -----------------------------------------------------------------------------------


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def login_throttled(*, email: str, ip: str | None) -> bool:
    since = _window_start()
    failures = LoginAttempt.objects.filter(created_at__gte=since, succeeded=False)
    if failures.filter(email=email.strip().lower()).count() >= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT:
        return True
    return bool(ip) and failures.filter(ip=ip).count() >= settings.LOGIN_MAX_FAILURES_PER_IP


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str = ""


@transaction.atomic
def login_check_password(*, email: str, password: str, ip: str | None) -> LoginResult:
    """Check e-mail and password under the throttle. The second factor is checked separately."""
    email = email.strip().lower()
    if login_throttled(email=email, ip=ip):
        minutes = settings.LOGIN_FAILURE_WINDOW_MINUTES
        return LoginResult(
            None,
            ngettext(
                "Too many failed sign-ins. Wait %(minutes)d minute and try again, or set a new password.",
                "Too many failed sign-ins. Wait %(minutes)d minutes and try again, or set a new password.",
                minutes,
            )
            % {"minutes": minutes},
        )
    user = User.objects.filter(email=email, is_active=True).first()
    ok = user is not None and user.has_usable_password() and user.check_password(password)
    LoginAttempt.objects.create(email=email, ip=ip, succeeded=ok)
    if not ok:
        return LoginResult(None, _("The e-mail address or the password is wrong."))
    return LoginResult(user)


@transaction.atomic
def login_record(*, user: User, method: str) -> None:
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    audit_record(actor=user, action="accounts.user.signed_in", obj=user, payload={"method": method})


# --- second factor -----------------------------------------------------------------------------


def totp_secret_new() -> str:
    return pyotp.random_base32()


def totp_provisioning_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def _totp_matching_step(secret: str, code: str) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = timezone.now()
    # One step of clock drift either way.
    for offset in (0, -30, 30):
        moment = now + timedelta(seconds=offset)
        if secrets.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None


@transaction.atomic
def totp_confirm(*, user: User, secret: str, code: str) -> list[str]:
    """Confirm a new authenticator app; returns fresh recovery codes (shown once)."""
    step = _totp_matching_step(secret, code)
    if step is None:
        raise AccountError(_("The code is wrong or too old. Enter the 6 digits your app shows now."))
    TotpDevice.objects.filter(user=user).delete()
    TotpDevice.objects.create(
        user=user, secret_encrypted=seal(secret, purpose="totp"), confirmed=True, last_used_step=step
    )
    codes = _recovery_codes_new(user=user)
    audit_record(actor=user, action="accounts.mfa.totp_enabled", obj=user)
    return codes


def _recovery_codes_new(*, user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.randbelow(10**10):010d}" for _ in range(10)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=token_hash(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def totp_verify(*, user: User, code: str, ip: str | None) -> bool:
    """Check a sign-in code (or a recovery code). Failures count towards the throttle."""
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    ok = False
    if device is not None:
        step = _totp_matching_step(unseal(device.secret_encrypted, purpose="totp"), code)
        if step is not None and step > device.last_used_step:  # a code is good once
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            ok = True
    if not ok:
        digits = "".join(ch for ch in code if ch.isdigit())
        recovery = RecoveryCode.objects.filter(
            user=user, used_at__isnull=True, code_hash=token_hash(digits)
        ).first()
        if recovery is not None:
            recovery.used_at = timezone.now()
            recovery.save(update_fields=["used_at"])
            audit_record(actor=user, action="accounts.mfa.recovery_code_used", obj=user)
            ok = True
    if not ok:
        LoginAttempt.objects.create(email=user.email, ip=ip, succeeded=False)
    return ok


@transaction.atomic
def totp_disable(*, user: User) -> None:
    if user.is_staff_member and settings.STAFF_MFA_REQUIRED:
        raise AccountError(_("Staff cannot turn off the second factor."))
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(actor=user, action="accounts.mfa.totp_disabled", obj=user)


# --- profile -----------------------------------------------------------------------------------


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise AccountError(_("Unknown language."))
    user.language = language
    user.save(update_fields=["language"])
    audit_record(
        actor=user, action="accounts.user.language_changed", obj=user, payload={"language": language}
    )


@transaction.atomic
def user_set_mobile(*, user: User, mobile: str) -> None:
    """Change the number that receives one-time passwords; the view demands re-authentication."""
    user.mobile = normalise_mobile(mobile)
    user.mobile_verified_at = None
    user.save(update_fields=["mobile", "mobile_verified_at"])
    audit_record(actor=user, action="accounts.user.mobile_changed", obj=user)


@transaction.atomic
def role_grant(*, actor: User | None, user: User, role: str) -> None:
    if role not in Role.values:
        raise AccountError(_("Unknown role: %(role)s") % {"role": role})
    _grant, created = RoleGrant.objects.get_or_create(user=user, role=role)
    if created:
        audit_record(actor=actor, action="accounts.role.granted", obj=user, payload={"role": role})
    user.__dict__.pop("role_set", None)


# --- API tokens --------------------------------------------------------------------------------

API_TOKEN_PREFIX = "tlg_"  # noqa: S105 (a prefix, not a secret)


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int | None = 90) -> tuple[ApiToken, str]:
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or _("API token"),
        prefix=raw[:10],
        token_hash=token_hash(raw),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit_record(actor=user, action="accounts.api_token.created", obj=token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise AccountError(_("No such token."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=user, action="accounts.api_token.revoked", obj=token)


def api_token_user(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= timezone.now()):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
