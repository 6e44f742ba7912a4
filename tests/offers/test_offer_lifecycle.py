"""From a decided case to a signed agreement: R-CASE-3, R-CASE-4 and the price lines proposed from the case."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tests.offers.conftest import accept, declarations, granted, sent_offer
from tilgang.applications.lifecycle import State
from tilgang.applications.models import Application
from tilgang.audit.models import AuditEvent
from tilgang.offers import selectors, services, sweeps
from tilgang.offers.models import LineItem, Offer, OfferStatus, Signature


def _refused(call, message: str):
    with pytest.raises(services.OfferError) as caught, transaction.atomic():
        call()
    assert message in str(caught.value)


def test_R_CASE_3_no_offer_and_no_price_before_the_decision(people, catalog, tariff):
    from tests.applications.conftest import complete_draft, run, to_assigned

    application = complete_draft(people, catalog)
    to_assigned(people, application)  # legal review passed, but no decision yet
    _refused(lambda: services.offer_create(actor=people["officer"], application=application),
             "only once access has been granted")  # fmt: skip
    assert not Offer.objects.exists()
    run(
        people["officer"],
        application,
        "grant_access",
        deletion_deadline=application.period_end + timedelta(days=9),
    )
    offer = services.offer_create(actor=people["officer"], application=application)
    # A draft (with its price) is for case staff only; the applicant sees it once sent.
    assert selectors.offer_for(people["applicant"], offer.pk) is None
    assert selectors.offer_for(people["officer"], offer.pk) == offer
    services.offer_send(actor=people["officer"], offer=offer)
    assert selectors.offer_for(people["applicant"], offer.pk) == offer


def test_lines_are_proposed_from_the_case_fixed_per_area_and_fdtrygd_table(people, catalog, tariff, fdtrygd):
    application = granted(
        people, catalog, third_party_data=True, third_party_owners="NAV, exemption attached",
        variables=("BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSDATO", "INNTEKT_WLONN", "ARBSOK_STATUS",
                   "ARBSOK_PERIODE", "UFOERE_GRAD"),
    )  # fmt: skip
    offer = services.offer_create(actor=people["officer"], application=application)
    lines = [(line.item, line.key, line.quantity, line.unit_price) for line in offer.lines.all()]
    assert lines == [
        (LineItem.COORDINATION, "", Decimal("6.00"), Decimal("1250.00")),
        (LineItem.POPULATION, "", Decimal("4.00"), Decimal("1250.00")),
        (LineItem.THIRD_PARTY, "", Decimal("10.00"), Decimal("1250.00")),
        (LineItem.FDTRYGD, "ARBSOK", Decimal("1.00"), Decimal("4800.00")),  # two variables, one table
        (LineItem.FDTRYGD, "UFOERE", Decimal("1.00"), Decimal("4800.00")),
        (LineItem.AREA, "BEF", Decimal("1.00"), Decimal("6500.00")),  # two variables, one area
        (LineItem.AREA, "INNT", Decimal("1.00"), Decimal("7800.00")),  # the area's own price
        (LineItem.ARCHIVING, "", Decimal("3.00"), Decimal("1250.00")),
    ]
    # 23 h × 1250 = 28 750; + 4800 × 2 + 6500 + 7800 = 52 650; VAT 13 162,50
    assert (offer.subtotal, offer.vat, offer.total) == (
        Decimal("52650.00"),
        Decimal("13162.50"),
        Decimal("65812.50"),
    )


def test_no_third_party_line_without_third_party_data(people, catalog, tariff):
    offer = services.offer_create(actor=people["officer"], application=granted(people, catalog))
    assert LineItem.THIRD_PARTY not in offer.lines.values_list("item", flat=True)


def test_officer_adjusts_hours_and_adds_lines_with_a_reason_to_the_ore(people, catalog, tariff):
    offer = services.offer_create(actor=people["officer"], application=granted(people, catalog))
    coordination = offer.lines.get(item=LineItem.COORDINATION)
    services.offer_line_set(actor=people["officer"], offer=offer, line_id=coordination.pk, quantity="7,25")
    services.offer_line_add(actor=people["officer"], offer=offer, item=LineItem.OUTSIDE_LISTS, quantity="1.33",
                            reason="Documentation of the project's own codes")  # fmt: skip
    offer.refresh_from_db()
    # 7.25 + 4 + 3 = 14.25 h × 1250 = 17 812.50; area BEF 6500; 1.33 × 1450 = 1928.50 -> 26 241.00
    assert offer.subtotal == Decimal("26241.00")
    assert offer.vat == Decimal("6560.25")
    assert offer.total == Decimal("32801.25")
    added = offer.lines.get(item=LineItem.OUTSIDE_LISTS)
    assert added.reason and not added.proposed
    assert AuditEvent.objects.filter(action="offers.line.adjusted").exists()


def test_bad_lines_are_refused_and_nothing_changes(people, catalog, tariff):
    offer = services.offer_create(actor=people["officer"], application=granted(people, catalog))
    line = offer.lines.first()
    before = list(offer.lines.values_list("pk", "quantity"))
    _refused(lambda: services.offer_line_set(actor=people["officer"], offer=offer, line_id=line.pk, quantity="-2"),
             "cannot be negative")  # fmt: skip
    _refused(lambda: services.offer_line_add(actor=people["officer"], offer=offer, item="gold_plating",
                                             quantity="1", reason="x"), "Unknown tariff item")  # fmt: skip
    _refused(lambda: services.offer_line_add(actor=people["officer"], offer=offer, item="other_hours",
                                             quantity="1", reason=" "), "reason")  # fmt: skip
    _refused(lambda: services.offer_line_set(actor=people["officer"], offer=offer, line_id=line.pk, quantity="x"),
             "not a number")  # fmt: skip
    _refused(lambda: services.offer_line_set(actor=people["applicant"], offer=offer, line_id=line.pk, quantity="1"),
             "Only the case officer")  # fmt: skip
    assert list(offer.lines.values_list("pk", "quantity")) == before


def test_sending_starts_the_two_week_clock_and_moves_the_case(people, catalog, tariff, mailoutbox,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    application = granted(people, catalog)
    with django_capture_on_commit_callbacks(execute=True):
        offer = sent_offer(people, application)
    application.refresh_from_db()
    assert application.state == State.OFFER_SENT
    assert offer.status == OfferStatus.SENT
    assert offer.due_at - offer.sent_at == timedelta(days=14)
    assert offer.document and len(offer.document_sha256) == 64
    assert any("offer with price" in m.subject for m in mailoutbox if people["applicant"].email in m.to)


def test_changes_to_a_sent_offer_are_refused(people, catalog, tariff):
    offer = sent_offer(people, granted(people, catalog))
    line = offer.lines.first()
    _refused(lambda: services.offer_line_set(actor=people["officer"], offer=offer, line_id=line.pk, quantity="1"),
             "has been sent")  # fmt: skip
    _refused(
        lambda: services.offer_update(actor=people["officer"], offer=offer, special_terms="x"),
        "has been sent",
    )
    line.refresh_from_db()
    assert line.quantity != Decimal("1")


def test_R_CASE_4_acceptance_signatures_and_the_agreement_signed(people, catalog, tariff):
    application = granted(people, catalog)
    offer = sent_offer(people, application)
    # Only the named signatory may sign, and only once everything else is there.
    _refused(lambda: services.offer_sign(actor=people["signatory"], offer=offer, document_sha256="0" * 64),
             "must first accept")  # fmt: skip
    offer = accept(people, offer)
    assert len(offer.agreement_sha256) == 64
    application.refresh_from_db()
    assert application.state == State.OFFER_ACCEPTED  # the case says so before the signature
    offer = accept(people, offer)  # the acceptance may be given again (e.g. a new reference) until signed
    _refused(lambda: services.offer_sign(actor=people["member"], offer=offer, document_sha256=offer.agreement_sha256),
             "named as the signatory")  # fmt: skip
    _refused(lambda: services.offer_sign(actor=people["signatory"], offer=offer,
                                         document_sha256=offer.agreement_sha256), "Missing: ")  # fmt: skip
    declarations(people, offer)
    _refused(lambda: services.offer_sign(actor=people["signatory"], offer=offer, document_sha256="f" * 64),
             "has changed since you opened it")  # fmt: skip
    signature = services.offer_sign(
        actor=people["signatory"], offer=offer, document_sha256=offer.agreement_sha256
    )
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert application.state == State.AGREEMENT_SIGNED
    assert (
        signature.document_sha256
        == offer.agreement_sha256
        == services.documents.sha256(offer.agreement.read())
    )
    assert signature.signed_at is not None and signature.method == "portal"
    declarations_made = Signature.objects.filter(offer=offer, kind="declaration")
    assert declarations_made.count() == 3 and all(len(s.document_sha256) == 64 for s in declarations_made)
    commands = list(application.events.values_list("command", flat=True))
    assert commands.count("accept_offer") == 1 and commands[-1] == "sign_agreement"
    assert commands.index("accept_offer") < commands.index("sign_declaration")
    # The outgoing offer and the signed agreement are journalled (screened).
    from tilgang.inquiries.models import JournalEntry

    journalled = JournalEntry.objects.filter(case_sequence=application.case_sequence)
    assert {("U", "Offer and data agreement"), ("I", "Signed data agreement")} <= set(
        journalled.values_list("doc_type", "title")
    )


def test_R_CASE_4_acceptance_after_the_deadline_is_refused(people, catalog, tariff):
    offer = sent_offer(people, granted(people, catalog))
    with time_machine.travel(offer.due_at + timedelta(minutes=1)):
        _refused(lambda: accept(people, offer), "deadline for accepting the offer passed")
    offer.refresh_from_db()
    assert offer.invoice_address == "" and offer.status == OfferStatus.SENT


def test_R_CASE_4_the_signatory_must_be_a_signatory_of_the_project(people, catalog, tariff):
    offer = sent_offer(people, granted(people, catalog))
    member = offer.application.members.get(role="project_member")
    _refused(lambda: services.offer_accept(actor=people["applicant"], offer=offer, invoice_address="A", order_reference="1",
                                           signatory_id=member.pk), "Choose the signatory")  # fmt: skip
    _refused(lambda: services.offer_accept(actor=people["member"], offer=offer, invoice_address="A", order_reference="1",
                                           signatory_id=member.pk), "Only the applicant")  # fmt: skip
    _refused(lambda: services.offer_accept(actor=people["applicant"], offer=offer, invoice_address=" ",
                                           order_reference="1", signatory_id=None), "invoice address")  # fmt: skip


def test_R_CASE_4_upload_of_a_signed_pdf_is_the_fallback(people, catalog, tariff):
    import io

    from tests.applications.conftest import PDF

    application = granted(people, catalog)
    offer = accept(people, sent_offer(people, application))
    declarations(people, offer)
    _refused(lambda: services.offer_sign_upload(actor=people["member"], offer=offer, file=io.BytesIO(PDF),
                                                name="a.pdf"), "Only the applicant or the signatory")  # fmt: skip
    _refused(lambda: services.offer_sign_upload(actor=people["applicant"], offer=offer, file=io.BytesIO(b"MZ..."),
                                                name="a.pdf"), "")  # fmt: skip
    signature = services.offer_sign_upload(
        actor=people["applicant"], offer=offer, file=io.BytesIO(PDF), name="a.pdf"
    )
    application.refresh_from_db()
    assert application.state == State.AGREEMENT_SIGNED
    assert signature.method == "upload" and signature.upload_sha256 == services.documents.sha256(PDF)


def test_R_CASE_4_reminder_then_expiry_in_the_sweep(people, catalog, tariff, mailoutbox,
                                                   django_capture_on_commit_callbacks):  # fmt: skip
    application = granted(people, catalog)
    offer = sent_offer(people, application)
    assert sweeps.offer_reminders(timezone.now()) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.offer_reminders(offer.due_at - timedelta(days=2)) == 1
    assert sweeps.offer_reminders(offer.due_at - timedelta(days=1)) == 0  # once
    assert any("lapses soon" in m.subject for m in mailoutbox)
    assert sweeps.offers_expired(offer.due_at - timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.offers_expired(offer.due_at + timedelta(seconds=1)) == 1
    assert sweeps.offers_expired(offer.due_at + timedelta(days=1)) == 0  # idempotent
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED and application.state == State.OFFER_EXPIRED
    assert any("has lapsed" in m.subject for m in mailoutbox)
    # The officer may issue a new offer; the old one keeps its status.
    new = services.offer_create(actor=people["officer"], application=application)
    services.offer_send(actor=people["officer"], offer=new)
    assert Application.objects.get(pk=application.pk).state == State.OFFER_SENT


def test_R_CASE_4_an_accepted_offer_not_signed_in_time_lapses(people, catalog, tariff, mailoutbox,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    application = granted(people, catalog)
    offer = accept(people, sent_offer(people, application))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.offers_expired(offer.due_at + timedelta(seconds=1)) == 1
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED and application.state == State.OFFER_EXPIRED
    assert list(application.events.values_list("command", flat=True))[-2:] == ["accept_offer", "expire_offer"]
    _refused(lambda: services.offer_sign(actor=people["signatory"], offer=offer,
                                         document_sha256=offer.agreement_sha256), "can no longer")  # fmt: skip


def test_declining_with_a_reason_lapses_the_offer(people, catalog, tariff):
    application = granted(people, catalog)
    offer = sent_offer(people, application)
    _refused(lambda: services.offer_decline(actor=people["applicant"], offer=offer, reason=""), "Say why")
    services.offer_decline(actor=people["applicant"], offer=offer, reason="The project lost its funding.")
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED and application.state == State.OFFER_EXPIRED
    assert AuditEvent.objects.filter(action="offers.offer.declined", object_id=str(offer.pk)).exists()


def test_one_open_offer_at_a_time(people, catalog, tariff):
    application = granted(people, catalog)
    services.offer_create(actor=people["officer"], application=application)
    _refused(
        lambda: services.offer_create(actor=people["officer"], application=application),
        "already has an offer",
    )


def test_the_signed_agreement_is_told_to_applicant_and_case_officer_in_their_own_words(
    people, catalog, tariff, mailoutbox, django_capture_on_commit_callbacks
):
    application = granted(people, catalog)
    offer = accept(people, sent_offer(people, application))
    declarations(people, offer)
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_sign(actor=people["signatory"], offer=offer, document_sha256=offer.agreement_sha256)
    application.refresh_from_db()
    signed = {m.to[0]: m.body for m in mailoutbox if "agreement is signed" in m.subject}
    assert "send any third-party data only when the case officer asks" in signed[people["applicant"].email]
    to_officer = signed[application.case_officer.email]
    assert "You can start preparing the data" in to_officer
    assert "only when the case officer asks" not in to_officer
