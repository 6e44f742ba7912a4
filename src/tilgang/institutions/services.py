"""Writes for institutions: the official lists, approval by the office, public bodies, people and projects.

Every function is keyword-only, runs in one transaction and writes its audit event (ids and codes only).
Refusals raise ``InstitutionError`` (or Django's ``ValidationError`` for form-like input) with a
translated message that is safe to show.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tilgang.audit.services import audit_record
from tilgang.core.roles import Role
from tilgang.core.validators import normalise_orgnr
from tilgang.institutions.lists import normalise_name, parse_list
from tilgang.institutions.models import (
    OPEN_REQUEST_STATUSES,
    REQUIRED_ATTACHMENTS,
    RESEARCH_KINDS,
    SOURCE_KIND,
    Affiliation,
    Approval,
    ApprovalRequest,
    ApprovalSource,
    AttachmentKind,
    FundedProject,
    FundingKind,
    Institution,
    InstitutionKind,
    ListImport,
    PublicBodyCategory,
    RequestAttachment,
    RequestStatus,
    ResearchProject,
    StagedAttachment,
)
from tilgang.institutions.uploads import validate_document
from tilgang.notify.services import email_send


class InstitutionError(Exception):
    """A refused action on institutions; the message is translated and safe to show."""


def _today() -> date:
    return timezone.localdate()


# --- institutions --------------------------------------------------------------------------------


@transaction.atomic
def institution_save(*, actor, institution: Institution) -> Institution:
    created = institution.pk is None
    institution.full_clean()
    institution.save()
    audit_record(
        actor=actor,
        action="institutions.institution.created" if created else "institutions.institution.updated",
        obj=institution,
        payload={"kind": institution.kind},
    )
    return institution


def approval_summary_refresh(institution: Institution, *, on: date | None = None) -> None:
    """Keep ``kind`` and ``approved_from``/``approved_to`` in step with the approval history."""
    on = on or _today()
    chosen = institution.approval_on(on) or institution.latest_approval()
    if chosen is not None:
        institution.approved_from, institution.approved_to = chosen.valid_from, chosen.valid_to
        if institution.kind != InstitutionKind.PUBLIC_BODY:
            institution.kind = SOURCE_KIND[ApprovalSource(chosen.source)]
    elif institution.kind in RESEARCH_KINDS:
        institution.kind, institution.approved_from, institution.approved_to = (
            InstitutionKind.OTHER,
            None,
            None,
        )
    institution.save(update_fields=["kind", "approved_from", "approved_to"])


@transaction.atomic
def approval_record(
    *, actor, institution: Institution, source: str, valid_from: date, valid_to: date | None = None
) -> Approval:
    """Record an approval by hand (one known before the next list arrives, or an older office decision)."""
    if source not in ApprovalSource.values:
        raise InstitutionError(_("Unknown approval source."))
    if valid_to and valid_to < valid_from:
        raise InstitutionError(_("The approval cannot end before it starts."))
    approval = Approval.objects.create(
        institution=institution, source=source, valid_from=valid_from, valid_to=valid_to
    )
    approval_summary_refresh(institution)
    audit_record(
        actor=actor,
        action="institutions.approval.created",
        obj=approval,
        payload={"institution": institution.pk, "source": source, "manual": True},
    )
    return approval


@transaction.atomic
def approval_end(*, actor, approval: Approval, on: date) -> Approval:
    if approval.valid_to is not None and approval.valid_to <= on:
        raise InstitutionError(_("This approval has already ended."))
    approval.valid_to = max(on, approval.valid_from)
    approval.save(update_fields=["valid_to"])
    approval_summary_refresh(approval.institution)
    audit_record(
        actor=actor,
        action="institutions.approval.ended",
        obj=approval,
        payload={"institution": approval.institution_id, "valid_to": approval.valid_to.isoformat()},
    )
    return approval


# --- the official lists (DOMAIN R-ELIG-1) --------------------------------------------------------


@dataclass
class DiffEntry:
    action: str  # add, change, remove, same
    name: str
    orgnr: str = ""
    country: str = "NO"
    line: int | None = None
    since: str | None = None
    foreign_id: str = ""
    institution_id: int | None = None
    approval_id: int | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class ListDiff:
    entries: list[DiffEntry]
    errors: list[dict]

    def of(self, action: str) -> list[DiffEntry]:
        return [entry for entry in self.entries if entry.action == action]

    @property
    def of_add(self) -> list[DiffEntry]:
        return self.of("add")

    @property
    def of_change(self) -> list[DiffEntry]:
        return self.of("change")

    @property
    def of_remove(self) -> list[DiffEntry]:
        return self.of("remove")

    @property
    def counts(self) -> dict[str, int]:
        return {action: len(self.of(action)) for action in ("add", "change", "remove", "same")}

    @property
    def digest(self) -> str:
        data = [asdict(entry) for entry in self.entries if entry.action != "same"]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _open_list_approvals(source: str, on: date):
    return (
        Approval.objects.filter(source=source, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .select_related("institution")
    )


def list_diff(batch: ListImport) -> ListDiff:
    """What applying ``batch`` would add, change and remove, against the institutions as they are now."""
    on = batch.list_date
    institutions = list(Institution.objects.all())
    by_orgnr = {inst.orgnr: inst for inst in institutions if inst.orgnr}
    by_name: dict[tuple[str, str], Institution] = {}
    for inst in institutions:
        by_name.setdefault((normalise_name(inst.name), inst.country), inst)
    open_approvals = {
        approval.institution_id: approval for approval in _open_list_approvals(batch.source, on)
    }
    errors = list(batch.row_errors)
    entries: list[DiffEntry] = []
    seen_orgnr: dict[str, int] = {}
    seen_name: dict[tuple[str, str], int] = {}
    matched: dict[int, int] = {}
    for row in batch.rows:
        line, name, orgnr, country = row["line"], row["name"], row["orgnr"], row["country"]
        name_key = (normalise_name(name), country)
        if orgnr and orgnr in seen_orgnr:
            errors.append(
                {
                    "line": line,
                    "message": _(
                        "Line %(line)d: the organisation number %(orgnr)s is also on line %(other)d."
                    )
                    % {"line": line, "orgnr": orgnr, "other": seen_orgnr[orgnr]},
                }
            )
            continue
        if not orgnr and name_key in seen_name:
            errors.append(
                {
                    "line": line,
                    "message": _("Line %(line)d: %(name)s (%(country)s) is also on line %(other)d.")
                    % {"line": line, "name": name, "country": country, "other": seen_name[name_key]},
                }
            )
            continue
        if orgnr:
            seen_orgnr[orgnr] = line
        seen_name.setdefault(name_key, line)
        by_number = by_orgnr.get(orgnr) if orgnr else None
        by_its_name = by_name.get(name_key)
        if (
            by_number is None
            and by_its_name is not None
            and by_its_name.orgnr
            and orgnr
            and by_its_name.orgnr != orgnr
        ):
            errors.append(
                {
                    "line": line,
                    "message": _(
                        "Line %(line)d: %(name)s is registered with organisation number %(ours)s, but the list gives %(theirs)s. Correct the institution or the list first."
                    )
                    % {"line": line, "name": name, "ours": by_its_name.orgnr, "theirs": orgnr},
                }
            )
            continue
        institution = by_number or by_its_name
        if institution is not None and institution.pk in matched:
            errors.append(
                {
                    "line": line,
                    "message": _("Line %(line)d: %(name)s matches the same institution as line %(other)d.")
                    % {"line": line, "name": name, "other": matched[institution.pk]},
                }
            )
            continue
        entry = DiffEntry(
            action="add",
            name=name,
            orgnr=orgnr,
            country=country,
            line=line,
            since=row.get("since"),
            foreign_id=row.get("foreign_id", ""),
        )
        if institution is not None:
            matched[institution.pk] = line
            entry.institution_id = institution.pk
            approval = open_approvals.get(institution.pk)
            if approval is not None:
                entry.action, entry.approval_id = "same", approval.pk
                if by_number is not None and institution.name != name:
                    entry.changes.append(
                        _("name: %(old)s → %(new)s") % {"old": institution.name, "new": name}
                    )
                if entry.since and approval.valid_from.isoformat() != entry.since:
                    entry.changes.append(
                        _("approved from: %(old)s → %(new)s")
                        % {"old": approval.valid_from.isoformat(), "new": entry.since}
                    )
                if entry.changes:
                    entry.action = "change"
        entries.append(entry)
    for institution_id, approval in open_approvals.items():
        if institution_id not in matched:
            inst = approval.institution
            entries.append(
                DiffEntry(
                    action="remove",
                    name=inst.name,
                    orgnr=inst.orgnr,
                    country=inst.country,
                    institution_id=inst.pk,
                    approval_id=approval.pk,
                )
            )
    return ListDiff(entries=entries, errors=errors)


@transaction.atomic
def list_import_preview(*, actor, source: str, file_name: str, data: bytes, list_date: date) -> ListImport:
    """Read a list file and keep it for preview. Raises ValidationError for a file that cannot be read."""
    parsed = parse_list(source=source, file_name=file_name, data=data)
    batch = ListImport.objects.create(
        source=source,
        file_name=file_name[-255:],
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_format=parsed.file_format,
        list_date=list_date,
        rows=parsed.rows,
        row_errors=parsed.errors,
        columns_found=parsed.columns_found,
        uploaded_by=actor,
    )
    diff = list_diff(batch)
    batch.preview_digest, batch.counts = diff.digest, {**diff.counts, "errors": len(diff.errors)}
    batch.save(update_fields=["preview_digest", "counts"])
    audit_record(
        actor=actor,
        action="institutions.list_import.previewed",
        obj=batch,
        payload={"source": source, "sha256": batch.file_sha256, **batch.counts},
    )
    return batch


@transaction.atomic
def list_import_apply(*, actor, batch: ListImport) -> ListDiff:
    """Apply a previewed list: all of it or, on any problem, none of it."""
    batch = ListImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ListImport.Status.PREVIEW:
        raise InstitutionError(_("This list has already been applied or discarded."))
    diff = list_diff(batch)
    if diff.errors:
        raise InstitutionError(
            _(
                "The list has %(count)d problem(s) and cannot be applied. Correct the file and upload it again."
            )
            % {"count": len(diff.errors)}
        )
    if diff.digest != batch.preview_digest:
        raise InstitutionError(
            _("The institutions have changed since the preview. Look at the new preview before applying.")
        )
    touched: set[int] = set()
    for entry in diff.entries:
        since = date.fromisoformat(entry.since) if entry.since else batch.list_date
        if entry.action == "add":
            if entry.institution_id is None:
                institution = Institution(
                    name=entry.name,
                    orgnr=entry.orgnr,
                    country=entry.country,
                    foreign_id=entry.foreign_id if not entry.orgnr else "",
                    kind=SOURCE_KIND[ApprovalSource(batch.source)],
                )
                institution.full_clean()
                institution.save()
                audit_record(
                    actor=actor,
                    action="institutions.institution.created",
                    obj=institution,
                    payload={"kind": institution.kind, "batch": batch.pk},
                )
            else:
                institution = Institution.objects.get(pk=int(entry.institution_id or 0))
            approval = Approval.objects.create(
                institution=institution, source=batch.source, valid_from=since, batch=batch
            )
            audit_record(
                actor=actor,
                action="institutions.approval.created",
                obj=approval,
                payload={"institution": institution.pk, "source": batch.source, "batch": batch.pk},
            )
            touched.add(institution.pk)
        elif entry.action == "change":
            institution = Institution.objects.get(pk=int(entry.institution_id or 0))
            approval = Approval.objects.get(pk=int(entry.approval_id or 0))
            if entry.orgnr and institution.orgnr == entry.orgnr and institution.name != entry.name:
                institution.name = entry.name
                institution.save(update_fields=["name"])
            if entry.since and approval.valid_from != since:
                approval.valid_from = since
                approval.save(update_fields=["valid_from"])
            audit_record(
                actor=actor,
                action="institutions.approval.changed",
                obj=approval,
                payload={"institution": institution.pk, "source": batch.source, "batch": batch.pk},
            )
            touched.add(institution.pk)
        elif entry.action == "remove":
            approval = Approval.objects.get(pk=int(entry.approval_id or 0))
            approval.valid_to = max(batch.list_date - timedelta(days=1), approval.valid_from)
            approval.ended_by_batch = batch
            approval.save(update_fields=["valid_to", "ended_by_batch"])
            audit_record(
                actor=actor,
                action="institutions.approval.ended",
                obj=approval,
                payload={"institution": approval.institution_id, "source": batch.source, "batch": batch.pk},
            )
            touched.add(approval.institution_id)
    for institution in Institution.objects.filter(pk__in=touched):
        approval_summary_refresh(institution)
    batch.status, batch.applied_at = ListImport.Status.APPLIED, timezone.now()
    batch.counts = {**diff.counts, "errors": 0}
    batch.save(update_fields=["status", "applied_at", "counts"])
    audit_record(
        actor=actor,
        action="institutions.list_import.applied",
        obj=batch,
        payload={"source": batch.source, **diff.counts},
    )
    return diff


@transaction.atomic
def list_import_discard(*, actor, batch: ListImport) -> None:
    batch = ListImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ListImport.Status.PREVIEW:
        raise InstitutionError(_("This list has already been applied or discarded."))
    batch.status = ListImport.Status.DISCARDED
    batch.save(update_fields=["status"])
    audit_record(actor=actor, action="institutions.list_import.discarded", obj=batch, payload={})


# --- public bodies from the code lists (DOMAIN R-ELIG-3 a) ---------------------------------------

# Oslo is both a county and a municipality, run by one body, Oslo kommune (municipality 0301).
COUNTY_RUN_BY_MUNICIPALITY = {"03": "0301"}


def region_bodies() -> dict[str, str]:
    """County and municipality codes from the engine's code lists, with the name of the body."""
    from tilgang.engine.codelists import rows

    wanted: dict[str, str] = {}
    for row in rows("counties"):
        if row["code"] not in COUNTY_RUN_BY_MUNICIPALITY:
            wanted[row["code"]] = f"{row['name_nb']} fylkeskommune"
    for row in rows("municipalities"):
        wanted[row["code"]] = f"{row['name_nb']} kommune"
    return wanted


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    ceased: list[str] = field(default_factory=list)
    unchanged: int = 0


@transaction.atomic
def public_bodies_sync(*, actor, on: date | None = None, apply: bool = True) -> SyncReport:
    """Counties and municipalities as public bodies of category a, keyed by their code.

    New codes are added, renamed ones renamed, codes gone from the lists marked ceased (kept, since
    applications may refer to them). With ``apply=False`` nothing is written: a preview."""
    on = on or _today()
    report = SyncReport()
    wanted = region_bodies()
    existing = {inst.region_code: inst for inst in Institution.objects.exclude(region_code="")}
    unkeyed = {
        normalise_name(inst.name): inst
        for inst in Institution.objects.filter(region_code="", kind=InstitutionKind.PUBLIC_BODY, country="NO")
    }
    for code, name in wanted.items():
        institution = existing.get(code) or unkeyed.get(normalise_name(name))
        if institution is None:
            report.added.append(f"{code} {name}")
            if apply:
                institution = Institution.objects.create(
                    name=name,
                    region_code=code,
                    country="NO",
                    kind=InstitutionKind.PUBLIC_BODY,
                    public_body_category=PublicBodyCategory.A,
                )
                audit_record(
                    actor=actor,
                    action="institutions.institution.created",
                    obj=institution,
                    payload={"kind": institution.kind, "region_code": code},
                )
            continue
        changed = []
        if institution.region_code != code:
            changed.append("region_code")
        if institution.name != name:
            report.renamed.append(f"{code} {institution.name} → {name}")
            changed.append("name")
        if institution.ceased_on is not None:
            changed.append("ceased_on")
        if not changed:
            report.unchanged += 1
            continue
        if apply:
            institution.region_code, institution.name, institution.ceased_on = code, name, None
            institution.kind, institution.public_body_category = (
                InstitutionKind.PUBLIC_BODY,
                PublicBodyCategory.A,
            )
            institution.save()
            audit_record(
                actor=actor,
                action="institutions.institution.updated",
                obj=institution,
                payload={"region_code": code, "fields": changed},
            )
    for code, institution in existing.items():
        if code not in wanted and institution.ceased_on is None:
            report.ceased.append(f"{code} {institution.name}")
            if apply:
                institution.ceased_on = on
                institution.save(update_fields=["ceased_on"])
                audit_record(
                    actor=actor,
                    action="institutions.institution.ceased",
                    obj=institution,
                    payload={"region_code": code, "on": on.isoformat()},
                )
    return report


# --- approval by the office (DOMAIN R-ELIG-2) ----------------------------------------------------

CHECKLIST = (
    ("statutes", gettext_lazy("The statutes make research a purpose of the organisation.")),
    ("annual_report", gettext_lazy("The last annual report shows research activity.")),
    (
        "register",
        gettext_lazy("The company certificate shows a registered organisation and who may sign for it."),
    ),
    (
        "independent",
        gettext_lazy(
            "The research is independent: the organisation chooses its methods and publishes freely."
        ),
    ),
    ("qualified_staff", gettext_lazy("The research is done by staff with research qualifications.")),
    (
        "projects",
        gettext_lazy("Projects of the last three years are documented with funding, amount and publication."),
    ),
    ("rd_effort", gettext_lazy("R&D person-years and the number of employees show real research activity.")),
)


def checklist_items() -> list[tuple[str, str]]:
    """The checklist's codes and texts in the active language (the letter renders it under the applicant's)."""
    return [(code, str(text)) for code, text in CHECKLIST]


def _staff_reviewers():
    from tilgang.accounts.models import User

    return User.objects.filter(
        is_active=True, role_grants__role__in=[Role.ADMINISTRATOR, Role.LEGAL_REVIEWER]
    ).distinct()


RENEWAL_WINDOW_DAYS = 90  # an office approval may be renewed in its last 90 days


def _request_institution(*, name: str, orgnr: str, country: str, foreign_id: str) -> Institution:
    country = (country or "NO").strip().upper()
    if country == "NO":
        if not orgnr:
            raise ValidationError({"orgnr": _("A Norwegian organisation needs its organisation number.")})
        orgnr = normalise_orgnr(orgnr)
        institution = Institution.objects.filter(orgnr=orgnr).first()
    else:
        if not foreign_id:
            raise ValidationError(
                {"foreign_id": _("Give the organisation's registration number in its own country.")}
            )
        institution = Institution.objects.filter(country=country, foreign_id=foreign_id).first()
    if institution is None:
        institution = Institution(
            name=name.strip(), orgnr=orgnr if country == "NO" else "", foreign_id=foreign_id if country != "NO" else "",
            country=country, kind=InstitutionKind.OTHER,
        )  # fmt: skip
        institution.full_clean()
        institution.save()
        return institution
    approval = institution.approval_on(_today())
    renewal_due = (
        approval is not None
        and approval.source == ApprovalSource.OFFICE
        and approval.valid_to is not None
        and approval.valid_to <= _today() + timedelta(days=RENEWAL_WINDOW_DAYS)
    )
    if approval is not None and not renewal_due:
        raise InstitutionError(
            _("%(name)s is already approved (%(source)s) and can apply for data without this request.")
            % {"name": institution.name, "source": approval.get_source_display()}
        )
    if institution.approval_requests.filter(status__in=OPEN_REQUEST_STATUSES).exists():
        raise InstitutionError(_("A request for %(name)s is already open.") % {"name": institution.name})
    return institution


def _check_projects(projects: list[dict]) -> list[dict]:
    this_year = _today().year
    cleaned = []
    for project in projects:
        if not any(
            str(project.get(key) or "").strip() for key in ("title", "funding_source", "published_where")
        ):
            continue
        year = int(project["year"])
        if not this_year - 3 <= year <= this_year:
            raise ValidationError(
                _("%(title)s: only projects of the last three years (%(first)d–%(last)d) are asked for.")
                % {"title": project.get("title", ""), "first": this_year - 3, "last": this_year}
            )
        cleaned.append(project)
    return cleaned


@transaction.atomic
def approval_request_create(
    *,
    actor,
    name: str,
    orgnr: str = "",
    country: str = "NO",
    foreign_id: str = "",
    research_statement: str,
    rd_person_years: Decimal,
    staff_count: int,
    projects: list[dict],
) -> ApprovalRequest:
    """A draft request; attachments are added next, then it is submitted."""
    if actor.is_staff_member:
        raise InstitutionError(_("Staff cannot request approval for an organisation; the organisation does."))
    institution = _request_institution(name=name, orgnr=orgnr, country=country, foreign_id=foreign_id)
    request = ApprovalRequest(
        institution=institution,
        applicant=actor,
        research_statement=research_statement.strip(),
        rd_person_years=rd_person_years,
        staff_count=staff_count,
    )
    request.full_clean()
    request.save()
    for project in _check_projects(projects):
        row = ResearchProject(
            request=request,
            **{k: project[k] for k in ("title", "year", "funding_source", "amount_nok", "published_where")},
        )
        row.full_clean()
        row.save()
    audit_record(
        actor=actor,
        action="institutions.approval_request.created",
        obj=request,
        payload={"institution": institution.pk},
    )
    return request


def _own_and_editable(request: ApprovalRequest, actor) -> None:
    if request.applicant_id != actor.pk:
        raise InstitutionError(_("Only the person who made the request can change it."))
    if request.status not in (RequestStatus.DRAFT, RequestStatus.MORE_INFO):
        raise InstitutionError(_("The request can only be changed while it is a draft or more is asked for."))


@transaction.atomic
def approval_request_update(
    *, actor, request: ApprovalRequest, research_statement: str, rd_person_years: Decimal, staff_count: int,
    projects: list[dict] | None = None,
) -> ApprovalRequest:  # fmt: skip
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _own_and_editable(request, actor)
    request.research_statement, request.rd_person_years, request.staff_count = (
        research_statement.strip(), rd_person_years, staff_count,
    )  # fmt: skip
    request.full_clean()
    request.save()
    if projects is not None:
        cleaned = _check_projects(projects)
        if cleaned:
            request.projects.all().delete()
            for project in cleaned:
                row = ResearchProject(
                    request=request,
                    **{
                        k: project[k]
                        for k in ("title", "year", "funding_source", "amount_nok", "published_where")
                    },
                )
                row.full_clean()
                row.save()
    audit_record(actor=actor, action="institutions.approval_request.updated", obj=request, payload={})
    return request


def _attachment_name(request: ApprovalRequest, kind: str, extension: str) -> str:
    # A fresh name each time: a new file never lands on (or next to) an earlier one's path.
    return f"{request.pk}-{kind}-{secrets.token_hex(8)}.{extension}"


def _storage_discard(storage, name: str | None) -> None:
    """Remove a stored file that no attachment row will point to (a failed or rolled-back upload)."""
    try:
        if name and storage.exists(name):
            storage.delete(name)
    except OSError:  # pragma: no cover - best effort; the row was never written
        pass


@transaction.atomic
def approval_request_attach(*, actor, request: ApprovalRequest, kind: str, upload) -> RequestAttachment:
    """Store one checked document (see uploads.py) with the request.

    The file is written in full before its row is inserted, and the row only becomes visible when the
    transaction commits, so nobody sees an attachment whose file is half written. If writing the file
    or anything after it fails, the stored file is removed again and nothing is recorded."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _own_and_editable(request, actor)
    if kind not in AttachmentKind.values:
        raise InstitutionError(_("Unknown kind of attachment."))
    checked = getattr(upload, "checked", None) or validate_document(upload, upload.name)
    attachment = RequestAttachment(
        request=request,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    upload.seek(0)
    field = attachment.file
    base_name = _attachment_name(request, kind, checked.kind)
    target = field.field.generate_filename(attachment, base_name)
    try:
        field.save(base_name, ContentFile(upload.read()), save=False)
        attachment.save()
        audit_record(
            actor=actor,
            action="institutions.approval_request.attached",
            obj=attachment,
            payload={"request": request.pk, "kind": kind, "sha256": checked.sha256},
        )
    except BaseException as error:
        for name in {field.name, target}:
            _storage_discard(field.storage, name)
        if isinstance(error, OSError):
            raise InstitutionError(
                _("The file %(name)s could not be stored, so nothing was saved. Try again.")
                % {"name": checked.name}
            ) from error
        raise
    return attachment


@transaction.atomic
def approval_request_detach(*, actor, request: ApprovalRequest, attachment_id: int) -> None:
    """Remove an attachment while the request is a draft. Once sent, the office has seen the
    attachments; the applicant adds a new one instead when more is asked for."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _own_and_editable(request, actor)
    if request.status != RequestStatus.DRAFT:
        raise InstitutionError(
            _("Attachments can only be removed while the request is a draft. Add a new one instead.")
        )
    attachment = request.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise InstitutionError(_("That attachment is not on this request."))
    audit_record(
        actor=actor,
        action="institutions.approval_request.detached",
        obj=attachment,
        payload={"request": request.pk, "kind": attachment.kind, "sha256": attachment.sha256},
    )
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    # The file goes only once the removal is committed; a rolled-back removal keeps row and file.
    transaction.on_commit(lambda: _storage_discard(storage, name))


def missing_attachments(request: ApprovalRequest) -> list[str]:
    present = set(request.attachments.values_list("kind", flat=True))
    return [kind for kind in REQUIRED_ATTACHMENTS if kind not in present]


@transaction.atomic
def approval_request_submit(*, actor, request: ApprovalRequest) -> ApprovalRequest:
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _own_and_editable(request, actor)
    missing = missing_attachments(request)
    problems = []
    if missing:
        problems.append(
            _("These attachments are missing: %(list)s.")
            % {"list": "; ".join(str(AttachmentKind(kind).label) for kind in missing)}
        )
    if not request.projects.exists():
        problems.append(
            _(
                "List the research projects of the last three years, with funding source, amount and where they were published."
            )
        )
    if problems:
        raise InstitutionError(" ".join(problems))
    resubmitted = request.status == RequestStatus.MORE_INFO
    request.status, request.submitted_at = RequestStatus.SUBMITTED, timezone.now()
    request.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor,
        action="institutions.approval_request.submitted",
        obj=request,
        payload={"again": resubmitted},
    )
    for reviewer in _staff_reviewers():
        email_send(
            to=reviewer.email,
            template="institution_request_received",
            context={
                "request": request,
                "link": f"/institusjoner/godkjenning/{request.pk}/",
                "again": resubmitted,
            },
            language=reviewer.language,
        )
    return request


def _with_files_discarded_on_failure(make):
    """Run ``make(stored)``; if it fails, remove the files of the attachments it stored (their rows
    are rolled back with it)."""
    stored: list[RequestAttachment] = []
    try:
        return make(stored)
    except BaseException:
        for attachment in stored:
            _storage_discard(attachment.file.storage, attachment.file.name)
        raise


@transaction.atomic
def staged_attachment_store(
    *, actor, kind: str, upload, replaces: StagedAttachment | None = None
) -> StagedAttachment:
    """Keep a checked document of the new-request form on the server, owned by ``actor``, so that a
    refused form does not lose it; ``replaces`` (the actor's earlier file for the same slot) goes."""
    if kind not in AttachmentKind.values:
        raise InstitutionError(_("Unknown kind of attachment."))
    checked = getattr(upload, "checked", None) or validate_document(upload, upload.name)
    staged = StagedAttachment(
        owner=actor,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    upload.seek(0)
    base_name = f"{actor.pk}-{kind}-{secrets.token_hex(8)}.{checked.kind}"
    target = staged.file.field.generate_filename(staged, base_name)
    try:
        staged.file.save(base_name, ContentFile(upload.read()), save=False)
        staged.save()
    except BaseException as error:
        for name in {staged.file.name, target}:
            _storage_discard(staged.file.storage, name)
        if isinstance(error, OSError):
            raise InstitutionError(
                _("The file %(name)s could not be stored, so nothing was saved. Try again.")
                % {"name": checked.name}
            ) from error
        raise
    if replaces is not None and replaces.owner_id == actor.pk:
        _staged_discard(replaces)
    audit_record(
        actor=actor,
        action="institutions.staged_attachment.stored",
        obj=staged,
        payload={"kind": kind, "sha256": checked.sha256},
    )
    return staged


def _staged_discard(staged: StagedAttachment) -> None:
    storage, name = staged.file.storage, staged.file.name
    staged.delete()
    transaction.on_commit(lambda: _storage_discard(storage, name))


def _create_and_attach(*, actor, attachments: dict, stored: list, **fields) -> ApprovalRequest:
    """Attachments are uploads or the actor's ``StagedAttachment``s; a staged one is used up."""
    request = approval_request_create(actor=actor, **fields)
    for kind, upload in attachments.items():
        if isinstance(upload, StagedAttachment):
            if upload.owner_id != actor.pk:
                raise InstitutionError(_("That attachment is not yours."))
            with upload.file.open("rb") as handle:
                document = File(handle, name=upload.original_name)
                stored.append(
                    approval_request_attach(actor=actor, request=request, kind=kind, upload=document)
                )
            _staged_discard(upload)
        elif upload:
            stored.append(approval_request_attach(actor=actor, request=request, kind=kind, upload=upload))
    return request


def approval_request_start(*, actor, attachments: dict, **fields) -> ApprovalRequest:
    """The portal's "save as a draft": create the request with the attachments given so far, in one
    transaction; the rest are added on the request's page before it is sent."""

    @transaction.atomic
    def make(stored):
        return _create_and_attach(actor=actor, attachments=attachments, stored=stored, **fields)

    return _with_files_discarded_on_failure(make)


def approval_request_send(*, actor, attachments: dict, **fields) -> ApprovalRequest:
    """The portal's one step: create, attach every document and submit; all of it or nothing."""

    @transaction.atomic
    def make(stored):
        request = _create_and_attach(actor=actor, attachments=attachments, stored=stored, **fields)
        return approval_request_submit(actor=actor, request=request)

    return _with_files_discarded_on_failure(make)


def _staff_check(actor) -> None:
    if not (actor.has_role(Role.ADMINISTRATOR) or actor.has_role(Role.LEGAL_REVIEWER)):
        raise InstitutionError(_("Only an administrator or a legal reviewer can assess approval requests."))


def _under_assessment(request: ApprovalRequest) -> None:
    if request.status != RequestStatus.SUBMITTED:
        raise InstitutionError(_("Only a submitted request can be assessed."))


@transaction.atomic
def approval_request_checklist(*, actor, request: ApprovalRequest, ticked: list[str]) -> ApprovalRequest:
    _staff_check(actor)
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _under_assessment(request)
    codes = [code for code, _text in CHECKLIST]
    request.checklist = {code: code in ticked for code in codes}
    request.save(update_fields=["checklist"])
    audit_record(
        actor=actor,
        action="institutions.approval_request.assessed",
        obj=request,
        payload={"checklist": request.checklist},
    )
    return request


@transaction.atomic
def approval_request_ask_more(*, actor, request: ApprovalRequest, message: str) -> ApprovalRequest:
    _staff_check(actor)
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _under_assessment(request)
    if not message.strip():
        raise InstitutionError(_("Say what the organisation must add."))
    request.status, request.more_info_message = RequestStatus.MORE_INFO, message.strip()
    request.save(update_fields=["status", "more_info_message"])
    audit_record(
        actor=actor, action="institutions.approval_request.more_info_requested", obj=request, payload={}
    )
    email_send(
        to=request.applicant.email,
        template="institution_request_more_info",
        context={"request": request, "link": f"/institusjoner/godkjenning/{request.pk}/"},
        language=request.applicant.language,
    )
    return request


def letter_pdf(request: ApprovalRequest, *, language: str) -> bytes:
    """The decision letter, in the applicant's language, as a PDF (WeasyPrint from an HTML template)."""
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(
            "institutions/letter.html",
            {
                "request": request,
                "institution": request.institution,
                "checklist": [(text, request.checklist.get(code, False)) for code, text in checklist_items()],
                "today": _today(),
            },
        )
    return HTML(string=html).write_pdf()


def _decide(*, actor, request: ApprovalRequest, status: str) -> None:
    request.status, request.decided_at, request.decided_by = status, timezone.now(), actor
    request.letter_language = request.applicant.language
    pdf = letter_pdf(request, language=request.letter_language)
    request.letter.save(f"{request.pk}-{status}.pdf", ContentFile(pdf), save=False)
    request.save()
    email_send(
        to=request.applicant.email,
        template="institution_request_decided",
        context={
            "request": request,
            "approved": status == RequestStatus.APPROVED,
            "link": f"/institusjoner/godkjenning/{request.pk}/",
        },
        language=request.applicant.language,
    )


@transaction.atomic
def approval_request_approve(
    *, actor, request: ApprovalRequest, valid_from: date, valid_to: date
) -> Approval:
    _staff_check(actor)
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _under_assessment(request)
    unticked = [text for code, text in checklist_items() if not request.checklist.get(code)]
    if unticked:
        raise InstitutionError(
            _("Tick every point of the checklist before approving, or ask for more. Not ticked: %(items)s")
            % {"items": " ".join(unticked)}
        )
    if valid_to <= valid_from:
        raise InstitutionError(_("The approval must end after it starts."))
    if missing_attachments(request):
        raise InstitutionError(_("The request lacks required attachments; ask for more."))
    request.valid_from, request.valid_to = valid_from, valid_to
    approval = Approval.objects.create(
        institution=request.institution,
        source=ApprovalSource.OFFICE,
        valid_from=valid_from,
        valid_to=valid_to,
        request=request,
    )
    approval_summary_refresh(request.institution)
    _decide(actor=actor, request=request, status=RequestStatus.APPROVED)
    audit_record(
        actor=actor,
        action="institutions.approval_request.approved",
        obj=request,
        payload={
            "approval": approval.pk,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat(),
        },
    )
    audit_record(
        actor=actor,
        action="institutions.approval.created",
        obj=approval,
        payload={
            "institution": request.institution_id,
            "source": ApprovalSource.OFFICE,
            "request": request.pk,
        },
    )
    return approval


@transaction.atomic
def approval_request_refuse(*, actor, request: ApprovalRequest, reasons: str) -> ApprovalRequest:
    _staff_check(actor)
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    _under_assessment(request)
    if not reasons.strip():
        raise InstitutionError(_("Give the reasons for the refusal; they go into the letter."))
    request.decision_reasons = reasons.strip()
    _decide(actor=actor, request=request, status=RequestStatus.REFUSED)
    audit_record(actor=actor, action="institutions.approval_request.refused", obj=request, payload={})
    return request


# --- people and projects (DOMAIN R-ELIG-4, R-ELIG-5) ---------------------------------------------


@transaction.atomic
def affiliation_create(
    *, actor, user, institution: Institution, position: str, has_research_qualifications: bool,
    valid_from: date | None = None, valid_to: date | None = None,
) -> Affiliation:  # fmt: skip
    if user.pk != actor.pk and not actor.is_staff_member:
        raise InstitutionError(_("You can only record your own affiliation."))
    affiliation = Affiliation(
        user=user, institution=institution, position=position.strip(),
        has_research_qualifications=has_research_qualifications,
        valid_from=valid_from or _today(), valid_to=valid_to,
    )  # fmt: skip
    if affiliation.valid_to and affiliation.valid_to < affiliation.valid_from:
        raise InstitutionError(_("The affiliation cannot end before it starts."))
    affiliation.full_clean()
    affiliation.save()
    audit_record(
        actor=actor,
        action="institutions.affiliation.created",
        obj=affiliation,
        payload={"user": user.pk, "institution": institution.pk, "qualified": has_research_qualifications},
    )
    return affiliation


@transaction.atomic
def affiliation_end(*, actor, affiliation: Affiliation, on: date) -> Affiliation:
    if affiliation.user_id != actor.pk and not actor.is_staff_member:
        raise InstitutionError(_("You can only end your own affiliation."))
    affiliation.valid_to = max(on, affiliation.valid_from)
    affiliation.save(update_fields=["valid_to"])
    audit_record(
        actor=actor, action="institutions.affiliation.ended", obj=affiliation, payload={"on": on.isoformat()}
    )
    return affiliation


@transaction.atomic
def funded_project_create(
    *, actor, title: str, funding_kind: str, funder_name: str, reference: str, valid_from: date, valid_to: date,
    institution: Institution | None = None, commissioning_body: Institution | None = None,
    standard_agreement: bool = False,
) -> FundedProject:  # fmt: skip
    if funding_kind == FundingKind.PUBLIC_COMMISSION:
        if commissioning_body is None or commissioning_body.kind != InstitutionKind.PUBLIC_BODY:
            raise InstitutionError(_("Choose the public body that commissioned the project."))
        if not standard_agreement:
            raise InstitutionError(
                _("A commissioned project gives access only under the standard research agreement.")
            )
    if valid_to < valid_from:
        raise InstitutionError(_("The project cannot end before it starts."))
    project = FundedProject(
        title=title.strip(), owner=actor, institution=institution, funding_kind=funding_kind,
        funder_name=funder_name.strip(), commissioning_body=commissioning_body,
        standard_agreement=standard_agreement, reference=reference.strip(),
        valid_from=valid_from, valid_to=valid_to,
    )  # fmt: skip
    project.full_clean()
    project.save()
    audit_record(
        actor=actor,
        action="institutions.funded_project.created",
        obj=project,
        payload={"funding": funding_kind, "institution": institution.pk if institution else None},
    )
    return project


@transaction.atomic
def funded_project_verify(*, actor, project: FundedProject) -> FundedProject:
    _staff_check(actor)
    if project.verified_at is not None:
        raise InstitutionError(_("The project's funding has already been checked."))
    project.verified_at, project.verified_by = timezone.now(), actor
    project.save(update_fields=["verified_at", "verified_by"])
    audit_record(actor=actor, action="institutions.funded_project.verified", obj=project, payload={})
    return project
