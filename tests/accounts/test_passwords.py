"""Password policy after NIST SP 800-63B."""

import pytest
from django.core.exceptions import ValidationError

from tilgang.accounts.passwords import NistPasswordValidator


@pytest.fixture
def person(make_user):
    return make_user(email="ola.hansen@example.org", full_name="Ola Hansen")


def _check(password, user=None):
    NistPasswordValidator().validate(password, user)


def test_fifteen_characters_minimum_without_second_factor(person):
    with pytest.raises(ValidationError, match="15"):
        _check("fourteen chars", person)
    _check("fifteen chars!!", person)


def test_long_and_unicode_passwords_are_welcome(person):
    _check("ærlig talt, blåbærsyltetøy på søndager er best; " + "x" * 40 + " og det er sant", person)
    _check("Ελληνικά και 日本語 och ещё кое-что", person)


def test_no_composition_rules(person):
    _check("only lowercase letters here", person)


def test_common_passwords_are_refused(person):
    with pytest.raises(ValidationError, match="common"):
        _check("passwordpassword", person)
    with pytest.raises(ValidationError, match="common"):
        _check("aaaaaaaaaaaaaaaaaaaa", person)


def test_password_with_name_or_email_is_refused(person):
    with pytest.raises(ValidationError, match="name or e-mail"):
        _check("my name is hansen and i like it", person)
    with pytest.raises(ValidationError, match="name or e-mail"):
        _check("ola.hansen is my password", person)


def test_over_the_maximum_is_refused(person):
    with pytest.raises(ValidationError):
        _check("x" * 300, person)
