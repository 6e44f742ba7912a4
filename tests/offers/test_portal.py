"""The portal pages: the officer builds and sends, the applicant accepts, members declare, the signatory signs
after re-authentication; administrators keep the tariff; invoice bases are exported."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from tests.offers.conftest import TARIFF, granted
from tilgang.accounts.middleware import SESSION_REAUTH_AT
from tilgang.applications.lifecycle import State
from tilgang.offers import services
from tilgang.offers.models import Offer, Tariff


def test_portal_journey(client_for, people, catalog, tariff):
    application = granted(people, catalog)
    officer = client_for(people["officer"])
    response = officer.post(reverse("offers:create", args=[application.pk]), {"kind": "initial"})
    offer = Offer.objects.get()
    assert response.headers["Location"] == reverse("offers:detail", args=[offer.pk])
    page = officer.get(reverse("offers:detail", args=[offer.pk]))
    assert page.status_code == 200 and "Coordination, clarification, offer and agreement" in page.text
    line = offer.lines.first()
    officer.post(reverse("offers:line_set", args=[offer.pk, line.pk]), {f"line{line.pk}-quantity": "-3"})
    line.refresh_from_db()
    assert line.quantity > 0  # refused
    applicant = client_for(people["applicant"])
    assert applicant.get(reverse("offers:detail", args=[offer.pk])).status_code == 404  # R-CASE-3: a draft
    officer.post(reverse("offers:send", args=[offer.pk]))
    page = applicant.get(reverse("offers:detail", args=[offer.pk]))
    assert page.status_code == 200 and "Accept the offer" in page.text
    assert "NOK\u00a028,437.50" in page.text  # the applicant's language (English)
    signatory = application.members.get(role="signatory")
    response = applicant.post(reverse("offers:accept", args=[offer.pk]), {
        "accept-invoice_address": "Postboks 1072 Blindern\n0316 Oslo", "accept-order_reference": "UIO-9",
        "accept-signatory": signatory.pk})  # fmt: skip
    assert response.status_code == 302
    for who in ("applicant", "member", "signatory"):
        client_for(people[who]).post(
            reverse("offers:declaration", args=[offer.pk]), {"declaration-confirm": "on"}
        )
    signer = client_for(people["signatory"])
    session = signer.session
    session[SESSION_REAUTH_AT] = 0  # not recently re-authenticated
    session.save()
    response = signer.get(reverse("offers:sign", args=[offer.pk]))
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("accounts:reauth"))
    signer = client_for(people["signatory"])
    offer.refresh_from_db()
    page = signer.get(reverse("offers:sign", args=[offer.pk]))
    assert offer.agreement_sha256 in page.text
    response = signer.post(reverse("offers:sign", args=[offer.pk]),
                           {"sign-document_sha256": offer.agreement_sha256, "sign-confirm": "on"})  # fmt: skip
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.AGREEMENT_SIGNED
    assert applicant.get(reverse("offers:agreement", args=[offer.pk]))["Content-Type"] == "application/pdf"


def test_tariff_pages_for_administrators(client_for, make_user, tariff):
    admin = client_for(make_user("administrator"))
    assert "1250.00" in admin.get(reverse("offers:tariffs")).text
    form = {**{k: v for k, v in TARIFF.items() if k != "prices"}, "valid_from": "2027-01-01",
            "prices": "fdtrygd ARBSOK 5200\narea INNTEKT 7800"}  # fmt: skip
    response = admin.post(reverse("offers:tariffs"), form)
    assert response.status_code == 302
    assert Tariff.objects.count() == 2
    bad = admin.post(reverse("offers:tariffs"), {**form, "valid_from": "2028-01-01", "prices": "gold 1"})
    assert bad.status_code == 200 and "Line 1" in bad.text
    bad = admin.post(reverse("offers:tariffs"), {**form, "valid_from": "2028-01-01", "hourly_rate": "-1"})
    assert "cannot be negative" in bad.text and Tariff.objects.count() == 2


def test_invoice_exports(client_for, make_user, people, catalog, tariff):
    from tests.offers.test_invoices import _delivered

    application, _offer = _delivered(people, catalog)
    with transaction.atomic():
        invoice = services.invoice_basis_create(actor=None, application=application)
    finance = client_for(make_user("administrator"))
    assert invoice.number in finance.get(reverse("offers:invoices")).text
    xml = finance.get(reverse("offers:invoice_xml", args=[invoice.pk]))
    assert xml.status_code == 200 and b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in xml.content
    csv = finance.post(reverse("offers:invoices_csv"))
    assert invoice.number in csv.content.decode()
    invoice.refresh_from_db()
    assert invoice.exported_at is not None


def test_R_CASE_4_paper_signature_uploaded_and_checked_by_staff(client_for, people, catalog, tariff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.applications.conftest import PDF
    from tests.offers.conftest import accept, declarations, sent_offer

    application = granted(people, catalog)
    offer = accept(people, sent_offer(people, application))
    declarations(people, offer)
    applicant = client_for(people["applicant"])
    upload = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    response = applicant.post(reverse("offers:upload", args=[offer.pk]), {"upload-file": upload})
    assert response.status_code == 302
    signature = offer.signatures.get(kind="agreement")
    assert applicant.get(reverse("offers:signed_upload", args=[offer.pk, signature.pk])).status_code in (
        403,
        404,
    )
    staff_copy = client_for(people["officer"]).get(
        reverse("offers:signed_upload", args=[offer.pk, signature.pk])
    )
    assert b"".join(staff_copy.streaming_content) == PDF
    application.refresh_from_db()
    assert application.state == State.AGREEMENT_SIGNED


def test_only_the_case_officer_is_offered_to_make_an_offer(client_for, people, catalog, tariff):
    application = granted(people, catalog)
    url = reverse("offers:case", args=[application.pk])
    assert 'id="offer-create"' in client_for(people["officer"]).get(url).text
    assert 'id="offer-create"' not in client_for(people["applicant"]).get(url).text
