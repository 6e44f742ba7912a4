"""Exports of an invoice basis for the finance system: CSV, and EHF / PEPPOL BIS Billing 3.0 (UBL 2.1 Invoice).

The XML is checked against the UBL 2.1 schema (``schemas/ubl21``, a subset of the official OASIS schema,
see its README) and against the PEPPOL BIS 3 rules tilgang can break (``peppol_problems``) before it is
handed out.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from lxml import etree

from tilgang.offers.models import InvoiceBasis, Unit
from tilgang.offers.pricing import line_amount, round_ore

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
ORGNR_SCHEME = "0192"  # Enhetsregisteret, Brønnøysundregistrene (ICD 0192)
NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
SCHEMA = Path(__file__).parent / "schemas" / "ubl21" / "UBL-Invoice-2.1.xsd"
UNIT_CODES = {Unit.HOUR: "HUR", Unit.PIECE: "EA"}  # UN/ECE Recommendation 20

# The office as seller. Demo values that production overrides with the OFFERS_SELLER setting.
DEFAULT_SELLER = {
    "name": "Statistisk sentralbyrå",
    "orgnr": "971526920",
    "vat_id": "NO971526920MVA",
    "street": "Akersveien 26",
    "city": "Oslo",
    "postal_zone": "0177",
    "country": "NO",
    "account": "76940500123",  # demo bank account
    "email": "mikrodata@ssb.example",
}


def seller() -> dict[str, str]:
    return {**DEFAULT_SELLER, **getattr(settings, "OFFERS_SELLER", {})}


# --- CSV ----------------------------------------------------------------------------------------------

CSV_HEADER = [
    "invoice_number", "issue_date", "due_date", "case_number", "buyer_name", "buyer_orgnr", "invoice_address",
    "order_reference", "line", "item", "description", "unit", "quantity", "unit_price", "line_amount",
    "vat_percent", "subtotal", "vat", "total",
]  # fmt: skip


def invoice_csv(invoices: list[InvoiceBasis]) -> str:
    """One row per line; amounts with a decimal point and two decimals, UTF-8, comma-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for invoice in invoices:
        for number, line in enumerate(invoice.lines, start=1):
            writer.writerow([
                invoice.number, invoice.issue_date.isoformat(), invoice.due_date.isoformat(), invoice.case_number,
                invoice.buyer_name, invoice.buyer_orgnr, " / ".join(invoice.invoice_address.splitlines()),
                invoice.order_reference, number, line["item"], line["label"], line["unit"], line["quantity"],
                line["unit_price"], line["amount"], f"{invoice.vat_percent:.2f}", f"{invoice.subtotal:.2f}",
                f"{invoice.vat:.2f}", f"{invoice.total:.2f}",
            ])  # fmt: skip
    return out.getvalue()


# --- UBL ----------------------------------------------------------------------------------------------


def _el(parent, ns: str, name: str, text: object = None, **attrs: str):
    element = etree.SubElement(parent, f"{{{NS[ns]}}}{name}", {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = str(text)
    return element


def _amount(parent, name: str, value: Decimal) -> None:
    _el(parent, "cbc", name, f"{round_ore(Decimal(value)):.2f}", currencyID="NOK")


def _vat_category(parent, name: str, percent: Decimal) -> None:
    category = _el(parent, "cac", name)
    _el(category, "cbc", "ID", "S")  # standard rate
    _el(category, "cbc", "Percent", f"{Decimal(percent):.2f}".rstrip("0").rstrip("."))
    scheme = _el(category, "cac", "TaxScheme")
    _el(scheme, "cbc", "ID", "VAT")


POSTAL = re.compile(r"^\s*(?:NO-)?(\d{4})\s+(.+?)\s*$")


def split_address(text: str) -> dict[str, str]:
    """Street lines, and postal code and city from a Norwegian "0313 Oslo" line when there is one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    postal, city = "", ""
    for index in range(len(lines) - 1, -1, -1):
        match = POSTAL.match(lines[index])
        if match:
            postal, city = match.group(1), match.group(2)
            del lines[index]
            break
    return {
        "street": lines[0] if lines else "",
        "additional": ", ".join(lines[1:]),
        "postal_zone": postal,
        "city": city,
    }


def _party(
    parent, *, name: str, orgnr: str, address: dict[str, str], vat_id: str = "", email: str = ""
) -> None:
    party = _el(parent, "cac", "Party")
    if orgnr:
        _el(party, "cbc", "EndpointID", orgnr, schemeID=ORGNR_SCHEME)
        identification = _el(party, "cac", "PartyIdentification")
        _el(identification, "cbc", "ID", orgnr, schemeID=ORGNR_SCHEME)
    party_name = _el(party, "cac", "PartyName")
    _el(party_name, "cbc", "Name", name)
    postal = _el(party, "cac", "PostalAddress")
    if address.get("street"):
        _el(postal, "cbc", "StreetName", address["street"])
    if address.get("additional"):
        _el(postal, "cbc", "AdditionalStreetName", address["additional"])
    if address.get("city"):
        _el(postal, "cbc", "CityName", address["city"])
    if address.get("postal_zone"):
        _el(postal, "cbc", "PostalZone", address["postal_zone"])
    country = _el(postal, "cac", "Country")
    _el(country, "cbc", "IdentificationCode", address.get("country") or "NO")
    if vat_id:
        tax = _el(party, "cac", "PartyTaxScheme")
        _el(tax, "cbc", "CompanyID", vat_id)
        scheme = _el(tax, "cac", "TaxScheme")
        _el(scheme, "cbc", "ID", "VAT")
    legal = _el(party, "cac", "PartyLegalEntity")
    _el(legal, "cbc", "RegistrationName", name)
    if orgnr:
        _el(legal, "cbc", "CompanyID", orgnr, schemeID=ORGNR_SCHEME)
    if email:
        contact = _el(party, "cac", "Contact")
        _el(contact, "cbc", "ElectronicMail", email)


def invoice_ubl(invoice: InvoiceBasis) -> bytes:
    """The invoice basis as an EHF / PEPPOL BIS Billing 3.0 invoice (UBL 2.1)."""
    office = seller()
    root = etree.Element(
        f"{{{NS['inv']}}}Invoice", nsmap={None: NS["inv"], "cac": NS["cac"], "cbc": NS["cbc"]}
    )
    _el(root, "cbc", "CustomizationID", CUSTOMIZATION_ID)
    _el(root, "cbc", "ProfileID", PROFILE_ID)
    _el(root, "cbc", "ID", invoice.number)
    _el(root, "cbc", "IssueDate", invoice.issue_date.isoformat())
    _el(root, "cbc", "DueDate", invoice.due_date.isoformat())
    _el(root, "cbc", "InvoiceTypeCode", "380")  # commercial invoice
    _el(root, "cbc", "Note", f"Saksnummer {invoice.case_number}")
    _el(root, "cbc", "DocumentCurrencyCode", "NOK")
    # The buyer's own order or reference number (BT-10) is what routes the invoice at the institution.
    _el(root, "cbc", "BuyerReference", invoice.order_reference)
    contract = _el(root, "cac", "ContractDocumentReference")
    _el(contract, "cbc", "ID", invoice.case_number)
    supplier = _el(root, "cac", "AccountingSupplierParty")
    _party(supplier, name=office["name"], orgnr=office["orgnr"], vat_id=office["vat_id"], email=office["email"],
           address={"street": office["street"], "city": office["city"], "postal_zone": office["postal_zone"],
                    "country": office["country"]})  # fmt: skip
    customer = _el(root, "cac", "AccountingCustomerParty")
    _party(customer, name=invoice.buyer_name, orgnr=invoice.buyer_orgnr,
           address={**split_address(invoice.invoice_address), "country": "NO"})  # fmt: skip
    means = _el(root, "cac", "PaymentMeans")
    _el(means, "cbc", "PaymentMeansCode", "30")  # credit transfer
    _el(means, "cbc", "PaymentID", invoice.number)
    account = _el(means, "cac", "PayeeFinancialAccount")
    _el(account, "cbc", "ID", office["account"])
    terms = _el(root, "cac", "PaymentTerms")
    _el(terms, "cbc", "Note", f"Forfall {invoice.due_date.isoformat()}")
    tax_total = _el(root, "cac", "TaxTotal")
    _amount(tax_total, "TaxAmount", invoice.vat)
    subtotal = _el(tax_total, "cac", "TaxSubtotal")
    _amount(subtotal, "TaxableAmount", invoice.subtotal)
    _amount(subtotal, "TaxAmount", invoice.vat)
    _vat_category(subtotal, "TaxCategory", invoice.vat_percent)
    monetary = _el(root, "cac", "LegalMonetaryTotal")
    _amount(monetary, "LineExtensionAmount", invoice.subtotal)
    _amount(monetary, "TaxExclusiveAmount", invoice.subtotal)
    _amount(monetary, "TaxInclusiveAmount", invoice.total)
    _amount(monetary, "PayableRoundingAmount", Decimal("0.00"))
    _amount(monetary, "PayableAmount", invoice.total)
    for number, line in enumerate(invoice.lines, start=1):
        element = _el(root, "cac", "InvoiceLine")
        _el(element, "cbc", "ID", number)
        _el(element, "cbc", "InvoicedQuantity", line["quantity"], unitCode=UNIT_CODES.get(line["unit"], "EA"))
        _amount(element, "LineExtensionAmount", Decimal(line["amount"]))
        item = _el(element, "cac", "Item")
        _el(item, "cbc", "Name", line["label"][:200])
        sellers = _el(item, "cac", "SellersItemIdentification")
        _el(sellers, "cbc", "ID", f"{line['item']}:{line['key']}" if line["key"] else line["item"])
        _vat_category(item, "ClassifiedTaxCategory", invoice.vat_percent)
        price = _el(element, "cac", "Price")
        _amount(price, "PriceAmount", Decimal(line["unit_price"]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def schema_errors(xml: bytes) -> list[str]:
    """Errors against the UBL 2.1 Invoice schema; empty when valid."""
    schema = _schema()
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def _text(document, path: str) -> str:
    found = document.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _dec(document, path: str) -> Decimal:
    text = _text(document, path)
    return Decimal(text) if text else Decimal("NaN")


def peppol_problems(xml: bytes) -> list[str]:
    """The PEPPOL BIS Billing 3.0 / EN 16931 rules that concern what tilgang writes (rule IDs as in BIS 3)."""
    doc = etree.fromstring(xml)
    problems: list[str] = []

    def need(condition: bool, rule: str) -> None:
        if not condition:
            problems.append(rule)

    need(_text(doc, "cbc:CustomizationID") == CUSTOMIZATION_ID, "BR-01 CustomizationID")
    need(_text(doc, "cbc:ProfileID") == PROFILE_ID, "PEPPOL-EN16931-R001 ProfileID")
    need(bool(_text(doc, "cbc:BuyerReference")), "PEPPOL-EN16931-R003 BuyerReference")
    need(_text(doc, "cbc:DocumentCurrencyCode") == "NOK", "BR-05 currency")
    for side in ("AccountingSupplierParty", "AccountingCustomerParty"):
        endpoint = doc.find(f"cac:{side}/cac:Party/cbc:EndpointID", NS)
        need(
            endpoint is not None and endpoint.get("schemeID") == ORGNR_SCHEME,
            f"PEPPOL-EN16931-R020 {side} 0192",
        )
        orgnr = endpoint.text if endpoint is not None else ""
        need(bool(orgnr) and re.fullmatch(r"\d{9}", orgnr or "") is not None, f"NO-R-001 {side} orgnr")
        legal = doc.find(f"cac:{side}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS)
        need(legal is not None and legal.get("schemeID") == ORGNR_SCHEME, f"BT-30/47 {side} legal id 0192")
        need(bool(_text(doc, f"cac:{side}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode")),
             f"BR-09/11 {side} country")  # fmt: skip
    need(_text(doc, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID").startswith("NO")
         and _text(doc, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID").endswith("MVA"),
         "NO-R-001 seller VAT id")  # fmt: skip
    lines = doc.findall("cac:InvoiceLine", NS)
    need(bool(lines), "BR-16 lines")
    line_sum = Decimal("0.00")
    for line in lines:
        quantity = Decimal(_text(line, "cbc:InvoicedQuantity"))
        price = Decimal(_text(line, "cac:Price/cbc:PriceAmount"))
        amount = Decimal(_text(line, "cbc:LineExtensionAmount"))
        need(amount == line_amount(quantity, price), "PEPPOL-EN16931-R120 line amount")
        need(price >= 0, "BR-27 price")
        need(_text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "S", "BR-S-01 line category")
        line_sum += amount
    taxable = _dec(doc, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount")
    tax = _dec(doc, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount")
    percent = _dec(doc, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent")
    need(_text(doc, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "S", "BR-S-01 VAT category S")
    need(percent == Decimal(25), "BR-S-05 VAT 25 %")
    need(tax == round_ore(taxable * percent / 100), "BR-S-09 / BR-CO-17 VAT amount")
    need(_dec(doc, "cac:TaxTotal/cbc:TaxAmount") == tax, "BR-CO-14 VAT total")
    extension = _dec(doc, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount")
    need(extension == line_sum, "BR-CO-10 sum of lines")
    need(taxable == _dec(doc, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"), "BR-S-08 taxable amount")
    inclusive = _dec(doc, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    need(inclusive == extension + tax, "BR-CO-15 total with VAT")
    rounding = _dec(doc, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount")
    need(
        _dec(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == inclusive + rounding,
        "BR-CO-16 payable amount",
    )
    return problems
