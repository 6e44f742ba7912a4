"""Third-party data (DOMAIN R-CASE-5, R-PSEUDO-2): asked for through the exchange, awaited, linked."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tilgang.audit.models import AuditEvent
from tilgang.exchange.services import package_create, package_send
from tilgang.preparation import services
from tilgang.preparation.models import JobKind, JobStatus, LinkageMode


def _owner_file(registers: Path, count: int = 40) -> bytes:
    ids = (
        ds.dataset(registers / "national_ids").to_table(columns=["national_id"]).column(0).to_pylist()[:count]
    )
    lines = ["FNR;TILTAK"] + [f"{fnr};AMO" for fnr in ids]
    return ("\n".join(lines) + "\n").encode()


def test_R_CASE_5_extraction_waits_for_third_party_data_then_links_it(
    case, people, registers, mailoutbox, django_capture_on_commit_callbacks
):
    officer, owner = people["officer"], people["owner"]
    with django_capture_on_commit_callbacks(execute=True):
        request = services.third_party_request(
            actor=officer, application=case, owner="NAV", contact_email=owner.email, mode=LinkageMode.OFFICE,
            table_name="nav_tiltak",
        )  # fmt: skip
    assert request.awaited and request.table_name == "NAV_TILTAK"
    assert any(m.to == [owner.email] and case.case_number in m.subject for m in mailoutbox)
    order = services.order_create(actor=officer, application=case)
    with pytest.raises(
        services.PreparationError, match=r"waits for data from NAV, which must reach the office first"
    ):
        services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    assert not order.jobs.exists()
    # The owner sends its file through the exchange, to the case officer, under the case's reference.
    package = package_create(sender=owner, recipients=[officer], subject="Data fra NAV",
                             case_reference=case.case_number, files=[("nav_tiltak.csv", io.BytesIO(_owner_file(registers)))])  # fmt: skip
    package_send(actor=owner, package=package)
    file = package.files.get()
    assert list(services.third_party_candidates(request)) == [file]
    services.third_party_receive(actor=officer, request=request, file_id=file.pk)
    job = services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    linked = job.result["linkage"][0]
    assert linked["owner"] == "NAV" and linked["rows"] == 40
    assert "NAV_TILTAK" in job.result["tables"]
    text = (Path(job.out_dir) / "delivery" / "data" / "NAV_TILTAK.csv").read_text()
    assert text.startswith("LOPENR;") and not re.search(r"\d{11}", text)


def test_a_file_from_someone_else_is_not_taken(case, people, registers):
    officer, owner = people["officer"], people["owner"]
    request = services.third_party_request(actor=officer, application=case, owner="NAV", contact_email=owner.email,
                                           mode=LinkageMode.OFFICE, table_name="NAV_TILTAK")  # fmt: skip
    stranger = people["member"]
    package = package_create(sender=stranger, recipients=[officer], subject="x", case_reference=case.case_number,
                             files=[("nav.csv", io.BytesIO(_owner_file(registers)))])  # fmt: skip
    package_send(actor=stranger, package=package)
    with pytest.raises(services.PreparationError, match="not sent by NAV"):
        services.third_party_receive(actor=officer, request=request, file_id=package.files.get().pk)
    request.refresh_from_db()
    assert request.arrived_at is None


def test_R_PSEUDO_2_distributed_linkage_key_goes_to_the_owner_with_password_by_sms(
    case, people, outbox, tmp_path
):
    officer, owner = people["officer"], people["owner"]
    request = services.third_party_request(actor=officer, application=case, owner="Kreftregisteret",
                                           contact_email=owner.email, mode=LinkageMode.DISTRIBUTED)  # fmt: skip
    assert not request.awaited  # distributed linkage does not hold up the extraction
    order = services.order_create(actor=officer, application=case)
    job = services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    services.delivery_send(actor=officer, order=order, disclosure_assessed=True)
    request.refresh_from_db()
    assert request.key_package is not None and request.key_sent_at is not None
    sms = [m for m in outbox("sms") if m.recipient == owner.mobile]
    password = re.search(r": (\S+)$", sms[-1].body).group(1)
    key_file = Path(job.out_dir) / "linkage" / job.result["linkage_keys"]["Kreftregisteret"]
    seven = shutil.which("7z") or shutil.which("7zz")
    assert seven, "7-Zip is needed (apt-get install 7zip)"
    out = subprocess.run(
        [seven, "x", f"-p{password}", f"-o{tmp_path / 'key'}", str(key_file)], capture_output=True
    )
    assert out.returncode == 0, out.stdout.decode()
    extracted = next((tmp_path / "key").rglob("*.*"))
    assert re.search(
        r"\d{11}", extracted.read_text()
    )  # national IDs with running numbers, for the owner only
    assert AuditEvent.objects.filter(action="preparation.third_party.key_sent").exists()
