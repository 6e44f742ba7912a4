"""Password policy after NIST SP 800-63B: length and a blocklist, no composition rules."""

from __future__ import annotations

import re
from functools import cache

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@cache
def _common_passwords() -> frozenset[str]:
    # Django ships a list of 20,000 common passwords; reuse it as the blocklist.
    return frozenset(CommonPasswordValidator().passwords)


def _normalised(value: str) -> str:
    return re.sub(r"\s+", "", value.lower())


def _is_repetition(value: str) -> bool:
    """ "passwordpassword", "abcabcabcabc", "aaaaaaaa…": a short unit repeated is as weak as the unit."""
    for size in range(1, len(value) // 2 + 1):
        if len(value) % size == 0 and value[:size] * (len(value) // size) == value:
            return True
    return False


class NistPasswordValidator:
    """Minimum 15 characters without a second factor (8 with one), any Unicode, up to 256."""

    def validate(self, password: str, user=None) -> None:
        has_second_factor = bool(user is not None and getattr(user, "pk", None) and user.has_totp)
        minimum = (
            settings.PASSWORD_MIN_LENGTH_WITH_MFA
            if has_second_factor
            else settings.PASSWORD_MIN_LENGTH_SINGLE_FACTOR
        )
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "The password must be at least %(min)d character long.",
                    "The password must be at least %(min)d characters long.",
                    minimum,
                )
                % {"min": minimum},
                code="password_too_short",
            )
        if len(password) > settings.PASSWORD_MAX_LENGTH:
            raise ValidationError(
                _("The password can be at most %(max)d characters long.")
                % {"max": settings.PASSWORD_MAX_LENGTH},
                code="password_too_long",
            )
        normalised = _normalised(password)
        if normalised in _common_passwords() or _is_repetition(normalised):
            raise ValidationError(
                _("This password is too common. Choose another one."), code="password_too_common"
            )
        if user is not None:
            parts = [getattr(user, "email", "") or ""]
            parts += (getattr(user, "email", "") or "").split("@")[:1]
            parts += (getattr(user, "full_name", "") or "").split()
            for part in parts:
                part = _normalised(part)
                if len(part) >= 3 and part in normalised:
                    raise ValidationError(
                        _("The password must not contain your name or e-mail address."),
                        code="password_too_similar",
                    )

    def get_help_text(self) -> str:
        return _(
            "Use at least %(min)d characters. A sentence you remember works well; any letters, "
            "spaces and symbols are allowed."
        ) % {"min": settings.PASSWORD_MIN_LENGTH_SINGLE_FACTOR}
