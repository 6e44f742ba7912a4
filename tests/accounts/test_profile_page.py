"""The profile page explains how to use an API token."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "placeholder"), [("en", "&lt;token&gt;"), ("nb", "&lt;nøkkel&gt;"), ("nn", "&lt;nøkkel&gt;")]
)
def test_the_api_help_shows_the_token_placeholder_as_text(make_user, client_for, language, placeholder):
    user = make_user(language=language)
    page = client_for(user).get(reverse("accounts:profile"), headers={"Accept-Language": language})
    text = page.content.decode()
    assert f"Authorization: Bearer {placeholder}" in text
    assert "Bearer <" not in text  # not swallowed by the browser as a tag
