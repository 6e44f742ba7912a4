"""Fixtures for the institutions tests: list files, staff and applicants, documents."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

DATA = Path(__file__).resolve().parent / "data"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def pdf_bytes(text: str = "Vedtekter") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def docx_bytes(*, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        content_types = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        if macro:
            content_types += (
                '<Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
            )
        archive.writestr("[Content_Types].xml", content_types + "</Types>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00" * 32)
    return buffer.getvalue()


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else pdf_bytes(name))


@pytest.fixture
def admin(make_user):
    return make_user("administrator", email="admin@example.org", full_name="Ada Admin", language="en")


@pytest.fixture
def jurist(make_user):
    return make_user("legal_reviewer", email="jurist@example.org", full_name="Jon Jurist", language="en")


@pytest.fixture
def applicant(make_user):
    return make_user(email="soker@fjordforsk.example", full_name="Solveig Søker", language="nb")


@pytest.fixture
def institution_factory(db):
    from tilgang.institutions.models import Institution, InstitutionKind

    def make(name="Testinstitutt", orgnr="", country="NO", kind=InstitutionKind.OTHER, **fields):
        with transaction.atomic():
            return Institution.objects.create(name=name, orgnr=orgnr, country=country, kind=kind, **fields)

    return make


@pytest.fixture
def approved(institution_factory):
    """An institution with an approval from ``source`` from ``start`` to ``end``."""
    from tilgang.institutions.models import Approval
    from tilgang.institutions.services import approval_summary_refresh

    def make(source="nfr", start=date(2020, 1, 1), end=None, **fields):
        institution = institution_factory(**fields)
        Approval.objects.create(institution=institution, source=source, valid_from=start, valid_to=end)
        approval_summary_refresh(institution, on=start)
        return institution

    return make


REQUEST_FIELDS = {
    "name": "Fjordforsk analyse AS",
    "orgnr": "923456783",
    "research_statement": "Uavhengig forskning med forskere med doktorgrad.",
    "rd_person_years": "6.5",
    "staff_count": 11,
}


def project_rows(year: int) -> list[dict]:
    return [
        {"title": "Unge utenfor", "year": year - 1, "funding_source": "Forskningsrådet", "amount_nok": 2400000,
         "published_where": "Søkelys på arbeidslivet"},
    ]  # fmt: skip
