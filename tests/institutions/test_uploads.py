"""The reusable document check: real content types, size, no executables, no macros."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.institutions.conftest import docx_bytes, pdf_bytes
from tilgang.institutions.uploads import UploadError, validate_document


def check(name: str, data: bytes, **kwargs):
    return validate_document(io.BytesIO(data), name, **kwargs)


def test_a_real_pdf_passes_and_is_described():
    data = pdf_bytes()
    checked = check("vedtekter.pdf", data)
    assert (checked.kind, checked.content_type, checked.size) == ("pdf", "application/pdf", len(data))
    assert len(checked.sha256) == 64


def test_docx_xlsx_and_odt_are_recognised_by_their_content():
    assert check("notat.docx", docx_bytes()).kind == "docx"
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert check("prosjekter.xlsx", buffer.getvalue()).kind == "xlsx"
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    assert check("arsmelding.odt", odt.getvalue()).kind == "odt"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("vedtekter.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "Programs and scripts"),
        ("vedtekter.pdf", b"\x7fELF\x02\x01", "Programs and scripts"),
        ("skript.pdf", b"#!/bin/sh\nrm -rf /\n", "Programs and scripts"),
        ("vedtekter.pdf", b"just some text pretending", "not a PDF, Word"),
        ("gammel.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "Old Word and Excel"),
        ("tom.pdf", b"", "empty"),
    ],
)
def test_wrong_content_is_refused(name, data, message):
    with pytest.raises(UploadError, match=message):
        check(name, data)


def test_macros_and_scripts_are_refused():
    with pytest.raises(UploadError, match="macros"):
        check("notat.docx", docx_bytes(macro=True))
    with pytest.raises(UploadError, match="scripts, actions"):
        check("skjema.pdf", b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n")
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("Basic/Standard/Module1.xml", "<script/>")
    with pytest.raises(UploadError, match="macros or scripts"):
        check("makro.odt", odt.getvalue())


def test_extension_must_agree_with_the_content():
    with pytest.raises(UploadError, match="is a PDF file but is named .docx"):
        check("vedtekter.docx", pdf_bytes())


def test_size_limit_and_allowed_kinds():
    with pytest.raises(UploadError, match="larger than"):
        check("stor.pdf", pdf_bytes(), max_bytes=100)
    with pytest.raises(UploadError, match="Accepted: PDF"):
        check("notat.docx", docx_bytes(), allowed=("pdf",))


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"0" * (201 * 1024 * 1024))
    with pytest.raises(UploadError, match="unpacks"):
        check("bombe.docx", buffer.getvalue())
