"""Every write of preparation: orders, engine jobs, third-party data, deliveries, checks, complaints,
deletion and closing. Each function is one transaction with its audit event; the case moves only through
``applications.services.case_transition``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.applications.lifecycle import CaseRole, Command, Refusal, State
from tilgang.applications.models import Application, ChangeKind, ChangeStatus
from tilgang.applications.services import case_roles, case_transition
from tilgang.audit.services import audit_record
from tilgang.engine.order import NAME_RE
from tilgang.notify.services import email_send, sms_send
from tilgang.preparation import orders
from tilgang.preparation.models import (
    ACTIVE_JOB_STATES,
    Complaint,
    DataOrder,
    Delivery,
    Job,
    JobKind,
    JobStatus,
    LinkageMode,
    OrderPurpose,
    ProjectKey,
    ThirdPartyRequest,
)

logger = logging.getLogger(__name__)

LEGAL_REFERENCE = "Offl. § 13, jf. statistikkloven § 7"


class PreparationError(Refusal):
    """A refused action; the message is translated and safe to show."""


# --- guards --------------------------------------------------------------------------------------------


def _officer_guard(actor: User | None, application: Application) -> None:
    if actor is None or CaseRole.CASE_OFFICER not in case_roles(user=actor, application=application):
        raise PreparationError(_("Only the case officer of the case can prepare its data."))


def _project_guard(actor: User, application: Application) -> frozenset[str]:
    roles = case_roles(user=actor, application=application)
    if not roles & {CaseRole.APPLICANT, CaseRole.MEMBER}:
        raise PreparationError(_("Only the project leader and the project members can do this."))
    return roles


def _locked_order(order: DataOrder) -> DataOrder:
    return DataOrder.objects.select_for_update().select_related("application").get(pk=order.pk)


def _notify(user: User | None, template: str, application: Application, **context: Any) -> None:
    if user is None:
        return
    email_send(
        to=user.email,
        template=template,
        context={"application": application, "user": user, **context},
        language=user.language,
    )


def _journal(application: Application, *, actor: User | None, doc_type: str, title: str) -> None:
    from tilgang.inquiries.services import journal_record

    journal_record(
        actor=actor,
        case_number=application.case_number,
        doc_type=doc_type,
        title=title,
        party=application.institution.name if application.institution else "",
        document_date=timezone.localdate(),
        screened=True,
        legal_reference=LEGAL_REFERENCE,
    )


# --- orders -------------------------------------------------------------------------------------------


def _unused_figures_change(application: Application):
    """A signed project change with updated figures that no order has served yet (R-CASE-7)."""
    used = (
        DataOrder.objects.filter(application=application)
        .exclude(change_request=None)
        .values_list("change_request_id", flat=True)
    )
    return (
        application.changes.filter(status=ChangeStatus.SIGNED)
        .exclude(pk__in=list(used))
        .order_by("-created_at")
        .filter(kinds__icontains=ChangeKind.UPDATED_FIGURES)
        .first()
    )


def _order_purpose(application: Application):
    """What a new order would serve in the case's present state: ``(purpose, change)``, or None when
    no order may be made now (DOMAIN R-CASE-5, R-CASE-7)."""
    if application.state == State.AGREEMENT_SIGNED:
        return OrderPurpose.INITIAL, None
    if application.state == State.IN_PREPARATION:
        if DataOrder.objects.filter(application=application).exists():
            return None
        return OrderPurpose.INITIAL, None
    if application.state == State.ACTIVE and (change := _unused_figures_change(application)) is not None:
        return OrderPurpose.CHANGE, change
    return None


def order_possible(application: Application) -> bool:
    """Whether ``order_create`` would accept a new order for the case in its present state."""
    return _order_purpose(application) is not None


@transaction.atomic
def order_create(
    *,
    actor: User,
    application: Application,
    choices: dict[str, str] | None = None,
    years: dict[str, list[int]] | None = None,
) -> DataOrder:
    """The data order from the approved selection and population. The first order starts the preparation
    (agreement signed → in preparation); a later one serves a signed project change with updated figures."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _officer_guard(actor, application)
    found = _order_purpose(application)
    if found is None and application.state == State.IN_PREPARATION:
        raise PreparationError(_("The case already has its order; change it instead of making a new one."))
    if found is None:
        raise PreparationError(
            _("An order is made once the agreement is signed, or for a signed project change with updated "
              "figures. The case is “%(state)s”.") % {"state": State(application.state).label}
        )  # fmt: skip
    purpose, change = found
    if purpose == OrderPurpose.CHANGE and not years:
        # Start from the figures of the last delivery, so the officer only adds the new years.
        previous = DataOrder.objects.filter(application=application).order_by("-number").first()
        years = _years_in(previous.spec) if previous else None
    try:
        order = orders.build_order(application, choices=choices or _choices_of_last(application), years=years)
    except orders.OrderBuildError as error:
        raise PreparationError(str(error)) from error
    number = (
        DataOrder.objects.filter(application=application)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    ) + 1
    data_order = DataOrder.objects.create(
        application=application, number=number, purpose=purpose, change_request=change,
        spec=json.loads(json.dumps(order.to_toml_dict(), default=str)), created_by=actor,
    )  # fmt: skip
    audit_record(
        actor=actor,
        action="preparation.order.created",
        obj=data_order,
        payload={"application": application.pk, "number": number, "purpose": purpose,
                 "change": change.pk if change else None},
    )  # fmt: skip
    if application.state == State.AGREEMENT_SIGNED:
        case_transition(actor=actor, application=application, command=Command.START_PREPARATION)
    return data_order


def _years_in(spec: dict[str, Any]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for request in spec.get("variables", []):
        if request.get("years"):
            found[request["name"]] = [int(y) for y in request["years"]]
        elif request.get("dates"):
            found[request["name"]] = sorted({int(str(d)[:4]) for d in request["dates"]})
        elif request.get("period"):
            start, end = int(str(request["period"]["start"])[:4]), int(str(request["period"]["end"])[:4])
            found[request["name"]] = list(range(start, end + 1))
    return found


def _choices_of(spec: dict[str, Any]) -> dict[str, str]:
    return {r["name"]: orders.minimise_key(r.get("minimise")) for r in spec.get("variables", [])}


def _choices_of_last(application: Application) -> dict[str, str] | None:
    previous = DataOrder.objects.filter(application=application).order_by("-number").first()
    return _choices_of(previous.spec) if previous else None


def _delivered(order: DataOrder) -> bool:
    return Delivery.objects.filter(order=order).exists()


@transaction.atomic
def order_update(
    *, actor: User, order: DataOrder, choices: dict[str, str], years: dict[str, list[int]] | None = None
) -> DataOrder:
    """Change the minimisation (and, for a project change, the years) of an order not yet delivered."""
    order = _locked_order(order)
    _officer_guard(actor, order.application)
    if _delivered(order):
        raise PreparationError(_("The order has been delivered and can no longer change."))
    if order.jobs.filter(status__in=ACTIVE_JOB_STATES).exists():
        raise PreparationError(_("A job of this order is running. Wait until it has finished."))
    if years and order.purpose != OrderPurpose.CHANGE:
        raise PreparationError(
            _("The years are those of the approved application; they change only through a project change.")
        )
    try:
        built = orders.build_order(order.application, choices=choices, years=years or _years_in(order.spec))
    except orders.OrderBuildError as error:
        raise PreparationError(str(error)) from error
    order.spec = json.loads(json.dumps(built.to_toml_dict(), default=str))
    order.dry_run, order.dry_run_at, order.updated_at = None, None, timezone.now()
    order.save()
    audit_record(actor=actor, action="preparation.order.updated", obj=order,
                 payload={"choices": {k: v for k, v in sorted(choices.items()) if v}})  # fmt: skip
    return order


# --- third-party data (R-CASE-5, R-PSEUDO-2) --------------------------------------------------------------


@transaction.atomic
def third_party_request(
    *,
    actor: User,
    application: Application,
    owner: str,
    contact_email: str,
    mode: str,
    table_name: str = "",
    id_column: str = "FNR",
) -> ThirdPartyRequest:
    """Ask a named owner for its data. Linked at the office: the owner sends its file through the file
    exchange to the case officer, and the extraction waits for it (R-CASE-5: only when the office says so).
    Distributed linkage: the owner gets the linkage key when the data are delivered (R-PSEUDO-2)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _officer_guard(actor, application)
    if application.state not in (State.AGREEMENT_SIGNED, State.IN_PREPARATION):
        raise PreparationError(_("Third-party data are asked for while the data are being prepared."))
    owner = (owner or "").strip()
    if not owner:
        raise PreparationError(_("Name the data owner."))
    if mode not in LinkageMode.values:
        raise PreparationError(_("Choose how the data are linked."))
    contact = User.objects.filter(email=(contact_email or "").strip().lower(), is_active=True).first()
    if contact is None or contact.is_staff_member:
        raise PreparationError(
            _("No external user has the e-mail address %(email)s. Invite the owner's contact first.")
            % {"email": contact_email}
        )
    table_name = (table_name or "").strip().upper()
    if mode == LinkageMode.OFFICE and not NAME_RE.match(table_name):
        raise PreparationError(
            _("Give the name of the delivered table: 1–32 characters A–Z, 0–9 and _, starting with a letter.")
        )
    if ThirdPartyRequest.objects.filter(application=application).filter(owner=owner).exists():
        raise PreparationError(_("%(owner)s has already been asked.") % {"owner": owner})
    request = ThirdPartyRequest.objects.create(
        application=application, owner=owner[:120], contact=contact, mode=mode, table_name=table_name,
        id_column=(id_column or "FNR").strip()[:64], requested_by=actor,
    )  # fmt: skip
    audit_record(actor=actor, action="preparation.third_party.requested", obj=request,
                 payload={"application": application.pk, "mode": mode})  # fmt: skip
    _notify(contact, "preparation_third_party_request", application, request=request, officer=actor,
            link="/filsluse/ny/")  # fmt: skip
    return request


def third_party_candidates(request: ThirdPartyRequest):
    """Files the owner's contact has sent to the office under the case's reference."""
    from tilgang.exchange.models import Package, PackageFile

    return PackageFile.objects.filter(
        package__case_reference=request.application.case_number,
        package__sender=request.contact,
        package__status=Package.Status.SENT,
        deleted_at__isnull=True,
    ).select_related("package")


@transaction.atomic
def third_party_receive(*, actor: User, request: ThirdPartyRequest, file_id: int) -> ThirdPartyRequest:
    """Take the owner's file that arrived through the exchange into the case (linked at the office)."""
    request = ThirdPartyRequest.objects.select_for_update().select_related("application").get(pk=request.pk)
    _officer_guard(actor, request.application)
    if request.mode != LinkageMode.OFFICE:
        raise PreparationError(
            _("With distributed linkage the owner sends its data to the project, not to us.")
        )
    if request.arrived_at is not None:
        raise PreparationError(_("The file from %(owner)s has already arrived.") % {"owner": request.owner})
    file = third_party_candidates(request).filter(pk=file_id).first()
    if file is None:
        raise PreparationError(
            _("That file was not sent by %(owner)s under this case's reference.") % {"owner": request.owner}
        )
    request.file, request.package, request.arrived_at = file, file.package, timezone.now()
    request.save(update_fields=["file", "package", "arrived_at"])
    audit_record(actor=actor, action="preparation.third_party.arrived", obj=request,
                 payload={"file": file.pk, "sha256": file.sha256})  # fmt: skip
    return request


def awaited(application: Application) -> list[ThirdPartyRequest]:
    return [r for r in ThirdPartyRequest.objects.filter(application=application).all() if r.awaited]


# --- jobs -----------------------------------------------------------------------------------------------


def job_dir(job: Job) -> Path:
    return orders.work_dir() / f"case-{job.order.application_id}" / f"order-{job.order.number}-job-{job.pk}"


@transaction.atomic
def job_start(
    *, actor: User, order: DataOrder, kind: str = JobKind.EXTRACT, complaint: Complaint | None = None
) -> Job:
    """Queue a dry run, an extraction or (for a complaint) a reproduction of the delivered run. At most one
    job of an order runs at a time: the database refuses a second (unique on the running job)."""
    order = _locked_order(order)
    application = order.application
    _officer_guard(actor, application)
    if kind not in JobKind.values:
        raise PreparationError(_("Unknown job."))
    reproduces = None
    if kind == JobKind.REPRODUCE:
        delivery = Delivery.objects.filter(order=order).first()
        if delivery is None or complaint is None or complaint.delivery_id != delivery.pk:
            raise PreparationError(_("A run is reproduced only for a complaint about its delivery."))
        reproduces = delivery.job
    else:
        if _delivered(order):
            raise PreparationError(_("The order has been delivered; make a new order for a project change."))
        if kind == JobKind.EXTRACT:
            waiting = awaited(application)
            if waiting:
                # DOMAIN R-CASE-5: third-party data must reach the office before processing starts.
                raise PreparationError(
                    _("The extraction waits for data from %(owners)s, which must reach the office first.")
                    % {"owners": ", ".join(r.owner for r in waiting)}
                )
        if application.state not in (State.IN_PREPARATION, State.ACTIVE):
            raise PreparationError(
                _(
                    "Data are prepared only for a case in preparation or an active project. The case is “%(state)s”."
                )
                % {"state": State(application.state).label}
            )
    try:
        with transaction.atomic():
            job = Job.objects.create(order=order, kind=kind, started_by=actor, reproduces=reproduces)
    except IntegrityError:
        raise PreparationError(
            _("A job of this order is already running. Wait for it to finish; only one runs at a time.")
        ) from None
    job.out_dir = str(job_dir(job))
    job.save(update_fields=["out_dir"])
    if complaint is not None:
        Complaint.objects.filter(pk=complaint.pk).update(job=job, identical=None, differences=[])
    audit_record(actor=actor, action="preparation.job.queued", obj=job,
                 payload={"order": order.pk, "kind": kind})  # fmt: skip
    from tilgang.preparation.tasks import run_job

    run_job.enqueue(job_id=job.pk)
    return job


@transaction.atomic
def job_retry(*, actor: User, job: Job) -> Job:
    """Run a failed job again (after the case officer has fixed what its message said)."""
    if job.status != JobStatus.FAILED:
        raise PreparationError(_("Only a failed job can be retried."))
    complaint = Complaint.objects.filter(job=job).first()
    return job_start(actor=actor, order=job.order, kind=job.kind, complaint=complaint)


def _job_mark(job_id: int, **fields: Any) -> Job:
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("order__application").get(pk=job_id)
        for name, value in fields.items():
            setattr(job, name, value)
        job.save()
        if "status" in fields:
            audit_record(actor=None, action=f"preparation.job.{fields['status']}", obj=job,
                         payload={"order": job.order_id, "kind": job.kind})  # fmt: skip
    return job


def _progress(job_id: int):
    last_step, last_fraction = [""], [-1.0]

    def report(step: str, fraction: float) -> None:
        if step != last_step[0] or fraction - last_fraction[0] >= 0.05 or fraction >= 1.0:
            last_step[0], last_fraction[0] = step, fraction
            Job.objects.filter(pk=job_id).update(step=step[:30], fraction=fraction)

    return report


def _intake(job: Job, out: Path) -> list[dict[str, Any]]:
    """Third-party files that arrived, decrypted into the job's work area for the engine to link."""
    from tilgang.exchange.services import file_open

    imports = []
    for request in ThirdPartyRequest.objects.filter(application=job.order.application).filter(
        mode=LinkageMode.OFFICE, file__isnull=False
    ):
        assert request.file is not None
        target = out.parent / f".intake-{job.pk}" / Path(request.file.name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        with file_open(request.file) as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        imports.append({"owner": request.owner, "name": request.table_name, "file": str(target),
                        "id_column": request.id_column})  # fmt: skip
    return imports


def _summary(result) -> dict[str, Any]:
    return {
        "population": result.population.persons,
        "population_text_nb": result.population.description_nb,
        "population_text_en": result.population.description_en,
        "tables": result.tables,
        "guard": {"passed": result.guard.passed, "findings": list(result.guard.findings)},
        # The figures, not text: the pages word them in the reader's language and judge the risk from them.
        "disclosure": dataclasses.asdict(result.disclosure),
        "files": result.files,
        "linkage": [
            {
                "owner": r.owner,
                "name": r.name,
                "rows": r.rows,
                "delivered_rows": r.delivered_rows,
                "invalid_ids": r.invalid_ids,
                "unmatched_ids": r.unmatched_ids,
            }
            for r in result.linkage
        ],  # fmt: skip
        "linkage_keys": {owner: path.name for owner, (path, _pw) in result.linkage_keys.items()},
        "record": str(result.record_path),
        "manifest_sha256": hashlib.sha256((result.delivery_dir / "MANIFEST.json").read_bytes()).hexdigest(),
        "seconds": round(result.seconds, 2),
        "not_delivered": result.not_delivered,
        # Kept with the job, so the project can compare it with the order after the office's copies are gone.
        "codebook": json.loads((result.delivery_dir / "codebook.json").read_text(encoding="utf-8")),
    }


def job_run(job_id: int) -> Job:
    """The worker's part (``tasks.run_job``): run the engine and record the outcome. An ``EngineError`` marks
    the job failed with its message; nothing half-done is kept (the engine renames a delivery into place
    only when complete)."""
    from tilgang.engine import pipeline
    from tilgang.engine.errors import EngineError

    job = Job.objects.select_related("order__application").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return job
    job = _job_mark(job_id, status=JobStatus.RUNNING, started_at=timezone.now(), step="check", fraction=0.0)
    order, out = job.order, Path(job.out_dir)
    intake_dir = out.parent / f".intake-{job.pk}"
    try:
        registers = orders.registers_dir()
        if job.kind == JobKind.DRY_RUN:
            report = pipeline.dry_run(
                orders.with_imports(order.spec, [], []), registers, progress=_progress(job_id)
            )
            summary = report.to_dict()
            DataOrder.objects.filter(pk=order.pk).update(dry_run=json.loads(json.dumps(summary, default=str)),
                                                         dry_run_at=timezone.now())  # fmt: skip
        elif job.kind == JobKind.EXTRACT:
            application = order.application
            key = ProjectKey.objects.filter(application=application).first()
            if key is not None and key.sealed is None:
                raise EngineError(_("The project's keys were destroyed after deletion; no more deliveries."))
            exports = [
                r.owner
                for r in ThirdPartyRequest.objects.filter(application=application).filter(
                    mode=LinkageMode.DISTRIBUTED
                )
            ]
            spec = orders.with_imports(order.spec, _intake(job, out), exports)
            result = pipeline.run_order(
                spec, registers, out, seal_key=orders.office_key(),
                # DOMAIN R-PSEUDO-1: later deliveries of the project keep its running numbers.
                sealed_randomness=key.sealed if key else None, progress=_progress(job_id),
            )  # fmt: skip
            summary = _summary(result)
            if key is None:
                with transaction.atomic():
                    ProjectKey.objects.create(application=application, project_id=order.project_id,
                                              sealed=result.sealed_randomness)  # fmt: skip
                    audit_record(actor=None, action="preparation.project_key.created", obj=application,
                                 payload={"order": order.pk})  # fmt: skip
        else:
            assert job.reproduces is not None
            delivered = job.reproduces
            result = pipeline.reproduce(Path((delivered.result or {})["record"]), registers, out, seal_key=orders.office_key(),
                                        progress=_progress(job_id))  # fmt: skip
            summary = _summary(result)
            _compare(job, delivered, summary)
    except EngineError as error:
        return _job_mark(job_id, status=JobStatus.FAILED, error=str(error), finished_at=timezone.now())
    except Exception as error:  # an unexpected failure still ends the job, with a message for the officer
        logger.exception("preparation job %s failed", job_id)
        return _job_mark(
            job_id, status=JobStatus.FAILED, finished_at=timezone.now(),
            error=_("The job stopped because of an internal error (%(kind)s). Try again, or ask an administrator.")
            % {"kind": type(error).__name__},
        )  # fmt: skip
    finally:
        shutil.rmtree(intake_dir, ignore_errors=True)
    return _job_mark(job_id, status=JobStatus.SUCCEEDED, result=json.loads(json.dumps(summary, default=str)),
                     step="done", fraction=1.0, finished_at=timezone.now())  # fmt: skip


def _compare(job: Job, delivered: Job, summary: dict[str, Any]) -> None:
    before = {f["path"]: f["sha256"] for f in (delivered.result or {}).get("files", [])}
    after = {f["path"]: f["sha256"] for f in summary.get("files", [])}
    differences = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    with transaction.atomic():
        for complaint in Complaint.objects.select_for_update().filter(job=job):
            complaint.identical, complaint.differences = not differences, differences
            complaint.save(update_fields=["identical", "differences"])
            audit_record(actor=None, action="preparation.complaint.reproduced", obj=complaint,
                         payload={"job": job.pk, "identical": not differences, "differing_files": len(differences)})  # fmt: skip


# --- delivery -------------------------------------------------------------------------------------------


def _delivery_files(job: Job) -> list[Path]:
    base = Path(job.out_dir) / "delivery"
    return sorted(p for p in base.rglob("*") if p.is_file())


@transaction.atomic
def delivery_send(*, actor: User, order: DataOrder, disclosure_assessed: bool = False) -> Delivery:
    """Send the extraction to the project leader as an exchange package (7z AES-256, the password by SMS on
    download), start the clocks (``deliver``), make the invoice basis and journal the outgoing delivery.
    When records sit in groups below k, the case officer must confirm having assessed the disclosure risk
    (``disclosure_assessed``); the audit event records it."""
    from tilgang.exchange.services import ExchangeError, package_create, package_send
    from tilgang.offers.services import OfferError, invoice_basis_create

    order = _locked_order(order)
    application = Application.objects.select_for_update().get(pk=order.application_id)
    _officer_guard(actor, application)
    if _delivered(order):
        raise PreparationError(_("This order has already been delivered."))
    job = order.extraction
    if job is None:
        raise PreparationError(_("Run the extraction first; there is nothing to deliver."))
    if job.created_at < order.updated_at:
        raise PreparationError(_("The order has changed since the extraction. Run the extraction again."))
    if not job.result or not job.result.get("guard", {}).get("passed"):
        raise PreparationError(_("The release guard has not passed this extraction."))
    from tilgang.preparation.selectors import disclosure_figures

    figures = disclosure_figures(job.result.get("disclosure"))
    high_risk = bool(figures and figures.high_risk)
    if high_risk and not disclosure_assessed:
        # DOMAIN R-DATA-6: no more identification than the purpose needs; small groups are a judgement call.
        raise PreparationError(
            _("Records of this extraction are in groups smaller than k. Assess the disclosure risk and confirm "
              "it before delivering, or choose coarser minimisation and run the extraction again.")
        )  # fmt: skip
    files = _delivery_files(job)
    if not files:
        raise PreparationError(
            _("The files of the extraction are no longer there. Run the extraction again.")
        )
    initial = order.purpose == OrderPurpose.INITIAL
    if initial and application.state != State.IN_PREPARATION:
        raise PreparationError(_("The case is “%(state)s”.") % {"state": State(application.state).label})
    with translation.override(application.applicant.language):
        subject = _("Data delivery %(case)s (order %(number)s)") % {"case": application.case_number,
                                                                    "number": order.number}  # fmt: skip
        note = _("The data you ordered. Check them against the order and the codebook in the portal.")
    try:
        package = package_create(sender=actor, recipients=[application.applicant], subject=subject,
                                 case_reference=application.case_number, note=note, files=files)  # fmt: skip
        package = package_send(actor=actor, package=package)
    except ExchangeError as error:
        raise PreparationError(str(error)) from error
    invoice = None
    if initial:
        try:
            invoice = invoice_basis_create(actor=actor, application=application, kind="delivery")
        except OfferError as error:
            raise PreparationError(str(error)) from error
        # DOMAIN R-CASE-6: the download window, the complaint window and the deletion clock start.
        case_transition(actor=actor, application=application, command=Command.DELIVER)
    delivery = Delivery.objects.create(order=order, job=job, package=package, invoice=invoice,
                                       manifest_sha256=job.result["manifest_sha256"], delivered_by=actor)  # fmt: skip
    _journal(
        application,
        actor=actor,
        doc_type="U",
        title=_("Delivery of data, order %(number)s") % {"number": order.number},
    )
    audit_record(actor=actor, action="preparation.delivery.sent", obj=delivery,
                 payload={"order": order.pk, "job": job.pk, "package": package.pk,
                          "invoice": invoice.pk if invoice else None, "manifest_sha256": delivery.manifest_sha256,
                          "disclosure_high_risk": high_risk, "disclosure_risk_assessed": high_risk and disclosure_assessed})  # fmt: skip
    _notify(application.applicant, "delivery_sent", application, delivery=delivery,
            link=reverse("preparation:delivery", kwargs={"pk": delivery.pk}),
            package_link=reverse("exchange:package", kwargs={"pk": package.pk}))  # fmt: skip
    _linkage_keys_send(actor, application, job)
    return delivery


def _linkage_keys_send(actor: User, application: Application, job: Job) -> None:
    """Distributed linkage (R-PSEUDO-2): each named owner gets the linkage key through the exchange; the
    key file's own password goes by SMS to the owner's contact."""
    import base64

    from tilgang.engine.seal import Sealed, derive, unseal
    from tilgang.engine.seal import office_key as engine_office_key
    from tilgang.exchange.services import ExchangeError, package_create, package_send

    keys = (job.result or {}).get("linkage_keys", {})
    project_key = ProjectKey.objects.filter(application=application).first()
    for request in ThirdPartyRequest.objects.filter(application=application).filter(
        mode=LinkageMode.DISTRIBUTED, key_sent_at__isnull=True
    ):
        name = keys.get(request.owner)
        if not name or project_key is None or project_key.sealed is None:
            continue
        path = Path(job.out_dir) / "linkage" / name
        try:
            package = package_create(
                sender=actor, recipients=[request.contact], case_reference=application.case_number,
                subject=_("Linkage key for %(case)s") % {"case": application.case_number}, files=[path],
                note=_("The linkage key: national ID and the project's running number. Attach the numbers to "
                       "your data and send them to the project; then delete the key and confirm it."),
            )  # fmt: skip
            package = package_send(actor=actor, package=package)
        except ExchangeError as error:
            raise PreparationError(str(error)) from error
        secret = unseal(Sealed.from_dict(project_key.sealed), engine_office_key(orders.office_key()),
                        f"tilgang/project/{project_key.project_id}")  # fmt: skip
        password = base64.urlsafe_b64encode(
            derive(secret, f"linkage-key-password/{request.owner}")[:18]
        ).decode()
        if request.contact.mobile:
            with translation.override(request.contact.language):
                text = _("Password for the linkage key of %(case)s: %(password)s") % {
                    "case": application.case_number, "password": password}  # fmt: skip
            sms_send(to=request.contact.mobile, text=text, purpose="preparation.linkage_key")
        request.key_package, request.key_sent_at = package, timezone.now()
        request.save(update_fields=["key_package", "key_sent_at"])
        audit_record(actor=actor, action="preparation.third_party.key_sent", obj=request,
                     payload={"package": package.pk, "sms": bool(request.contact.mobile)})  # fmt: skip


@transaction.atomic
def delivery_check(*, actor: User, delivery: Delivery) -> Delivery:
    """The project leader has checked the delivery against the order (R-CASE-6); the case becomes active."""
    delivery = Delivery.objects.select_for_update().select_related("order__application").get(pk=delivery.pk)
    application = delivery.order.application
    roles = _project_guard(actor, application)
    if CaseRole.APPLICANT not in roles:
        raise PreparationError(_("The project leader confirms that the delivery matches the order."))
    if delivery.checked_at is not None:
        raise PreparationError(_("The delivery has already been checked."))
    delivery.checked_at, delivery.checked_by = timezone.now(), actor
    delivery.save(update_fields=["checked_at", "checked_by"])
    audit_record(actor=actor, action="preparation.delivery.checked", obj=delivery)
    if application.state == State.DELIVERED:
        case_transition(actor=actor, application=application, command=Command.CONFIRM_RECEIPT)
    return delivery


# --- complaints (R-CASE-6) ------------------------------------------------------------------------------


@transaction.atomic
def complaint_lodge(*, actor: User, delivery: Delivery, message: str) -> Complaint:
    """A complaint about a delivery within six months opens a complaint case for the office."""
    application = delivery.order.application
    message = (message or "").strip()
    if not message:
        raise PreparationError(_("Describe what is wrong with the delivery."))
    # The lifecycle checks the six-month window (DOMAIN R-CASE-6) and records the complaint message.
    case_transition(actor=actor, application=application, command=Command.COMPLAIN, message=message)
    complaint = Complaint.objects.create(delivery=delivery, message=message[:10000], lodged_by=actor)
    audit_record(actor=actor, action="preparation.complaint.lodged", obj=complaint,
                 payload={"delivery": delivery.pk})  # fmt: skip
    return complaint


@transaction.atomic
def complaint_reproduce(*, actor: User, complaint: Complaint) -> Job:
    return job_start(actor=actor, order=complaint.delivery.order, kind=JobKind.REPRODUCE, complaint=complaint)


@transaction.atomic
def complaint_confirm(*, actor: User, complaint: Complaint) -> Complaint:
    """The office confirms the reproduced files are identical to the delivered ones, and tells the project."""
    complaint = (
        Complaint.objects.select_for_update()
        .select_related("delivery__order__application")
        .get(pk=complaint.pk)
    )
    application = complaint.delivery.order.application
    _officer_guard(actor, application)
    if complaint.identical is not True:
        raise PreparationError(_("Reproduce the run first; only identical files can be confirmed."))
    if complaint.confirmed_at is not None:
        raise PreparationError(_("The complaint has already been answered."))
    complaint.confirmed_by, complaint.confirmed_at = actor, timezone.now()
    complaint.save(update_fields=["confirmed_by", "confirmed_at"])
    audit_record(actor=actor, action="preparation.complaint.confirmed", obj=complaint)
    _notify(application.applicant, "delivery_complaint_answered", application, complaint=complaint,
            link=f"/uttrekk/levering/{complaint.delivery_id}/")  # fmt: skip
    return complaint


# --- deletion and closing (R-CASE-8, R-PSEUDO-5) ----------------------------------------------------------


@transaction.atomic
def deletion_confirm(
    *, actor: User, application: Application, case_reference: str, confirm: bool
) -> Application:
    """The project leader confirms deletion of the data, all copies and printouts, with the case reference;
    the office then destroys its copies of the linkage keys and the project's key material."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if (case_reference or "").strip() != application.case_number:
        raise PreparationError(
            _("Give the case reference %(case)s exactly as it stands on the decision.")
            % {"case": application.case_number}
        )
    application = case_transition(actor=actor, application=application, command=Command.CONFIRM_DELETION,
                                  confirm=confirm)  # fmt: skip
    keys_destroy(actor=actor, application=application)
    return application


@transaction.atomic
def keys_destroy(*, actor: User | None, application: Application) -> int:
    """Destroy the office's copies: the engine's work folders of the project (linkage keys, run records with
    the sealed randomness, extracted files) and the stored project key. Returns how many folders went."""
    removed = 0
    for job in Job.objects.filter(order__application=application).exclude(out_dir=""):
        path = Path(job.out_dir)
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    now = timezone.now()
    key = ProjectKey.objects.select_for_update().filter(application=application).first()
    if key is not None and key.sealed is not None:
        key.sealed, key.destroyed_at = None, now
        key.save(update_fields=["sealed", "destroyed_at"])
    ThirdPartyRequest.objects.filter(application=application).filter(destroyed_at__isnull=True).update(
        destroyed_at=now
    )
    audit_record(actor=actor, action="preparation.keys.destroyed", obj=application,
                 payload={"folders": removed, "project_key": key.pk if key else None})  # fmt: skip
    return removed


@transaction.atomic
def case_close(*, actor: User, application: Application) -> Application:
    """Close the case once deletion is confirmed; the key material is destroyed first if still there."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _officer_guard(actor, application)
    if application.state != State.DELETION_CONFIRMED:
        raise PreparationError(_("A case is closed here once the deletion has been confirmed."))
    key = ProjectKey.objects.filter(application=application).first()
    if key is not None and key.sealed is not None:
        keys_destroy(actor=actor, application=application)
    return case_transition(actor=actor, application=application, command=Command.CLOSE)


def cases_for_officer(user: User):
    return Application.objects.filter(case_officer=user).filter(
        Q(state__in=[State.AGREEMENT_SIGNED, State.IN_PREPARATION, State.DELIVERED, State.ACTIVE,
                     State.DELETION_DUE, State.DELETION_CONFIRMED])
    )  # fmt: skip


def _now() -> datetime:
    return timezone.now()
