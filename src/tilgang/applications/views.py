"""The applicant's and the staff's pages of a case. Thin: every write is a service call."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tilgang.applications import forms as f
from tilgang.applications import selectors, services
from tilgang.applications.lifecycle import (
    DELIVERY_COMMANDS,
    NEXT_STEP,
    OFFER_COMMANDS,
    CaseRole,
    Command,
    Refusal,
    State,
)
from tilgang.applications.models import Application, AttachmentKind, DecisionKind
from tilgang.applications.rules import precheck
from tilgang.core.http import AuthedRequest

COMMAND_FORMS: dict[str, type[forms.Form]] = {
    Command.MESSAGE: f.MessageForm,
    Command.RETURN_FOR_COMPLETION: f.MessageForm,
    Command.COMPLAIN: f.MessageForm,
    Command.ADD_NOTE: f.NoteForm,
    Command.REFUSE: f.ReasonsForm,
    Command.REFUSE_CHANGE: f.ReasonsForm,
    Command.UPHOLD: f.ReasonsForm,
    Command.REVERSE: f.ReasonsForm,
    Command.ASSIGN: f.AssignForm,
    Command.REASSIGN: f.AssignForm,
    Command.GRANT_ACCESS: f.GrantForm,
    Command.APPEAL: f.AppealForm,
    Command.REQUEST_CHANGE: f.ChangeForm,
    Command.CONFIRM_DELETION: f.ConfirmForm,
    Command.SIGN_DECLARATION: f.ConfirmForm,
    Command.RECORD_BREACH: f.BreachForm,
}
# Commands run elsewhere (the step pages, or later apps) and not as buttons on the case page.
# Delivery happens on the preparation page, where the package is made and sent; never as a bare state change.
NOT_ON_CASE_PAGE = {
    Command.UPDATE, Command.EXPIRE_OFFER, Command.MESSAGE, Command.ADD_NOTE, *DELIVERY_COMMANDS, *OFFER_COMMANDS,
}  # fmt: skip
# From the signed agreement on, the case has a page for its data orders, third-party data and deliveries.
WITH_PREPARATION_PAGE = {
    State.AGREEMENT_SIGNED, State.IN_PREPARATION, State.DELIVERED, State.ACTIVE, State.CHANGE_REQUESTED,
    State.CHANGE_AGREED, State.DELETION_DUE, State.DELETION_CONFIRMED, State.CLOSED,
}  # fmt: skip
DANGER = {Command.REFUSE, Command.WITHDRAW, Command.REFUSE_CHANGE, Command.UPHOLD}


def _get(request: AuthedRequest, pk: int) -> Application:
    application = selectors.application_for(request.user, pk)
    if application is None:
        raise Http404
    return application


def index(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "applications/index.html",
        {
            "applications": selectors.my_applications(request.user),
            "form": f.CreateForm(),
            "case_staff": selectors.is_case_staff(request.user),
        },
    )


@require_POST
def create(request: AuthedRequest) -> HttpResponse:
    form = f.CreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the project a title."))
        return redirect("applications:index")
    try:
        application = services.application_create(actor=request.user, title=form.cleaned_data["title"])
    except Refusal as error:
        messages.error(request, str(error))
        return redirect("applications:index")
    return redirect("applications:step", pk=application.pk, step="project")


def _step_context(request: AuthedRequest, application: Application, step: str) -> dict:
    index_ = f.STEP_SLUGS.index(step)
    return {
        "application": application,
        "steps": [{"slug": slug, "label": label, "current": slug == step} for slug, label, _x in f.STEPS],
        "step": step,
        "step_label": f.STEPS[index_][1],
        "previous": f.STEP_SLUGS[index_ - 1] if index_ > 0 else None,
        "next": f.STEP_SLUGS[index_ + 1] if index_ + 1 < len(f.STEPS) else None,
        "editable": application.state in (State.DRAFT, State.RETURNED_TO_APPLICANT)
        and application.applicant_id == request.user.pk,
    }


def _years_text(years: list[int]) -> str:
    """[2015, 2016, 2017, 2021] → "2015-2017, 2021", as the variable field reads it back."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def selection_text(application: Application) -> str:
    """The selection as the variable field shows it: one name a line, with its years when chosen."""
    return "\n".join(
        f"{s.variable.name}: {_years_text(s.years)}" if s.years else s.variable.name
        for s in application.variables.select_related("variable")
    )


class _FieldRefusal(Exception):
    """A refusal that belongs at one field of one of the step's forms."""

    def __init__(self, form: forms.Form, field: str | None, message: str):
        super().__init__(message)
        self.form, self.field = form, field


def _selection_save(request: AuthedRequest, application: Application, names_form, upload_form) -> None:
    """The variables part of the data step: an uploaded list or script, else the names as typed."""
    upload = upload_form.cleaned_data.get("file")
    script = upload_form.cleaned_data.get("script") or ""
    if upload or script:
        try:
            services.selection_import(
                actor=request.user, application=application, file_name=upload.name if upload else "",
                content=upload.read() if upload else b"", script=script,
            )  # fmt: skip
        except Refusal as error:
            raise _FieldRefusal(upload_form, "script" if script else "file", str(error)) from error
        return
    selected = {s.variable.name: s.justification for s in application.variables.select_related("variable")}
    justifications = {
        name: request.POST[f"justification_{name}"].strip()
        for name in selected
        if f"justification_{name}" in request.POST
    }
    changed_reasons = any(selected[name] != text for name, text in justifications.items())
    if not names_form.has_changed() and not changed_reasons:
        return
    try:
        names, years = parse_variable_lines(names_form.cleaned_data.get("names") or "")
        services.variables_set(
            actor=request.user,
            application=application,
            names=names,
            years=years,
            justifications=justifications,
        )
    except Refusal as error:
        raise _FieldRefusal(names_form, "names", str(error)) from error


def step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    application = _get(request, pk)
    if step not in f.STEP_SLUGS:
        raise Http404
    context = _step_context(request, application, step)
    if not context["editable"]:
        # Those who cannot change the application read it whole, on one page.
        return redirect("applications:summary", pk=pk)
    posted = request.method == "POST"
    # The data step posts its fields, the variables and an upload together (one form, nothing typed is
    # lost); a post of the variables alone (no ``step_fields``) leaves the other fields as they are.
    with_fields = posted and (step != "data" or "step_fields" in request.POST)
    form = f.step_form_class()(request.POST if with_fields else None, instance=application, step=step)
    names_form = upload_form = None
    if step == "data":
        names_form = f.VariablesForm(
            request.POST if posted else None, initial={"names": selection_text(application)}
        )
        upload_form = f.SelectionUploadForm(
            request.POST if posted else None, request.FILES if posted else None
        )
    forms_ok = (not with_fields or form.is_valid()) and all(
        extra.is_valid() for extra in (names_form, upload_form) if extra is not None
    )
    if posted and (form.fields or names_form is not None) and forms_ok:
        try:
            with transaction.atomic():
                if with_fields and form.fields:
                    services.application_update(
                        actor=request.user, application=application, data=form.data_for_service()
                    )
                if names_form is not None and upload_form is not None:
                    _selection_save(request, application, names_form, upload_form)
        except _FieldRefusal as error:
            error.form.add_error(error.field, str(error))
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            target = context["next"] if "save_next" in request.POST and context["next"] else step
            return redirect("applications:step", pk=pk, step=target)
    context["form"] = form
    if step == "data":
        context.update(
            variables=application.variables.select_related("variable__register", "variable__area"),
            variables_form=names_form,
            upload_form=upload_form,
            typed_reasons={k[len("justification_"):]: v for k, v in request.POST.items()
                           if k.startswith("justification_")},
        )  # fmt: skip
    if step == "members":
        context.update(
            members=selectors.members_seen_by(request.user, application, staff=False),
            member_form=f.MemberForm(),
        )
    if step == "attachments":
        context.update(attachments=_attachments(request, application), attachment_form=f.AttachmentForm())
    if step == "check":
        context.update(_summary_context(request, application))
        context["can_submit"] = any(
            c in services.allowed_commands(user=request.user, application=application)
            for c in (Command.SUBMIT, Command.RESUBMIT)
        )
    return render(request, "applications/step.html", context)


def _summary_context(request: AuthedRequest, application: Application) -> dict:
    """The whole application, read-only: every step's answers, the variables, people and attachments."""
    sections = []
    for slug, label, names in f.STEPS:
        rows = []
        for name in names:
            if name in ("supervisor_email", "reuse_of_case_number", "institution"):
                continue
            field = Application._meta.get_field(name)
            value = getattr(application, name)
            if isinstance(value, bool):
                shown = _("Yes") if value else _("No")
            elif value in (None, ""):
                shown = ""
            elif getattr(field, "choices", None):
                shown = str(getattr(application, f"get_{name}_display")())
            else:
                shown = value
            rows.append({"label": getattr(field, "verbose_name", name), "value": shown})
        if slug == "project":
            rows[1:1] = [{"label": _("Responsible institution"), "value": application.institution or ""}]
            if application.supervisor:
                rows.append(
                    {"label": _("Supervisor's e-mail address"), "value": application.supervisor.email}
                )
            if application.reuse_of:
                rows.append({"label": _("Reuse of an earlier project's dataset"),
                             "value": application.reuse_of.case_number})  # fmt: skip
        sections.append({"slug": slug, "label": label, "rows": rows})
    return {
        "sections": sections[:6],
        "variables": application.variables.select_related("variable__register", "variable__area"),
        "members": selectors.members_seen_by(
            request.user, application, staff=selectors.is_case_staff(request.user)
        ),
        "attachments": _attachments(request, application),
        "findings": precheck(application),
    }


def summary(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _get(request, pk)
    context = {"application": application, "state_label": State(application.state).label,
               **_summary_context(request, application)}  # fmt: skip
    context["editable"] = Command.UPDATE in services.allowed_commands(
        user=request.user, application=application
    )
    context["staff"] = selectors.is_case_staff(request.user)
    return render(request, "applications/summary.html", context)


def _attachments(request: AuthedRequest, application: Application):
    rows = application.attachments.select_related("member")
    if selectors.is_case_staff(request.user) or application.applicant_id == request.user.pk:
        return rows
    # Members do not see each other's signed declarations.
    return [a for a in rows if a.kind != AttachmentKind.DECLARATION or a.uploaded_by_id == request.user.pk]


def _back(pk: int, step: str) -> HttpResponse:
    return redirect("applications:step", pk=pk, step=step)


@require_POST
def member_add(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _get(request, pk)
    form = f.MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the member's full name, e-mail address and role."))
        return _back(pk, "members")
    try:
        services.member_add(actor=request.user, application=application, **form.cleaned_data)
    except Refusal as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The member is added."))
    return _back(pk, "members")


@require_POST
def member_remove(request: AuthedRequest, pk: int, member_id: int) -> HttpResponse:
    application = _get(request, pk)
    try:
        services.member_remove(actor=request.user, application=application, member_id=member_id)
    except Refusal as error:
        messages.error(request, str(error))
    return _back(pk, "members")


def parse_variable_lines(text: str) -> tuple[list[str], dict[str, list[int]]]:
    """``NAME`` or ``NAME: 2015-2019, 2021`` per line or comma-separated names."""
    names: list[str] = []
    years: dict[str, list[int]] = {}
    for line in text.splitlines():
        name, _sep, spec = line.partition(":")
        if not spec:
            names.extend(part.strip().upper() for part in name.split(",") if part.strip())
            continue
        name = name.strip().upper()
        names.append(name)
        chosen: list[int] = []
        for part in spec.replace(" ", "").split(","):
            if not part:
                continue
            first, _dash, last = part.partition("-")
            if not first.isdigit() or (last and not last.isdigit()):
                raise Refusal(_("“%(text)s” is not a year or a range of years.") % {"text": part})
            chosen.extend(range(int(first), int(last or first) + 1))
        years[name] = chosen
    return names, years


@require_POST
def variables(request: AuthedRequest, pk: int) -> HttpResponse:
    """The data step's form: its fields, the variables and an upload, saved together."""
    return step(request, pk, "data")


@require_POST
def attachment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _get(request, pk)
    form = f.AttachmentForm(request.POST, request.FILES)
    back = "attachments" if request.POST.get("back") != "case" else None
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        upload = form.cleaned_data["file"]
        try:
            services.attachment_add(
                actor=request.user, application=application, kind=form.cleaned_data["kind"], file=upload,
                name=upload.name,
            )  # fmt: skip
        except Refusal as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The attachment is uploaded."))
    return _back(pk, back) if back else redirect("applications:detail", pk=pk)


@require_POST
def attachment_remove(request: AuthedRequest, pk: int, attachment_id: int) -> HttpResponse:
    application = _get(request, pk)
    try:
        services.attachment_remove(actor=request.user, application=application, attachment_id=attachment_id)
    except Refusal as error:
        messages.error(request, str(error))
    return _back(pk, "attachments")


def attachment_download(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    application = _get(request, pk)
    attachment = next((a for a in _attachments(request, application) if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
        content_type=attachment.content_type,
    )  # fmt: skip


def decision_letter(request: AuthedRequest, pk: int, decision_id: int) -> FileResponse:
    application = _get(request, pk)
    decision = application.decisions.filter(pk=decision_id).first()
    if decision is None or not decision.letter:
        raise Http404
    return FileResponse(
        decision.letter.open("rb"), as_attachment=True, filename=f"vedtak-{decision.pk}.pdf",
        content_type="application/pdf",
    )  # fmt: skip


def _command_initial(application: Application, command: str) -> dict:
    if command == Command.GRANT_ACCESS:
        # The deletion deadline is at the earliest the project end (or the end of the agreed retention).
        end = application.retention_until if application.retention_beyond else application.period_end
        return {"deletion_deadline": end} if end else {}
    return {}


def detail(request: AuthedRequest, pk: int, failed: forms.Form | None = None) -> HttpResponse:
    """The case page. ``failed``: a command form that was refused, shown open with what was typed."""
    application = _get(request, pk)
    user = request.user
    roles = services.case_roles(user=user, application=application)
    staff = selectors.is_case_staff(user)
    allowed = services.allowed_commands(user=user, application=application)
    actions = []
    for command in allowed:
        if command in NOT_ON_CASE_PAGE:
            continue
        if command == Command.SIGN_DECLARATION and not selectors.declarations_pending(user, application):
            continue  # offered only to someone who has a declaration left to sign
        form_class = COMMAND_FORMS.get(command)
        form = None
        if failed is not None and failed.prefix == command:
            form = failed
        elif form_class:
            form = form_class(prefix=command, initial=_command_initial(application, command))
        actions.append(
            {
                "command": command,
                "label": Command(command).label,
                "form": form,
                "open": form is failed,
                "danger": command in DANGER,
            }
        )
    sees_messages = staff or CaseRole.APPLICANT in roles
    context = {
        "application": application,
        "roles": roles,
        "staff": staff,
        "state_label": State(application.state).label,
        "next_step": NEXT_STEP.get(State(application.state), ""),
        "holder": selectors.holder(application),
        "actions": actions,
        "members": selectors.members_seen_by(user, application, staff=staff),
        "attachments": _attachments(request, application),
        "variables": application.variables.select_related("variable"),
        "decisions": application.decisions.all(),
        "has_access_decision": application.decisions.filter(kind=DecisionKind.ACCESS).exists(),
        "has_preparation_page": application.state in WITH_PREPARATION_PAGE,
        "appeals": application.appeals.all(),
        "changes": application.changes.all(),
        "messages_": application.messages.select_related("author") if sees_messages else None,
        "message_form": f.MessageForm(prefix=Command.MESSAGE) if Command.MESSAGE in allowed else None,
        "note_form": f.NoteForm(prefix=Command.ADD_NOTE) if Command.ADD_NOTE in allowed else None,
        "can_edit": Command.UPDATE in allowed,
        "DecisionKind": DecisionKind,
    }
    if staff:
        context.update(
            notes=application.notes.select_related("author"),
            events=application.events.select_related("actor"),
            findings=precheck(application),
            breaches=application.breaches.all(),
            earlier_breaches=selectors.breaches_relevant_to(application),
        )
    return render(request, "applications/detail.html", context)


@require_POST
def command(request: AuthedRequest, pk: int, command: str) -> HttpResponse:
    application = _get(request, pk)
    if command not in Command.values or command in DELIVERY_COMMANDS or command in OFFER_COMMANDS:
        raise Http404
    form_class = COMMAND_FORMS.get(Command(command))
    data: dict = {}
    form = None
    if form_class is not None:
        form = form_class(request.POST, prefix=command)
        if not form.is_valid():
            # The form stays open with what was typed; its error summary (focused) lists each error once.
            messages.error(request, _not_done(command))
            return detail(request, pk, failed=form)
        data = dict(form.cleaned_data)
        if "case_officer" in data:
            data["case_officer_id"] = data.pop("case_officer").pk
    from_state = application.state
    try:
        application = services.case_transition(
            actor=request.user, application=application, command=command, **data
        )
    except Refusal as error:
        if form is not None:
            messages.error(request, _not_done(command))
            form.add_error(None, str(error))
            return detail(request, pk, failed=form)
        messages.error(request, str(error))
        if command in (Command.SUBMIT, Command.RESUBMIT):
            return _back(pk, "check")
    else:
        messages.success(request, _done_text(command, from_state, application))
    if selectors.application_for(request.user, pk) is None:
        return redirect("applications:index")
    return redirect("applications:detail", pk=pk)


def _not_done(command: str) -> str:
    return _("“%(action)s” was not done. Correct the form below.") % {
        "action": capfirst(str(Command(command).label))
    }


SAME_STATE_DONE = {
    Command.MESSAGE: gettext_lazy("The message is sent."),
    Command.ADD_NOTE: gettext_lazy("The note is saved."),
    Command.SIGN_DECLARATION: gettext_lazy("The declaration is signed."),
    Command.RECORD_BREACH: gettext_lazy("The breach is recorded."),
    Command.COMPLAIN: gettext_lazy("The complaint is sent to the case officer."),
}


def _done_text(command: str, from_state: str, application: Application) -> str:
    if application.state == from_state:
        return str(SAME_STATE_DONE.get(Command(command), _("Saved.")))
    return _("Done. The case is now “%(state)s”.") % {"state": State(application.state).label}


WORK_PAGE_SIZE = 25


def staff_queues(request: AuthedRequest) -> HttpResponse:
    """The staff work list: filter (view, status), search, sort and pages as GET parameters, no script."""
    wanted = selectors.WorkFilter.parse(request.GET)
    page = Paginator(selectors.work_list(request.user, wanted), WORK_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [
        {
            "case": case,
            "holder": selectors.holder(case),
            "age_days": (today - timezone.localdate(case.submitted_at)).days if case.submitted_at else None,
            "deadline_kind": selectors.DEADLINE_KINDS.get(case.state, ""),
            "resubmitted": getattr(case, "arrived_by", "") == Command.RESUBMIT,
        }
        for case in page.object_list
    ]
    counts = selectors.work_counts(request.user)
    keep = {
        key: value
        for key, value in (("status", wanted.status), ("q", wanted.q), ("sort", wanted.sort))
        if value
    }
    return render(
        request,
        "applications/queues.html",
        {
            "wanted": wanted,
            "page": page,
            "rows": rows,
            "views": [
                {
                    "key": key,
                    "label": label,
                    "count": counts[key],
                    "current": key == wanted.view,
                    "query": urlencode({**keep, "view": key}),
                }
                for key, label in selectors.WORK_VIEWS.items()
            ],  # fmt: skip
            "sorts": selectors.WORK_SORTS,
            "states": [(s.value, s.label) for s in State if s != State.DRAFT],
            "page_query": urlencode({**keep, "view": wanted.view}),
            "workload": selectors.officer_workload(),
        },
    )


def register_html(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/register.html", {"rows": selectors.register_rows()})


def register_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="aktive-prosjekter.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["case_number", "title", "institution", "project_leader", "period_start", "period_end", "data_areas"]
    )
    for row in selectors.register_rows():
        writer.writerow([*[row[key] for key in list(row)[:-1]], " ".join(row["data_areas"])])
    return response
