"""The whole journey through the API (issue 9): invitation → application with attachments → legal review →
decision → offer → acceptance with signatures → order → extraction → delivery → download and opening with
7-Zip using the SMS password → check against the order → project change with updated figures (the same
running numbers) → deletion confirmed → closed; and the audit chain verifies.

Everything is an API call with a personal token, except what has no API by design: following the e-mailed
invitation and password links (portal pages), adding a mobile number (My account, after re-authentication)
and creating the token (shown once on My account).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.preparation.helpers import PDF, make_registers, setup_office

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough test passphrase"  # noqa: S105 - the make_user default
RESEARCHER_PASSWORD = "my own long passphrase for the journey"  # noqa: S105
EN = {"Accept-Language": "en"}


@pytest.fixture(scope="module")
def registers(tmp_path_factory):
    return make_registers(tmp_path_factory.mktemp("journey-registers") / "reg")


class Api:
    def __init__(self, client, user):
        from tilgang.accounts.services import api_token_create

        _token, raw = api_token_create(user=user, name="journey")
        self.client, self.headers, self.user = client, {"Authorization": f"Bearer {raw}", **EN}, user

    def _check(self, response, status):
        assert response.status_code == status, (response.status_code, response.content[:2000])
        return (
            response.json() if response.get("Content-Type", "").startswith("application/json") else response
        )

    def get(self, path, status=200):
        return self._check(self.client.get(f"/api/v1{path}", headers=self.headers), status)

    def post(self, path, data=None, status=200):
        response = self.client.post(f"/api/v1{path}", data=json.dumps(data or {}), content_type="application/json",
                                    headers=self.headers)  # fmt: skip
        return self._check(response, status)

    def upload(self, path, fields, files, status=201):
        return self._check(
            self.client.post(f"/api/v1{path}", {**fields, **files}, headers=self.headers), status
        )


def _link(mailoutbox, to: str, fragment: str) -> str:
    for message in reversed(mailoutbox):
        if to in message.to:
            found = re.search(rf"https?://\S*({re.escape(fragment)}\S+)", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no {fragment} link to {to}")


def _sms_password(to: str) -> str:
    from tilgang.notify.models import OutboxMessage

    body = OutboxMessage.objects.filter(channel="sms", recipient=to).order_by("-pk").first().body
    return re.search(r"[a-z2-9]{5}(?:-[a-z2-9]{5}){4}", body).group(0)


def _open_package(api: Api, package_id: int, into: Path) -> Path:
    """Download the archive as the recipient, take the password from the SMS and open it with 7-Zip."""
    response = api.client.get(f"/api/v1/exchange/packages/{package_id}/download", headers=api.headers)
    assert response.status_code == 200
    archive = into.with_suffix(".7z")
    archive.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    seven = shutil.which("7z") or shutil.which("7zz")
    assert seven, "7-Zip is needed (apt-get install 7zip)"
    result = subprocess.run([seven, "x", f"-p{_sms_password(api.user.mobile)}", f"-o{into}", "-y", str(archive)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((into / "MANIFEST.json").read_text())
    for entry in manifest["files"]:  # every file as the office wrote it
        assert hashlib.sha256((into / Path(entry["path"]).name).read_bytes()).hexdigest() == entry["sha256"]
    return into


def _persons(folder: Path) -> dict[str, tuple[str, str]]:
    with (folder / "PERSONS.csv").open(encoding="utf-8") as handle:
        return {row["LOPENR"]: (row["BEFOLKNING_KJOENN"], row["BEFOLKNING_FOEDSELSAAR"])
                for row in csv.DictReader(handle, delimiter=";")}  # fmt: skip


def _income(folder: Path) -> dict[tuple[str, str], str]:
    with (folder / "INCOME.csv").open(encoding="utf-8") as handle:
        return {
            (row["LOPENR"], row["AAR"]): row["INNTEKT_WLONN"] for row in csv.DictReader(handle, delimiter=";")
        }


def _run(officer: Api, order_id: int, kind: str) -> dict:
    job = officer.post(f"/preparation/orders/{order_id}/jobs/start", {"kind": kind}, status=201)
    job = officer.get(f"/preparation/jobs/{job['id']}")  # the worker (inline in tests) has run it
    assert job["status"] == "succeeded", job["error"]
    return job


def test_journey_api(client, settings, registers, tmp_path, make_user, mailoutbox):
    from tilgang.accounts.models import User
    from tilgang.accounts.services import user_set_mobile
    from tilgang.applications.models import ProjectMember
    from tilgang.audit.selectors import audit_chain_verify
    from tilgang.institutions.models import Institution, InstitutionKind

    setup_office(settings, registers, tmp_path / "work")
    uio = Institution.objects.create(name="Universitetet i Oslo", orgnr="971035854",
                                     kind=InstitutionKind.RESEARCH_NFR, approved_from="2004-01-01")  # fmt: skip
    head_user = make_user("head_of_section", "case_officer", email="seksjonsleder@tilgang.example")
    officer = Api(client, make_user("case_officer", email="saksbehandler@tilgang.example"))
    legal = Api(client, make_user("legal_reviewer", email="jurist@tilgang.example"))
    head = Api(client, head_user)
    member = Api(client, make_user(email="deltaker@uio.example", full_name="Per Deltaker", institution=uio))
    signatory = Api(client, make_user(email="leder@uio.example", full_name="Liv Leder", institution=uio))

    # 1. Invitation: staff invite the researcher, who follows the two e-mailed links and sets a password.
    head.post("/accounts/invitations/create", {"email": "forsker@uio.example", "full_name": "Frida Forsker",
                                               "language": "en", "institution_id": uio.pk}, status=201)  # fmt: skip
    assert client.post(_link(mailoutbox, "forsker@uio.example", "/konto/invitasjon/")).status_code == 200
    response = client.post(_link(mailoutbox, "forsker@uio.example", "/konto/passord/"),
                           {"password": RESEARCHER_PASSWORD, "password_again": RESEARCHER_PASSWORD})  # fmt: skip
    assert response.status_code == 302
    researcher_user = User.objects.get(email="forsker@uio.example")
    assert researcher_user.check_password(RESEARCHER_PASSWORD)
    user_set_mobile(user=researcher_user, mobile="+4791234567")
    researcher_user.refresh_from_db()
    researcher = Api(client, researcher_user)

    # 2. The application with attachments.
    app = researcher.post("/applications/create", {"title": "Income over the life course"}, status=201)
    aid = app["id"]
    researcher.post(f"/applications/{aid}/update", {
        "purpose": "Study how income differs between cohorts.", "purpose_statistical": True,
        "project_description": "Register study of income.", "period_start": "2027-01-01", "period_end": "2029-12-31",
        "population_kind": "as_of_date", "population_criteria": "Everyone resident in Norway",
        "population_as_of": "2020-01-01", "data_sources": "Population register and income 2019",
        "storage_location": "tsd", "gdpr_art6": "e", "dpia_route": "negative",
        "dpia_reason": "Pseudonymised register data, low risk.",
    })  # fmt: skip
    researcher.post(f"/applications/{aid}/variables/set", {
        "names": ["BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSAAR", "INNTEKT_WLONN"], "years": {"INNTEKT_WLONN": [2019]},
    })  # fmt: skip
    for kind, name in (("project_description", "protokoll.pdf"), ("permit_dpo", "dpo.pdf")):
        researcher.upload(f"/applications/{aid}/attachments/add", {"kind": kind},
                          {"file": _named(io.BytesIO(PDF), name)})  # fmt: skip
    researcher.post(f"/applications/{aid}/members/add", {"full_name": "Per Deltaker", "email": "deltaker@uio.example",
                                                         "role": "project_member"})  # fmt: skip
    researcher.post(f"/applications/{aid}/members/add", {"full_name": "Liv Leder", "email": "leder@uio.example",
                                                         "role": "signatory"})  # fmt: skip
    assert researcher.post(f"/applications/{aid}/commands/submit")["state"] == "submitted"

    # 3. Legal review, assignment and the decision.
    legal.post(f"/applications/{aid}/commands/take_legal_review")
    legal.post(f"/applications/{aid}/commands/pass_legal_review", {"note": "Legal basis in order."})
    head.post(f"/applications/{aid}/commands/assign", {"case_officer_id": officer.user.pk})
    case = officer.post(f"/applications/{aid}/commands/grant_access", {"deletion_deadline": "2030-03-31"})
    assert case["state"] == "access_granted"
    case_number = case["case_number"]

    # 4. The offer, its acceptance and the signatures (R-CASE-4).
    offer = officer.post(f"/offers/cases/{aid}/create", {"kind": "initial"}, status=201)
    officer.post(f"/offers/{offer['id']}/send")
    signatory_member = ProjectMember.objects.get(application_id=aid, role="signatory")
    researcher.post(f"/offers/{offer['id']}/accept", {"invoice_address": "UiO, Postboks 1072 Blindern, 0316 Oslo",
                                                      "order_reference": "UIO-4711", "signatory_id": signatory_member.pk})  # fmt: skip
    for person in (researcher, member, signatory):
        person.post(f"/offers/{offer['id']}/declaration/sign")
    offer = signatory.get(f"/offers/{offer['id']}")
    signatory.post(
        f"/offers/{offer['id']}/sign", {"document_sha256": offer["agreement_sha256"], "password": PASSWORD}
    )
    assert researcher.get(f"/applications/{aid}")["state"] == "agreement_signed"

    # 5. The order from the application, a dry run, the extraction.
    order = officer.post(
        f"/preparation/cases/{aid}/orders/create", {"minimisation": {"INNTEKT_WLONN": ""}}, status=201
    )
    assert officer.get(f"/applications/{aid}")["state"] == "in_preparation"
    _run(officer, order["id"], "dry_run")
    dry = officer.get(f"/preparation/orders/{order['id']}")["dry_run"]
    assert dry["population"]["persons"] > 100 and dry["estimated_bytes"]["csv"] > 0
    job = _run(officer, order["id"], "extract")
    assert job["result"]["guard"]["passed"]

    # 6. Delivery through the exchange; the researcher downloads and opens it with the SMS password.
    # The small registers give groups below k: the officer confirms having assessed the risk.
    delivery = officer.post(
        f"/preparation/orders/{order['id']}/deliver", {"disclosure_risk_assessed": True}, status=201
    )
    assert researcher.get(f"/applications/{aid}")["state"] == "delivered"
    first = _open_package(researcher, delivery["package_id"], tmp_path / "first")

    # 7. The check against the order: every ordered variable is a column of the codebook.
    seen = researcher.get(f"/preparation/deliveries/{delivery['id']}")
    columns = {c["name"] for t in seen["codebook"]["tables"] for c in t["columns"]}
    assert {v["name"] for v in seen["order"]["variables"]} <= columns
    assert {year for (_n, year) in _income(first)} == {"2019"}
    researcher.post(f"/preparation/deliveries/{delivery['id']}/check")
    assert researcher.get(f"/applications/{aid}")["state"] == "active"

    # 8. A project change with updated figures: a new delivery with the same running numbers.
    researcher.post(f"/applications/{aid}/commands/request_change",
                    {"kinds": ["updated_figures"], "description": "Add the 2020 income figures."})  # fmt: skip
    change = officer.post(f"/offers/cases/{aid}/create", {"kind": "change"}, status=201)
    officer.post(f"/offers/{change['id']}/send")
    change = signatory.get(f"/offers/{change['id']}")
    signatory.post(
        f"/offers/{change['id']}/sign", {"document_sha256": change["document_sha256"], "password": PASSWORD}
    )
    assert researcher.get(f"/applications/{aid}")["state"] == "active"
    order2 = officer.post(f"/preparation/cases/{aid}/orders/create", {"years": {"INNTEKT_WLONN": [2019, 2020]}},
                          status=201)  # fmt: skip
    assert order2["purpose"] == "change"
    _run(officer, order2["id"], "extract")
    delivery2 = officer.post(
        f"/preparation/orders/{order2['id']}/deliver", {"disclosure_risk_assessed": True}, status=201
    )
    second = _open_package(researcher, delivery2["package_id"], tmp_path / "second")
    assert _persons(first) == _persons(second)  # DOMAIN R-PSEUDO-1: the same person, the same number
    income2 = _income(second)
    assert {year for (_n, year) in income2} == {"2019", "2020"}
    assert all(income2[key] == value for key, value in _income(first).items())
    researcher.post(f"/preparation/deliveries/{delivery2['id']}/check")

    # 9. Deletion confirmed with the case reference; the keys are destroyed; the case closes.
    bad = researcher.post(f"/preparation/cases/{aid}/deletion/confirm", {"case_reference": "99/99999", "confirm": True},
                          status=400)  # fmt: skip
    assert case_number in bad["detail"]
    done = researcher.post(f"/preparation/cases/{aid}/deletion/confirm",
                           {"case_reference": case_number, "confirm": True})  # fmt: skip
    assert done["state"] == "deletion_confirmed" and done["project_key_destroyed"] is True
    assert officer.post(f"/preparation/cases/{aid}/close")["state"] == "closed"

    # 10. The audit chain verifies.
    count, finding = audit_chain_verify()
    assert finding is None and count > 50
    verified = Api(client, make_user("administrator")).post("/audit/verify")
    assert verified["intact"] is True and verified["events"] >= count


def _named(data: io.BytesIO, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data.getvalue(), content_type="application/pdf")
