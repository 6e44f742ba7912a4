import pytest
from django.core.exceptions import ValidationError

from tilgang.core.validators import normalise_mobile, normalise_orgnr


@pytest.mark.parametrize("value", ["971035854", "971 035 854", "974760843"])
def test_valid_organisation_numbers(value):
    assert normalise_orgnr(value) == value.replace(" ", "")


@pytest.mark.parametrize(
    ("value", "message"), [("971035855", "check digit"), ("97103585", "9 digits"), ("abcdefghi", "9 digits")]
)
def test_malformed_organisation_numbers_are_explained(value, message):
    with pytest.raises(ValidationError, match=message):
        normalise_orgnr(value)


@pytest.mark.parametrize(
    ("value", "e164"),
    [("912 34 567", "+4791234567"), ("+47 412 34 567", "+4741234567"), ("+46 70 123 45 67", "+46701234567")],
)
def test_mobile_numbers_become_e164(value, e164):
    assert normalise_mobile(value) == e164


@pytest.mark.parametrize("value", ["123", "not a number", "+47 22 12 34 56"])
def test_bad_or_landline_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        normalise_mobile(value)
