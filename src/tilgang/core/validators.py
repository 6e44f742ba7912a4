"""Validators for identifiers users type in: organisation numbers and mobile numbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.no import orgnr as stdnum_orgnr


def normalise_orgnr(value: str) -> str:
    """Return the 9-digit organisation number, or raise a translated ValidationError."""
    compact = "".join(value.split())
    if not compact.isdigit() or len(compact) != 9:
        raise ValidationError(_("An organisation number has exactly 9 digits."), code="orgnr_format")
    if not stdnum_orgnr.is_valid(compact):
        raise ValidationError(
            _("%(value)s is not a valid organisation number: the check digit does not match.")
            % {"value": compact},
            code="orgnr_checksum",
        )
    return compact


def normalise_mobile(value: str) -> str:
    """Return a mobile number in E.164 (+4791234567); Norwegian numbers may omit +47."""
    try:
        number = phonenumbers.parse(value, "NO")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("Enter a mobile number, for example +47 912 34 567."), code="mobile_format"
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(value)s is not a valid phone number.") % {"value": value}, code="mobile_invalid"
        )
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValidationError(
            _("%(value)s is not a mobile number; the one-time passwords come by SMS.") % {"value": value},
            code="mobile_not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
