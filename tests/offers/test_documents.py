"""The offer and the agreement as PDF in the applicant's language, read back as text with pdftotext."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.offers.conftest import accept, granted, sent_offer
from tilgang.offers.pricing import NBSP


@pytest.fixture(autouse=True)
def _pdftotext():
    # The PDFs are checked as text; without poppler-utils this must fail, not pass unchecked.
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (.ci/run installs it)")


def _text(field) -> str:
    import tempfile

    with field.open("rb") as handle, tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(handle.read())
        pdf.flush()
        out = subprocess.run(["pdftotext", "-layout", pdf.name, "-"], capture_output=True, check=True).stdout
    return " ".join(out.decode().replace(NBSP, " ").split())


@pytest.mark.parametrize(
    ("language", "total", "date_word"),
    [("nb", "28 437,50 kr", "desember"), ("nn", "28 437,50 kr", "desember"), ("en", "NOK 28,437.50", "Dec.")],
)
def test_offer_pdf_in_the_applicants_language(people, catalog, tariff, language, total, date_word):
    import time_machine

    applicant = people["applicant"]
    applicant.language = language
    applicant.save()
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        application = granted(people, catalog)
        offer = sent_offer(people, application)
        text = _text(offer.document)
        assert application.case_number in text
        assert total in text  # the total with VAT, in the reader's own notation
        assert (
            f"15. {date_word} 2026" in text or f"{date_word} 15, 2026" in text
        )  # English: Dec. 15, 2026  # accept by: two weeks later
        if language == "en":
            assert "Offer and data agreement" in text and "Total before VAT" in text
        offer = accept(people, offer)
        agreement = _text(offer.agreement)
        assert "UIO-4711" in agreement and "Liv Leder" in agreement and "0316 Oslo" in agreement
