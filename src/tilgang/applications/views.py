"""The applicant's and the staff's pages of a case. Thin: every write is a service call."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tilgang.applications import forms as f
from tilgang.applications import selectors, services
from tilgang.applications.lifecycle import (
    FINAL_STATES,
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
NOT_ON_CASE_PAGE = {Command.UPDATE, Command.EXPIRE_OFFER, Command.MESSAGE, Command.ADD_NOTE, *OFFER_COMMANDS}
DANGER = {Command.REFUSE, Command.WITHDRAW, Command.REFUSE_CHANGE, Command.UPHOLD}


def _get(request: AuthedRequest, pk: int) -> Application:
    application = selectors.application_for(request.user, pk)
    if application is None:
        raise Http404
    return application


def _holder(application: Application) -> str:
    state = application.state
    if state in (State.DRAFT, State.RETURNED_TO_APPLICANT, State.OFFER_SENT, State.DELIVERED, State.DELETION_DUE,
                 State.REFUSED):  # fmt: skip
        return application.applicant.full_name
    if state in (State.SUBMITTED, State.LEGAL_REVIEW, State.APPEALED):
        return (
            application.legal_reviewer.full_name if application.legal_reviewer else _("the legal reviewers")
        )
    if state in (State.LEGAL_APPROVED, State.REVERSED):
        return _("the head of section")
    if state in (State.OFFER_ACCEPTED, State.CHANGE_AGREED):
        return _("the signatory")
    if state in FINAL_STATES:
        return "—"
    return application.case_officer.full_name if application.case_officer else _("the case officers")


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


def step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    application = _get(request, pk)
    if step not in f.STEP_SLUGS:
        raise Http404
    context = _step_context(request, application, step)
    form_class = f.step_form_class()
    form = form_class(request.POST or None, instance=application, step=step)
    if request.method == "POST" and context["editable"] and form.fields and form.is_valid():
        try:
            services.application_update(
                actor=request.user, application=application, data=form.data_for_service()
            )
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
            variables_form=f.VariablesForm(
                initial={
                    "names": "\n".join(
                        s.variable.name for s in application.variables.select_related("variable")
                    )
                }
            ),
            upload_form=f.SelectionUploadForm(),
        )
    if step == "members":
        context.update(
            members=selectors.members_seen_by(request.user, application, staff=False),
            member_form=f.MemberForm(),
        )
    if step == "attachments":
        context.update(attachments=_attachments(request, application), attachment_form=f.AttachmentForm())
    if step == "check":
        context["findings"] = precheck(application)
        context["can_submit"] = any(
            c in services.allowed_commands(user=request.user, application=application)
            for c in (Command.SUBMIT, Command.RESUBMIT)
        )
    return render(request, "applications/step.html", context)


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
    application = _get(request, pk)
    form = f.VariablesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name at least one variable."))
        return _back(pk, "data")
    try:
        names, years = parse_variable_lines(form.cleaned_data["names"])
        services.variables_set(actor=request.user, application=application, names=names, years=years)
    except Refusal as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The variables are saved."))
    return _back(pk, "data")


@require_POST
def selection_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _get(request, pk)
    form = f.SelectionUploadForm(request.POST, request.FILES)
    if not form.is_valid() or not (form.cleaned_data.get("file") or form.cleaned_data.get("script")):
        messages.error(request, _("Choose a variable list file or paste a microdata.no script."))
        return _back(pk, "data")
    upload = form.cleaned_data.get("file")
    try:
        services.selection_import(
            actor=request.user,
            application=application,
            file_name=upload.name if upload else "",
            content=upload.read() if upload else b"",
            script=form.cleaned_data.get("script") or "",
        )
    except Refusal as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The variables are saved."))
    return _back(pk, "data")


@require_POST
def justify(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _get(request, pk)
    form = f.JustificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why the project needs the variable."))
        return _back(pk, "data")
    try:
        services.variable_justify(actor=request.user, application=application, **form.cleaned_data)
    except Refusal as error:
        messages.error(request, str(error))
    return _back(pk, "data")


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


def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _get(request, pk)
    user = request.user
    roles = services.case_roles(user=user, application=application)
    staff = selectors.is_case_staff(user)
    allowed = services.allowed_commands(user=user, application=application)
    actions = []
    for command in allowed:
        if command in NOT_ON_CASE_PAGE:
            continue
        form_class = COMMAND_FORMS.get(command)
        actions.append(
            {
                "command": command,
                "label": Command(command).label,
                "form": form_class(prefix=command) if form_class else None,
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
        "holder": _holder(application),
        "actions": actions,
        "members": selectors.members_seen_by(user, application, staff=staff),
        "attachments": _attachments(request, application),
        "variables": application.variables.select_related("variable"),
        "decisions": application.decisions.all(),
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
    if command not in Command.values:
        raise Http404
    form_class = COMMAND_FORMS.get(Command(command))
    data: dict = {}
    if form_class is not None:
        form = form_class(request.POST, prefix=command)
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else str(error))
            return redirect("applications:detail", pk=pk)
        data = dict(form.cleaned_data)
        if "case_officer" in data:
            data["case_officer_id"] = data.pop("case_officer").pk
    try:
        services.case_transition(actor=request.user, application=application, command=command, **data)
    except Refusal as error:
        messages.error(request, str(error))
        if command in (Command.SUBMIT, Command.RESUBMIT):
            return _back(pk, "check")
    else:
        messages.success(request, _("Done: %(command)s.") % {"command": Command(command).label})
    if selectors.application_for(request.user, pk) is None:
        return redirect("applications:index")
    return redirect("applications:detail", pk=pk)


def staff_queues(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "applications/queues.html",
        {
            "legal_queue": selectors.legal_queue(),
            "assignment_queue": selectors.assignment_queue(),
            "workload": selectors.officer_workload(),
            "my_cases": selectors.officer_cases(request.user),
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
