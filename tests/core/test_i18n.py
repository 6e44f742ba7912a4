"""The portal speaks bokmål, nynorsk and English: complete catalogues, compiled, and used."""

import gettext
from pathlib import Path

import polib
import pytest
from django.urls import reverse

LOCALE = Path(__file__).resolve().parents[2] / "src" / "tilgang" / "locale"


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_catalogue_is_complete(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_compiled_catalogue_matches_the_source(language):
    # A .po edited without running `make messages` would ship stale translations.
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.parametrize(("language", "heading"), [("nb", "Logg inn"), ("nn", "Logg inn"), ("en", "Sign in")])
def test_login_page_in_each_language(client, db, language, heading):
    response = client.get(reverse("accounts:login"), headers={"Accept-Language": language})
    assert f'<html lang="{language}"' in response.content.decode()
    assert heading in response.content.decode()


def test_bokmaal_is_the_default(client, db):
    response = client.get(reverse("accounts:login"))
    assert '<html lang="nb"' in response.content.decode()


def test_nynorsk_differs_from_bokmaal(client, db):
    nb = client.get(
        reverse("accounts:password_forgotten"), headers={"Accept-Language": "nb"}
    ).content.decode()
    nn = client.get(
        reverse("accounts:password_forgotten"), headers={"Accept-Language": "nn"}
    ).content.decode()
    assert nb != nn


def test_every_text_in_the_code_is_in_the_catalogues(tmp_path):
    """Extract the texts afresh (in a copy, so the real catalogues stay untouched) and require that
    each has a bokmål and a nynorsk translation: a new text cannot ship untranslated."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed (apt-get install gettext); .ci/run installs it")
    source = LOCALE.parent.parent
    copy = tmp_path / "src"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "engine"))
    env = {**os.environ, "PYTHONPATH": str(copy), "DJANGO_SETTINGS_MODULE": "tilgang.config.settings"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "nb",
            "-l",
            "nn",
            "--no-obsolete",
            "-i",
            "engine/*",
        ],
        cwd=copy / "tilgang",
        env=env,
        check=True,
        capture_output=True,
    )
    for language in ("nb", "nn"):
        po = polib.pofile(str(copy / "tilgang" / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = [entry.msgid for entry in po.untranslated_entries() + po.fuzzy_entries()]
        assert missing == [], f"{language}: run `make messages` and translate: {missing[:20]}"


@pytest.mark.parametrize(("language", "label"), [("nb", "Velg …"), ("nn", "Vel …"), ("en", "Choose…")])
def test_empty_choices_speak_the_users_language(client, db, language, label):
    """Django's own "- Select an option -" has no Norwegian; every empty <select> choice is ours."""
    response = client.get(reverse("inquiries:ask"), headers={"Accept-Language": language})
    text = response.content.decode()
    assert "Select an option" not in text
    assert f">{label}</option>" in text
