"""Every write to an application and its case. Each function is one transaction with its audit event.

``case_transition`` is the only way to change an application's state: it looks the command up in the
lifecycle table (``lifecycle.py``), refuses with a message that says why, runs the command's own
checks and effects, and records the history and the audit event. Other apps (offers, the file
exchange, sweeps) call it too, with ``actor=None`` for the system.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.applications import lifecycle
from tilgang.applications.lifecycle import NEXT_STEP, RETURN_TO_SENDER, CaseRole, Command, Refusal, State
from tilgang.applications.models import (
    Appeal,
    AppealOutcome,
    Application,
    Attachment,
    AttachmentKind,
    Breach,
    BreachConsequence,
    CaseCounter,
    CaseEvent,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    Decision,
    DecisionKind,
    InternalNote,
    Message,
    MessageKind,
    ProjectMember,
    ProjectRole,
    ScanStatus,
    SelectedVariable,
    SelectionSource,
    StandardCondition,
)
from tilgang.applications.rules import blocking, date_problems, precheck
from tilgang.audit.services import audit_record
from tilgang.core.roles import Role
from tilgang.notify.services import email_send

logger = logging.getLogger(__name__)

APPEAL_WEEKS = 3  # Public Administration Act § 29
DOWNLOAD_DAYS = 14  # R-CASE-6
COMPLAINT_MONTHS = 6  # R-CASE-6
# R-CASE-8: the time to delete once deletion is marked due ahead of the deadline (as the sweep's first reminder).
DELETION_NOTICE = timedelta(days=30)


class ApplicationError(Refusal):
    """A refused action; the message is translated and safe to show."""


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


# --- who is who on a case --------------------------------------------------------------------------


def case_roles(*, user: User | None, application: Application) -> frozenset[str]:
    if user is None:
        return frozenset({CaseRole.SYSTEM})
    roles: set[str] = set()
    if application.applicant_id == user.pk:
        roles.add(CaseRole.APPLICANT)
    # A person added by e-mail before they had an account is the same person once they have one.
    mine = application.members.filter(removed_at__isnull=True).filter(
        Q(user=user) | Q(user__isnull=True, email=user.email)
    )
    for role in mine.values_list("role", flat=True):
        if role == ProjectRole.PROJECT_MEMBER:
            roles.add(CaseRole.MEMBER)
        elif role == ProjectRole.SIGNATORY:
            roles.add(CaseRole.SIGNATORY)
    if user.has_role(Role.LEGAL_REVIEWER):
        roles.add(CaseRole.LEGAL_REVIEWER)
    if application.case_officer_id == user.pk:
        roles.add(CaseRole.CASE_OFFICER)
    if user.has_role(Role.HEAD_OF_SECTION):
        roles.add(CaseRole.HEAD_OF_SECTION)
    return frozenset(roles)


def _check(actor: User | None, application: Application, command: str) -> lifecycle.Transition:
    return lifecycle.transition_for(
        application.state, command, case_roles(user=actor, application=application)
    )


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _journal(**fields: Any) -> None:
    """Record a document in the public journal when the information service's journal is there."""
    try:
        from tilgang.inquiries.services import journal_record  # type: ignore[attr-defined]
    except ImportError:
        return
    journal_record(**fields)


def _journal_case(
    application: Application, *, actor, doc_type: str, title: str, party: str, file=None
) -> None:
    if application.case_sequence is None:  # drafts are not cases yet
        return
    _journal(
        actor=actor,
        case_number=application.case_number,
        doc_type=doc_type,
        title=title,
        party=party,
        document_date=timezone.localdate(),
        screened=True,
        legal_reference="Offl. § 13, jf. statistikkloven § 7",
        document_file=file,
    )


def _notify(user: User | None, template: str, application: Application, **context: Any) -> None:
    if user is None:
        return
    email_send(
        to=user.email,
        template=template,
        context={"application": application, "user": user, "link": f"/soknader/{application.pk}/", **context},
        language=user.language,
    )


# --- drafts ----------------------------------------------------------------------------------------

CONTENT_FIELDS = (
    "title", "purpose", "purpose_statistical", "project_description", "applicant_is_student", "supervisor_name",
    "period_start", "period_end", "retention_beyond", "retention_until", "retention_reason",
    "population_kind", "population_criteria", "population_as_of", "population_from", "population_to",
    "population_cohort_from", "population_cohort_to", "data_sources", "wants_indirectly_identifiable",
    "own_data_by_consent", "storage_location", "storage_details", "gdpr_art6", "gdpr_art9",
    "legal_basis_details", "dpia_route", "dpia_reason", "linkage", "linkage_description", "third_party_data",
    "third_party_owners", "institution_owns_linked_data", "key_handling_separate", "need_description",
    "safeguards_account", "contractor_name", "contractor_how",
)  # fmt: skip
REFERENCE_FIELDS = ("institution_id", "supervisor_email", "funded_project_id", "reuse_of_case_number")


@transaction.atomic
def application_create(*, actor: User, title: str, institution=None) -> Application:
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("Give the project a title."))
    if actor.is_staff_member:
        raise ApplicationError(_("Staff cannot apply for data in their own service."))
    application = Application.objects.create(
        title=title[:300], applicant=actor, institution=institution or actor.institution
    )
    ProjectMember.objects.create(
        application=application,
        user=actor,
        full_name=actor.full_name,
        email=actor.email,
        institution=application.institution,
        role=ProjectRole.APPLICANT,
    )
    audit_record(actor=actor, action="applications.application.created", obj=application)
    return application


def _resolve_references(application: Application, data: dict[str, Any]) -> None:
    from tilgang.institutions.models import FundedProject, Institution

    if "institution_id" in data:
        value = data["institution_id"]
        institution = Institution.objects.filter(pk=value).first() if value else None
        if value and institution is None:
            raise ApplicationError(_("Unknown institution."))
        application.institution = institution
    if "supervisor_email" in data:
        email = (data["supervisor_email"] or "").strip().lower()
        application.supervisor = User.objects.filter(email=email).first() if email else None
        if email and application.supervisor is None:
            raise ApplicationError(
                _("No user has the e-mail address %(email)s. Ask your supervisor to get an account first.")
                % {"email": email}
            )
    if "funded_project_id" in data:
        value = data["funded_project_id"]
        project = FundedProject.objects.filter(pk=value).first() if value else None
        if value and project is None:
            raise ApplicationError(_("Unknown funded project."))
        application.funded_project = project
    if "reuse_of_case_number" in data:
        number = (data["reuse_of_case_number"] or "").strip()
        application.reuse_of = application_by_case_number(number) if number else None
        if number and application.reuse_of is None:
            raise ApplicationError(_("There is no case %(number)s.") % {"number": number})
        if application.reuse_of is not None and application.reuse_of.pk == application.pk:
            raise ApplicationError(_("An application cannot reuse its own dataset."))


def application_by_case_number(number: str) -> Application | None:
    try:
        year_text, sequence_text = number.split("/")
        year, sequence = int(year_text), int(sequence_text)
    except ValueError:
        return None
    return Application.objects.filter(case_year__in=[2000 + year, year], case_sequence=sequence).first()


@transaction.atomic
def application_update(*, actor: User, application: Application, data: dict[str, Any]) -> Application:
    """Change the content of a draft (or of an application returned for completion)."""
    application = _locked(application)
    _check(actor, application, Command.UPDATE)
    unknown = set(data) - set(CONTENT_FIELDS) - set(REFERENCE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    for name in CONTENT_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(application, name, value)
    _resolve_references(application, data)
    if not application.title:
        raise ApplicationError(_("Give the project a title."))
    try:
        application.clean_fields(exclude=["applicant", "state", "legal_reviewer", "case_officer"])
    except ValidationError as error:
        messages = [
            f"{getattr(Application._meta.get_field(name), 'verbose_name', name)}: {' '.join(errs)}"
            for name, errs in error.message_dict.items()
        ]
        raise ApplicationError(" ".join(messages)) from error
    problems = date_problems(application)
    if problems:
        raise ApplicationError(" ".join(problem.message for problem in problems))
    application.updated_at = timezone.now()
    application.save()
    audit_record(
        actor=actor,
        action="applications.application.updated",
        obj=application,
        payload={"fields": sorted(data)},
    )
    return application


def _member_guard(actor: User, application: Application) -> None:
    roles = case_roles(user=actor, application=application)
    if CaseRole.APPLICANT not in roles:
        raise ApplicationError(_("Only the applicant can change the list of project members."))


@transaction.atomic
def member_add(
    *,
    actor: User,
    application: Application,
    full_name: str,
    email: str,
    role: str,
    institution=None,
    change_request: ChangeRequest | None = None,
) -> ProjectMember:
    application = _locked(application)
    if change_request is None:
        _check(actor, application, Command.UPDATE)
    _member_guard(actor, application)
    email, full_name = (email or "").strip().lower(), (full_name or "").strip()
    if not email or "@" not in email or not full_name:
        raise ApplicationError(_("Give the member's full name and e-mail address."))
    if role not in (ProjectRole.PROJECT_MEMBER, ProjectRole.SIGNATORY):
        raise ApplicationError(_("A member is a project member or the signatory."))
    if application.members.filter(email=email, role=role, removed_at__isnull=True).exists():
        raise ApplicationError(_("%(email)s is already on the project in that role.") % {"email": email})
    user = User.objects.filter(email=email).first()
    if user is not None and user.is_staff_member:
        raise ApplicationError(_("Staff of the service cannot be members of a project."))
    member = ProjectMember.objects.create(
        application=application,
        user=user,
        full_name=full_name[:200],
        email=email,
        role=role,
        institution=institution or (user.institution if user else None) or application.institution,
        change_request=change_request,
    )
    audit_record(actor=actor, action="applications.member.added", obj=member, payload={"role": role})
    if user is None:
        # A person without an account is invited; the membership is joined to the account by e-mail.
        from tilgang.accounts.services import AccountError, invitation_create

        try:
            invitation_create(
                invited_by=actor,
                email=email,
                full_name=full_name,
                language=actor.language,
                institution=member.institution,
            )
        except AccountError as error:
            raise ApplicationError(str(error)) from error
    else:
        _notify(user, "application_member_added", application, member=member)
    return member


@transaction.atomic
def member_remove(*, actor: User, application: Application, member_id: int) -> None:
    application = _locked(application)
    _check(actor, application, Command.UPDATE)
    _member_guard(actor, application)
    member = application.members.filter(pk=member_id, removed_at__isnull=True).first()
    if member is None:
        raise ApplicationError(_("That member is not on the project."))
    if member.role == ProjectRole.APPLICANT:
        raise ApplicationError(_("The applicant cannot be removed."))
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    audit_record(actor=actor, action="applications.member.removed", obj=member)


# --- variables -------------------------------------------------------------------------------------


def _variables_by_name(names: list[str]):
    from tilgang.catalog.models import Variable

    found = {v.name: v for v in Variable.objects.filter(name__in=names).select_related("register")}
    unknown = [name for name in names if name not in found or found[name].withdrawn_at is not None]
    if unknown:
        raise ApplicationError(
            _("Unknown variables: %(names)s. Check the names in the catalog.") % {"names": ", ".join(unknown)}
        )
    return found


@transaction.atomic
def variables_set(
    *,
    actor: User,
    application: Application,
    names: list[str],
    years: dict[str, list[int]] | None = None,
    justifications: dict[str, str] | None = None,
    source: str = SelectionSource.CATALOG,
    script: str = "",
    file_name: str = "",
) -> list[SelectedVariable]:
    """Replace the selection; justifications already given are kept unless new ones are passed."""
    application = _locked(application)
    _check(actor, application, Command.UPDATE)
    names = list(dict.fromkeys(name.strip().upper() for name in names if name.strip()))
    found = _variables_by_name(names)
    years, justifications = years or {}, justifications or {}
    for name, wanted in years.items():
        available = set(found[name].year_list()) if name in found else set()
        missing = sorted(set(wanted) - available)
        if missing:
            raise ApplicationError(
                _("%(name)s has no data for %(years)s.")
                % {"name": name, "years": ", ".join(map(str, missing))}
            )
    kept = {s.variable.name: s.justification for s in application.variables.select_related("variable")}
    application.variables.all().delete()
    chosen = [
        SelectedVariable.objects.create(
            application=application,
            variable=found[name],
            years=sorted(set(years.get(name, []))),
            justification=(justifications[name] if name in justifications else kept.get(name, "")).strip(),
        )
        for name in names
    ]
    application.selection_source, application.selection_script = source, script
    application.selection_file_name = file_name[:255]
    application.updated_at = timezone.now()
    application.save(
        update_fields=["selection_source", "selection_script", "selection_file_name", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="applications.variables.set",
        obj=application,
        payload={"count": len(chosen), "source": source},
    )
    return chosen


def _selection_names(selection: Any) -> tuple[list[str], dict[str, list[int]]]:
    """Names and years from the catalog's Selection: years as given, else the years of the measurement
    dates and event periods of a script."""
    names: list[str] = []
    years: dict[str, list[int]] = {}
    for item in selection.variables:
        name = str(item.name).upper()
        names.append(name)
        wanted = {int(year) for year in item.years}
        wanted |= {int(day[:4]) for day in item.dates}
        for start, end in item.periods:
            wanted |= set(range(int(start[:4]), int(end[:4]) + 1))
        if wanted:
            years[name] = sorted(wanted)
    return names, years


def selection_import(
    *, actor: User, application: Application, file_name: str = "", content: bytes = b"", script: str = ""
) -> list[SelectedVariable]:
    """The selection from an uploaded ticked variable list or a microdata.no script (the catalog reads them)."""
    from tilgang.catalog.selection import SelectionError, selection_from_script, selection_from_upload

    try:
        if script:
            selection = selection_from_script(text=script)
            source = SelectionSource.SCRIPT
        else:
            selection = selection_from_upload(filename=file_name, content=content)
            source = SelectionSource.UPLOAD
    except SelectionError as error:
        raise ApplicationError(" ".join(str(error).splitlines())) from error
    names, years = _selection_names(selection)
    if not names:
        raise ApplicationError(_("The file or script names no variables."))
    return variables_set(
        actor=actor, application=application, names=names, years=years, source=source,
        script=script, file_name=file_name,
    )  # fmt: skip


@transaction.atomic
def variable_justify(*, actor: User, application: Application, name: str, justification: str) -> None:
    application = _locked(application)
    _check(actor, application, Command.UPDATE)
    selected = application.variables.filter(variable__name=name).first()
    if selected is None:
        raise ApplicationError(_("%(name)s is not in the selection.") % {"name": name})
    selected.justification = justification.strip()
    selected.save(update_fields=["justification"])
    audit_record(
        actor=actor, action="applications.variables.justified", obj=application, payload={"variable": name}
    )


# --- attachments -----------------------------------------------------------------------------------


def _virus_scan(data: bytes) -> str:
    """The virus-scan hook: ``APPLICATIONS_VIRUS_SCANNER`` names a callable ``(bytes) -> bool`` (True: clean)."""
    path = getattr(settings, "APPLICATIONS_VIRUS_SCANNER", "")
    if not path:
        return ScanStatus.NOT_SCANNED
    from django.utils.module_loading import import_string

    scanner: Callable[[bytes], bool] = import_string(path)
    if not scanner(data):
        raise ApplicationError(_("The file was refused by the virus scanner."))
    return ScanStatus.CLEAN


@transaction.atomic
def attachment_add(*, actor: User, application: Application, kind: str, file: Any, name: str) -> Attachment:
    """``file``: any readable, seekable binary file (an upload, a BytesIO)."""
    from tilgang.institutions.uploads import UploadError, validate_document

    application = _locked(application)
    if kind == AttachmentKind.DECLARATION:
        _check(actor, application, Command.SIGN_DECLARATION)
    else:
        _check(actor, application, Command.UPDATE)
    if kind not in AttachmentKind.values:
        raise ApplicationError(_("Unknown kind of attachment."))
    try:
        checked = validate_document(file, name)
    except UploadError as error:
        raise ApplicationError(" ".join(error.messages)) from error
    file.seek(0)
    data = file.read()
    scan = _virus_scan(data)
    member = application.members.filter(user=actor, removed_at__isnull=True).first()
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        scan_status=scan,
        member=member if kind == AttachmentKind.DECLARATION else None,
        uploaded_by=actor,
    )
    attachment.file.save(f"{checked.sha256[:16]}.{checked.kind}", ContentFile(data), save=False)
    attachment.save()
    audit_record(actor=actor, action="applications.attachment.added", obj=attachment, payload={"kind": kind})
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, application: Application, attachment_id: int) -> None:
    application = _locked(application)
    _check(actor, application, Command.UPDATE)
    attachment = application.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise ApplicationError(_("That attachment is not on this application."))
    audit_record(actor=actor, action="applications.attachment.removed", obj=attachment)
    attachment.file.delete(save=False)
    attachment.delete()


# --- the lifecycle ---------------------------------------------------------------------------------


def _text(data: dict, key: str, message: str) -> str:
    value = str(data.get(key) or "").strip()
    if not value:
        raise ApplicationError(message)
    return value


def _date(data: dict, key: str, message: str) -> date:
    value = data.get(key)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ApplicationError(message) from error


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.max.time().replace(microsecond=0)))


def _decision_make(application: Application, actor: User | None, kind: str, **fields: Any) -> Decision:
    from tilgang.applications.letters import decision_pdf

    language = application.applicant.language
    decision = Decision.objects.create(
        application=application, kind=kind, language=language, decided_by=actor, **fields
    )
    pdf = decision_pdf(decision)
    decision.letter.save(f"vedtak-{application.pk}-{decision.pk}.pdf", ContentFile(pdf), save=True)
    application.decided_at = decision.decided_at
    audit_record(actor=actor, action="applications.decision.made", obj=decision, payload={"kind": kind})
    _journal_case(
        application, actor=actor, doc_type="U",
        title=_("Decision on access to microdata") if kind == DecisionKind.ACCESS
        else _("Decision refusing access to microdata"),
        party=application.institution.name if application.institution else "", file=decision.letter,
    )  # fmt: skip
    _notify(application.applicant, "application_decision", application, decision=decision)
    return decision


def _next_case_number(application: Application) -> None:
    """One series of case numbers for the whole office: the public journal's, when it is there."""
    if application.case_sequence is not None:
        return
    try:
        from tilgang.inquiries.services import journal_case_number_new, parse_case_number
    except ImportError:
        year = timezone.localdate().year
        counter, _created = CaseCounter.objects.select_for_update().get_or_create(year=year)
        counter.value += 1
        counter.save(update_fields=["value"])
        application.case_year, application.case_sequence = year, counter.value
        return
    year, sequence, _document = parse_case_number(journal_case_number_new())
    application.case_year, application.case_sequence = year, sequence


def _refuse_if_findings(application: Application) -> None:
    findings = blocking(precheck(application))
    if findings:
        raise ApplicationError(
            _("The application cannot be sent while the pre-check finds problems: %(problems)s")
            % {"problems": " ".join(f.message for f in findings)}
        )


def _run(application: Application, actor: User | None, command: str, data: dict[str, Any]) -> dict[str, Any]:
    """The command's own checks and effects; returns IDs for the audit payload."""
    now = timezone.now()
    payload: dict[str, Any] = {}
    if command in (Command.SUBMIT, Command.RESUBMIT):
        _refuse_if_findings(application)
        first = application.case_sequence is None
        _next_case_number(application)
        application.submitted_at = now
        _journal_case(
            application, actor=actor, doc_type="I",
            title=_("Application for microdata") if first else _("Completed application for microdata"),
            party=application.institution.name if application.institution else "",
        )  # fmt: skip
        _notify(application.applicant, "application_submitted", application)
    elif command == Command.TAKE_LEGAL_REVIEW:
        application.legal_reviewer = actor
    elif command == Command.RETURN_FOR_COMPLETION:
        body = _text(data, "message", _("Say what the applicant must complete."))
        message = Message.objects.create(
            application=application,
            author=actor,
            from_staff=True,
            kind=MessageKind.COMPLETION_REQUEST,
            body=body,
        )
        payload["message"] = message.pk
        # The request itself is in the e-mail, so the applicant can start without signing in first.
        _notify(application.applicant, "application_completion_request", application, message=message)
    elif command == Command.PASS_LEGAL_REVIEW:
        note = str(data.get("note") or "").strip()
        if note:
            payload["note"] = InternalNote.objects.create(application=application, author=actor, body=note).pk
    elif command in (Command.ASSIGN, Command.REASSIGN):
        officer_id = data.get("case_officer_id") or data.get("case_officer")
        officer_id = getattr(officer_id, "pk", officer_id)
        officer = User.objects.filter(pk=officer_id, is_active=True).first() if officer_id else None
        if officer is None or not officer.has_role(Role.CASE_OFFICER):
            raise ApplicationError(_("Choose a case officer."))
        if command == Command.REASSIGN and officer.pk == application.case_officer_id:
            raise ApplicationError(_("The case is already with %(name)s.") % {"name": officer.full_name})
        application.case_officer = officer
        payload["case_officer"] = officer.pk
        _notify(officer, "application_assigned", application)
    elif command == Command.REFUSE:
        reasons = _text(data, "reasons", _("Give the reasons for the refusal."))
        decision = _decision_make(application, actor, DecisionKind.REFUSAL, reasons=reasons)
        application.appeal_due_at = decision.decided_at + timedelta(weeks=APPEAL_WEEKS)
        payload["decision"] = decision.pk
    elif command == Command.GRANT_ACCESS:
        deadline = _date(data, "deletion_deadline", _("Give the deletion deadline as a date."))
        end = application.retention_until if application.retention_beyond else application.period_end
        if deadline <= timezone.localdate():
            raise ApplicationError(_("The deletion deadline must be in the future."))
        if end and deadline < end:
            raise ApplicationError(
                _("The deletion deadline %(deadline)s is before the project ends (%(end)s).")
                % {"deadline": deadline.isoformat(), "end": end.isoformat()}
            )
        codes = data.get("standard_conditions") or list(StandardCondition.values)
        unknown = set(codes) - set(StandardCondition.values)
        if unknown:
            raise ApplicationError(_("Unknown condition: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
        decision = _decision_make(
            application, actor, DecisionKind.ACCESS,
            standard_conditions=[c for c in StandardCondition.values if c in codes],
            specific_conditions=str(data.get("specific_conditions") or "").strip(),
            reasons=str(data.get("reasons") or "").strip(),
            deletion_deadline=deadline,
        )  # fmt: skip
        application.deletion_due_at = _end_of_day(deadline)
        payload["decision"] = decision.pk
    elif command == Command.SIGN_AGREEMENT:
        # DOMAIN R-CASE-4: every project member has signed the non-disclosure declaration.
        unsigned = application.members.filter(removed_at__isnull=True, declaration_signed_at__isnull=True)
        if unsigned.exists():
            raise ApplicationError(
                _("Every project member must sign the non-disclosure declaration first. Missing: %(names)s.")
                % {"names": ", ".join(m.full_name for m in unsigned)}
            )
    elif (
        command == Command.MARK_DELETION_DUE
        and actor is not None
        and application.deletion_due_at
        and application.deletion_due_at > now + DELETION_NOTICE
    ):
        # The case officer ends the project early: the researcher gets the usual notice to delete, not the
        # decided far-off date. (The project-end sweep keeps the decided deadline.)
        payload["deletion_due_at_was"] = application.deletion_due_at.isoformat()
        application.deletion_due_at = now + DELETION_NOTICE
    elif command == Command.DELIVER:
        application.delivered_at = now
        application.receipt_due_at = now + timedelta(days=DOWNLOAD_DAYS)
        # DOMAIN R-CASE-6: the right to complain expires six months after delivery.
        application.complaint_due_at = add_months(now, COMPLAINT_MONTHS)
    elif command == Command.COMPLAIN:
        # DOMAIN R-CASE-6
        if application.complaint_due_at is None or now > application.complaint_due_at:
            raise ApplicationError(_("The right to complain about the delivery expired six months after it."))
        body = _text(data, "message", _("Describe what is wrong with the delivery."))
        message = Message.objects.create(
            application=application, author=actor, kind=MessageKind.COMPLAINT, body=body
        )
        payload["message"] = message.pk
        _notify(application.case_officer, "application_message", application, message=message)
    elif command == Command.REQUEST_CHANGE:
        payload["change"] = _change_request(application, actor, data).pk
    elif command == Command.AGREE_CHANGE:
        change = application.changes.filter(status=ChangeStatus.REQUESTED).first()
        assert change is not None
        change.status, change.decided_at = ChangeStatus.AGREED, now
        cost = data.get("handling_cost_nok")
        if cost not in (None, ""):
            change.handling_cost_nok = cost
        change.save()
        payload["change"] = change.pk
    elif command == Command.REFUSE_CHANGE:
        change = application.changes.filter(status=ChangeStatus.REQUESTED).first()
        assert change is not None
        change.status, change.decided_at = ChangeStatus.REFUSED, now
        change.reasons = _text(data, "reasons", _("Give the reasons for refusing the change."))
        change.save()
        change.new_members.update(removed_at=now)
        payload["change"] = change.pk
    elif command == Command.SIGN_CHANGE_AGREEMENT:
        change = application.changes.filter(status=ChangeStatus.AGREED).first()
        assert change is not None
        unsigned = change.new_members.filter(removed_at__isnull=True, declaration_signed_at__isnull=True)
        if unsigned.exists():  # DOMAIN R-CASE-4, R-CASE-7
            raise ApplicationError(
                _(
                    "Every new project member must sign the non-disclosure declaration first. Missing: %(names)s."
                )
                % {"names": ", ".join(m.full_name for m in unsigned)}
            )
        if change.new_period_end and application.period_end:
            shift = change.new_period_end - application.period_end
            application.period_end = change.new_period_end
            if application.deletion_due_at:
                application.deletion_due_at += shift
                application.deletion_reminded_at = application.deletion_last_reminder_at = None
        change.status = ChangeStatus.SIGNED
        change.save()
        payload["change"] = change.pk
    elif command == Command.CONFIRM_DELETION:
        # DOMAIN R-CASE-8
        if not data.get("confirm"):
            raise ApplicationError(_("Confirm that the data, all copies and printouts are deleted."))
        application.deletion_confirmed_at = now
        _journal_case(
            application,
            actor=actor,
            doc_type="I",
            title=_("Confirmation of deletion"),
            party=application.institution.name if application.institution else "",
        )
        _notify(application.case_officer, "application_deletion_confirmed", application)
    elif command == Command.APPEAL:
        # DOMAIN R-CASE-2
        if application.appeal_due_at and now > application.appeal_due_at:
            raise ApplicationError(
                _(
                    "The appeal deadline of three weeks has passed. Write to the case officer if there are special "
                    "reasons to consider a late appeal."
                )
            )
        grounds = _text(data, "grounds", _("Say why the decision should be changed."))
        refusal = application.decisions.filter(kind=DecisionKind.REFUSAL).first()
        assert refusal is not None
        lodged = Appeal.objects.create(
            application=application, decision=refusal, grounds=grounds, lodged_by=actor
        )
        payload["appeal"] = lodged.pk
        _journal_case(
            application,
            actor=actor,
            doc_type="I",
            title=_("Appeal against refusal of access"),
            party=application.institution.name if application.institution else "",
        )
    elif command in (Command.UPHOLD, Command.REVERSE):
        appeal = application.appeals.filter(outcome="").first()
        assert appeal is not None
        appeal.outcome = AppealOutcome.UPHELD if command == Command.UPHOLD else AppealOutcome.REVERSED
        appeal.outcome_reasons = _text(data, "reasons", _("Give the reasons of the appeal decision."))
        appeal.outcome_at = now
        appeal.save()
        payload["appeal"] = appeal.pk
        _notify(application.applicant, "application_appeal_outcome", application, appeal=appeal)
    elif command == Command.MESSAGE:
        body = _text(data, "message", _("Write a message."))
        staff = actor is not None and actor.is_staff_member
        message = Message.objects.create(application=application, author=actor, from_staff=staff, body=body)
        payload["message"] = message.pk
        recipient = (
            application.applicant if staff else (application.case_officer or application.legal_reviewer)
        )
        _notify(recipient, "application_message", application, message=message)
    elif command == Command.ADD_NOTE:
        body = _text(data, "note", _("Write the note."))
        written = InternalNote.objects.create(application=application, author=actor, body=body)
        payload["note"] = written.pk
        _journal_case(application, actor=actor, doc_type="X", title=_("Internal note"), party="")
    elif command == Command.SIGN_DECLARATION:
        assert actor is not None
        mine = application.members.filter(removed_at__isnull=True, declaration_signed_at__isnull=True).filter(
            Q(user=actor) | Q(user__isnull=True, email=actor.email)
        )
        if not mine.exists():
            raise ApplicationError(_("You have already signed the declaration for this project."))
        if not data.get("confirm"):
            raise ApplicationError(
                _("Confirm that you know the duty of confidentiality and the conditions of the decision.")
            )
        payload["members"] = list(mine.values_list("pk", flat=True))
        mine.update(declaration_signed_at=now, user=actor)
    elif command == Command.RECORD_BREACH:
        payload["breach"] = _breach(application, actor, data).pk
    return payload


def _change_request(application: Application, actor: User | None, data: dict[str, Any]) -> ChangeRequest:
    kinds = [str(kind) for kind in data.get("kinds") or []]
    if not kinds or set(kinds) - set(ChangeKind.values):
        raise ApplicationError(_("Choose what changes: new members, updated figures or an extended period."))
    description = _text(data, "description", _("Describe the change."))
    new_end = None
    if ChangeKind.EXTENDED_PERIOD in kinds:
        new_end = _date(data, "new_period_end", _("Give the new project end as a date."))
        if application.period_end and new_end <= application.period_end:
            raise ApplicationError(_("The new project end must be after the current one."))
    new_members = data.get("new_members") or []
    if ChangeKind.NEW_MEMBERS in kinds and not new_members:
        raise ApplicationError(_("Name the new project members."))
    change = ChangeRequest.objects.create(
        application=application,
        kinds=kinds,
        description=description,
        new_period_end=new_end,
        requested_by=actor,
    )
    assert actor is not None
    for person in new_members:
        member_add(
            actor=actor, application=application, full_name=person.get("full_name", ""),
            email=person.get("email", ""), role=ProjectRole.PROJECT_MEMBER, change_request=change,
        )  # fmt: skip
    return change


def _breach(application: Application, actor: User | None, data: dict[str, Any]) -> Breach:
    consequence = str(data.get("consequence") or "")
    if consequence not in BreachConsequence.values:
        raise ApplicationError(_("Choose the consequence of the breach."))
    breach = Breach.objects.create(
        application=application,
        description=_text(data, "description", _("Describe the breach.")),
        occurred_on=_date(data, "occurred_on", _("Give the date of the breach.")),
        consequence=consequence,
        new_conditions=str(data.get("new_conditions") or "").strip(),
        institution=application.institution,
        recorded_by=actor,
    )
    if consequence == BreachConsequence.NEW_CONDITIONS and not breach.new_conditions:
        raise ApplicationError(_("Write the new conditions."))
    if consequence == BreachConsequence.DELETION_DEMANDED:
        # DOMAIN R-CASE-10: deletion can be demanded; the deadline moves forward.
        by = _date(data, "delete_by", _("Give the date by which the data must be deleted."))
        application.deletion_due_at = _end_of_day(by)
        application.deletion_reminded_at = application.deletion_last_reminder_at = None
    breach.people.set(
        application.members.filter(removed_at__isnull=True, user__isnull=False).values_list("user", flat=True)
    )
    return breach


# Steps the applicant hears about by e-mail beyond the ones with their own message (003: "you will be told
# when the case is approved, and the case officer will contact you").
STATUS_NOTICES = {Command.PASS_LEGAL_REVIEW, Command.ASSIGN, Command.AGREE_CHANGE, Command.REFUSE_CHANGE}


def resubmit_target(application: Application) -> str | None:
    """DOMAIN R-CASE-1: the state a completed application goes back to, the one it was returned from."""
    returned = application.events.filter(command=Command.RETURN_FOR_COMPLETION).order_by("-created_at", "-pk")
    state = returned.values_list("from_state", flat=True).first()
    return state if state in RETURN_TO_SENDER else None


def _resubmitted_notice(application: Application) -> None:
    """The staff member who returned the case hears that it is back with them, in a text for staff."""
    holder = (
        application.legal_reviewer if application.state == State.LEGAL_REVIEW else application.case_officer
    )
    _notify(holder, "application_resubmitted", application)


def _status_notice(application: Application) -> None:
    with translation.override(application.applicant.language):
        state, next_step = (
            str(State(application.state).label),
            str(NEXT_STEP.get(State(application.state), "")),
        )
    _notify(application.applicant, "application_status", application, state=state, next_step=next_step)


@transaction.atomic
def case_transition(
    *, actor: User | None, application: Application, command: str, **data: Any
) -> Application:
    """Run ``command`` on the case as ``actor`` (None: the system). Refuses with ``Refusal`` and changes
    nothing when the table does not allow it or the command's own checks fail."""
    application = _locked(application)
    rule = _check(actor, application, str(command))
    from_state = application.state
    payload = _run(application, actor, str(command), data)
    to_state = rule.to_state
    if command == Command.RESUBMIT:
        to_state = resubmit_target(application) or to_state
    application.state = to_state
    application.updated_at = timezone.now()
    application.save()
    if command in STATUS_NOTICES:
        _status_notice(application)
    if command == Command.RESUBMIT and to_state != rule.to_state:
        _resubmitted_notice(application)
    CaseEvent.objects.create(
        application=application,
        actor=actor,
        command=str(command),
        from_state=from_state,
        to_state=to_state,
    )
    audit_record(
        actor=actor,
        action=f"applications.application.{command}",
        obj=application,
        payload={"from": from_state, "to": to_state, **payload},
    )
    return application


def allowed_commands(*, user: User, application: Application) -> list[str]:
    return lifecycle.commands_for(application.state, case_roles(user=user, application=application))


__all__ = [
    "ApplicationError",
    "Refusal",
    "State",
    "application_create",
    "application_update",
    "attachment_add",
    "case_transition",
]
