"""Invoice bases at delivery and for change agreements (R-CASE-7), exported as CSV and as EHF / PEPPOL BIS
Billing 3.0 UBL, validated against the UBL 2.1 schema and the BIS 3 rules that concern what we write."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import transaction
from lxml import etree

from tests.applications.conftest import run
from tests.offers.conftest import accept, declarations, granted, sent_offer
from tilgang.applications.lifecycle import Command, State
from tilgang.applications.models import ChangeStatus
from tilgang.offers import invoicing, services
from tilgang.offers.models import InvoiceKind, OfferKind, OfferStatus


def _delivered(people, catalog):
    application = granted(people, catalog)
    offer = accept(people, sent_offer(people, application))
    declarations(people, offer)
    services.offer_sign(actor=people["signatory"], offer=offer, document_sha256=offer.agreement_sha256)
    run(people["officer"], application, Command.START_PREPARATION)
    run(people["officer"], application, Command.DELIVER)
    return application, offer


@pytest.fixture
def invoice(people, catalog, tariff):
    application, _offer = _delivered(people, catalog)
    with transaction.atomic():
        return services.invoice_basis_create(actor=None, application=application, kind=InvoiceKind.DELIVERY)


def test_invoice_basis_at_delivery_has_lines_vat_address_reference_and_case(invoice):
    assert invoice.order_reference == "UIO-4711"
    assert "0316 Oslo" in invoice.invoice_address
    assert invoice.case_number == invoice.application.case_number
    assert invoice.buyer_orgnr == "971035854"
    # 6 + 4 + 3 h × 1250 = 16 250; area BEF 6500 -> 22 750; VAT 5687.50
    assert (invoice.subtotal, invoice.vat, invoice.total) == (Decimal("22750.00"), Decimal("5687.50"),
                                                              Decimal("28437.50"))  # fmt: skip
    assert sum(Decimal(line["amount"]) for line in invoice.lines) == invoice.subtotal


def test_invoice_basis_is_made_once(invoice):
    again = services.invoice_basis_create(actor=None, application=invoice.application, kind="delivery")
    assert again.pk == invoice.pk


def test_no_invoice_without_an_accepted_offer(people, catalog, tariff):
    application = granted(people, catalog)
    with pytest.raises(services.OfferError, match="no accepted offer"), transaction.atomic():
        services.invoice_basis_create(actor=None, application=application)


def test_csv_export(invoice):
    rows = list(csv.DictReader(io.StringIO(invoicing.invoice_csv([invoice]))))
    assert len(rows) == len(invoice.lines)
    assert rows[0]["invoice_number"] == invoice.number and rows[0]["order_reference"] == "UIO-4711"
    assert rows[0]["total"] == "28437.50" and rows[0]["vat"] == "5687.50"


def test_ubl_is_valid_against_the_ubl_21_schema_and_peppol_bis_3(invoice):
    xml = invoicing.invoice_ubl(invoice)
    assert invoicing.schema_errors(xml) == []
    assert invoicing.peppol_problems(xml) == []
    doc = etree.fromstring(xml)
    ns = invoicing.NS
    assert doc.findtext("cbc:CustomizationID", namespaces=ns) == invoicing.CUSTOMIZATION_ID
    assert doc.findtext("cbc:ProfileID", namespaces=ns) == invoicing.PROFILE_ID
    assert doc.findtext("cbc:BuyerReference", namespaces=ns) == "UIO-4711"
    buyer = doc.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", ns)
    assert (buyer.text, buyer.get("schemeID")) == ("971035854", "0192")
    assert (
        doc.findtext("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cbc:PostalZone", namespaces=ns)
        == "0316"
    )
    assert doc.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", namespaces=ns) == "S"
    assert doc.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", namespaces=ns) == "25"
    assert doc.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=ns) == "28437.50"
    assert doc.findtext("cac:ContractDocumentReference/cbc:ID", namespaces=ns) == invoice.case_number


def test_the_schema_check_catches_broken_documents(invoice):
    xml = invoicing.invoice_ubl(invoice)
    doc = etree.fromstring(xml)
    ns = invoicing.NS
    # An amount without its currency, elements out of order, a mandatory element missing.
    no_currency = etree.fromstring(xml)
    del no_currency.find("cac:LegalMonetaryTotal/cbc:PayableAmount", ns).attrib["currencyID"]
    assert invoicing.schema_errors(etree.tostring(no_currency))
    swapped = etree.fromstring(xml)
    issue = swapped.find("cbc:IssueDate", ns)
    swapped.remove(issue)
    swapped.append(issue)
    assert invoicing.schema_errors(etree.tostring(swapped))
    missing = etree.fromstring(xml)
    missing.remove(missing.find("cac:LegalMonetaryTotal", ns))
    assert invoicing.schema_errors(etree.tostring(missing))
    # And the BIS 3 arithmetic: a wrong VAT amount is caught.
    doc.find("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", ns).text = "5687.49"
    assert "BR-S-09 / BR-CO-17 VAT amount" in invoicing.peppol_problems(etree.tostring(doc))


def test_R_CASE_7_change_agreement_with_the_handling_cost(people, catalog, tariff):
    application, first = _delivered(people, catalog)
    run(people["applicant"], application, Command.CONFIRM_RECEIPT)
    run(people["applicant"], application, Command.REQUEST_CHANGE, kinds=["extended_period"],
        description="Two more years.", new_period_end="2031-12-31")  # fmt: skip
    change = services.offer_create(actor=people["officer"], application=application, kind=OfferKind.CHANGE)
    assert [(line.item, line.unit_price) for line in change.lines.all()] == [("handling", Decimal("2500.00"))]
    assert change.order_reference == "UIO-4711"  # invoiced like the agreement it changes
    services.offer_send(actor=people["officer"], offer=change)
    application.refresh_from_db()
    assert application.state == State.CHANGE_AGREED
    request = application.changes.get()
    assert request.status == ChangeStatus.AGREED and request.handling_cost_nok == Decimal("2500.00")
    invoice = application.invoices.get(kind=InvoiceKind.CHANGE)
    assert invoice.total == Decimal("3125.00")
    assert invoicing.schema_errors(invoicing.invoice_ubl(invoice)) == []
    change.refresh_from_db()
    services.offer_sign(actor=people["signatory"], offer=change, document_sha256=change.document_sha256)
    change.refresh_from_db()
    application.refresh_from_db()
    assert change.status == OfferStatus.ACCEPTED and application.state == State.ACTIVE
    assert str(application.period_end) == "2031-12-31"
