"""The office's checklist (DOMAIN R-ELIG-2) is translated, on the page and in the decision letter."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.functional import Promise

from tilgang.institutions import services

pytestmark = pytest.mark.django_db


def test_R_ELIG_2_checklist_texts_are_marked_for_translation():
    # Marked texts are extracted by `make messages`; a plain string would stay English on nb/nn pages.
    assert all(isinstance(text, Promise) for _code, text in services.CHECKLIST)


def test_R_ELIG_2_checklist_follows_the_language_it_is_read_in(monkeypatch):
    english = str(services.CHECKLIST[0][1])
    catalogue = translation.trans_real.translation("nn")
    known = catalogue.gettext
    nynorsk = "Vedtektene gjer forsking til eit føremål."
    monkeypatch.setattr(catalogue, "gettext", lambda text: nynorsk if text == english else known(text))
    with translation.override("nn"):
        assert services.checklist_items()[0] == ("statutes", nynorsk)
    with translation.override("en"):
        assert services.checklist_items()[0] == ("statutes", english)
