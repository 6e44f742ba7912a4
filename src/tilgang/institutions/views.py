"""Portal pages for institutions. Thin: forms are parsed here, every change is a service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tilgang.core.http import AuthedRequest
from tilgang.core.roles import Role
from tilgang.institutions import selectors, services
from tilgang.institutions.eligibility import eligibility
from tilgang.institutions.forms import (
    ATTACHMENT_FIELDS,
    AffiliationForm,
    ApprovalRecordForm,
    ApprovalRequestForm,
    ApproveForm,
    AttachmentForm,
    ChecklistForm,
    CompleteRequestForm,
    FundedProjectForm,
    InstitutionForm,
    ListImportForm,
    MoreInfoForm,
    ProjectFormSet,
    RefuseForm,
    SearchForm,
)
from tilgang.institutions.lists import ListLayoutError
from tilgang.institutions.models import (
    AttachmentKind,
    Institution,
    InstitutionKind,
    ListImport,
    RequestAttachment,
    RequestStatus,
)

ERRORS = (services.InstitutionError, ValidationError)


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _is_assessor(user) -> bool:
    return user.has_role(Role.ADMINISTRATOR) or user.has_role(Role.LEGAL_REVIEWER)


# --- institutions --------------------------------------------------------------------------------


def institution_list(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    institutions = selectors.institutions_search(query)[:500]
    return render(request, "institutions/list.html", {"institutions": institutions, "q": query})


def institution_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution.objects.prefetch_related("approvals"), pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "institutions/detail.html",
        {
            "institution": institution,
            "approvals": institution.approvals.select_related("batch", "ended_by_batch", "request"),
            "warnings": selectors.approval_warnings(institution, today),
            "requests": institution.approval_requests.all(),
            "record_form": ApprovalRecordForm(initial={"valid_from": today}),
            "is_admin": request.user.has_role(Role.ADMINISTRATOR),
        },
    )


def institution_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=pk) if pk else None
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.institution_save(actor=request.user, institution=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("institutions:detail", saved.pk)
    return render(request, "institutions/edit.html", {"form": form, "institution": institution})


@require_POST
def approval_add(request: AuthedRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=pk)
    form = ApprovalRecordForm(request.POST)
    if form.is_valid():
        try:
            services.approval_record(actor=request.user, institution=institution, **form.cleaned_data)
        except ERRORS as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The approval is recorded."))
    else:
        messages.error(request, _("Give the source and a valid start date."))
    return redirect("institutions:detail", institution.pk)


# --- the official lists --------------------------------------------------------------------------


def list_import(request: AuthedRequest) -> HttpResponse:
    form = ListImportForm(
        request.POST or None, request.FILES or None, initial={"list_date": timezone.localdate()}
    )
    layout_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.list_import_preview(
                actor=request.user,
                source=form.cleaned_data["source"],
                file_name=upload.name,
                data=upload.read(),
                list_date=form.cleaned_data["list_date"],
            )
        except ListLayoutError as error:
            layout_error = error
            form.add_error("file", _error_text(error))
        except ValidationError as error:
            form.add_error("file", _error_text(error))
        else:
            return redirect("institutions:list_preview", batch.pk)
    return render(
        request,
        "institutions/list_import.html",
        {"form": form, "imports": ListImport.objects.all()[:30], "layout_error": layout_error},
    )


def list_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ListImport, pk=pk)
    diff = services.list_diff(batch) if batch.status == ListImport.Status.PREVIEW else None
    return render(request, "institutions/list_preview.html", {"batch": batch, "diff": diff})


@require_POST
def list_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ListImport, pk=pk)
    try:
        diff = services.list_import_apply(actor=request.user, batch=batch)
    except ERRORS as error:
        messages.error(request, _error_text(error))
        return redirect("institutions:list_preview", batch.pk)
    counts = diff.counts
    messages.success(
        request,
        _("The list is applied: %(add)d added, %(change)d changed, %(remove)d removed.") % counts,
    )
    return redirect("institutions:list_import")


@require_POST
def list_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ListImport, pk=pk)
    try:
        services.list_import_discard(actor=request.user, batch=batch)
    except ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        messages.info(request, _("The list was discarded; nothing was changed."))
    return redirect("institutions:list_import")


def public_bodies(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        report = services.public_bodies_sync(actor=request.user)
        messages.success(
            request,
            _(
                "Counties and municipalities are up to date: %(added)d added, %(renamed)d renamed, %(ceased)d ceased."
            )
            % {"added": len(report.added), "renamed": len(report.renamed), "ceased": len(report.ceased)},
        )
        return redirect("institutions:public_bodies")
    report = services.public_bodies_sync(actor=request.user, apply=False)
    return render(request, "institutions/public_bodies.html", {"report": report})


# --- may my institution apply? (public) ----------------------------------------------------------


def check(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = []
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        today = timezone.localdate()
        found = list(selectors.institutions_search(query)[:20])
        latest = selectors.latest_approval_requests(found)
        for institution in found:
            result = eligibility(institution=institution, on=today, purpose_statistical=True)
            last = latest.get(institution.pk)
            pending = last if last is not None and last.is_open else None
            refused = last if last is not None and last.status == RequestStatus.REFUSED else None
            results.append(
                {
                    "institution": institution,
                    "result": result,
                    "pending": pending,
                    "refused": refused if not result.may_apply else None,
                    # Only an organisation that is not approved, not a public body and has no request
                    # under way is offered the way to ask the office for approval.
                    "may_request": not result.may_apply
                    and pending is None
                    and institution.kind != InstitutionKind.PUBLIC_BODY
                    and not institution.ceased_on,
                }
            )
    return render(
        request,
        "institutions/check.html",
        {
            "form": form,
            "results": results,
            "q": query,
            "show_request_path": not results or any(item["may_request"] for item in results),
        },
    )


# --- approval by the office ----------------------------------------------------------------------


def request_list(request: AuthedRequest) -> HttpResponse:
    requests = selectors.approval_requests_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    return render(
        request,
        "institutions/request_list.html",
        {
            "requests": requests,
            "assessor": _is_assessor(request.user),
            "status": status,
            "statuses": RequestStatus.choices,
        },
    )


def _keep_uploads(request: AuthedRequest, form: ApprovalRequestForm) -> None:
    """Keep every checked file of a posted new-request form on the server (it replaces the file kept
    for its field before), so that a refused form never makes the user choose the files again."""
    for field in ATTACHMENT_FIELDS:
        upload = form.cleaned_data.get(field) if field not in form.errors else None
        if not upload:
            continue
        try:
            form.kept[field] = services.staged_attachment_store(
                actor=request.user,
                kind=ATTACHMENT_FIELDS[field],
                upload=upload,
                replaces=form.kept.get(field),
            )
        except ERRORS as error:
            form.add_error(field, _error_text(error))


def request_new(request: AuthedRequest) -> HttpResponse:
    draft = "draft" in request.POST
    kept = {}
    if request.method == "POST":
        kept = selectors.staged_attachments_kept(
            request.user, {field: request.POST.get(f"kept_{field}", "") for field in ATTACHMENT_FIELDS}
        )
    form = ApprovalRequestForm(request.POST or None, request.FILES or None, draft=draft, kept=kept)
    projects = ProjectFormSet(request.POST or None, prefix="projects")
    if request.method == "POST":
        valid = form.is_valid() & projects.is_valid()
        _keep_uploads(request, form)
        if valid and not form.errors:
            data = form.cleaned_data
            fields = {
                "name": data["name"],
                "orgnr": data.get("orgnr", ""),
                "country": data["country"],
                "foreign_id": data.get("foreign_id", ""),
                "research_statement": data["research_statement"],
                "rd_person_years": data["rd_person_years"],
                "staff_count": data["staff_count"],
                "projects": [row for row in projects.cleaned_data if row],
                "attachments": {kind: form.kept.get(field) for field, kind in ATTACHMENT_FIELDS.items()},
            }
            try:
                if draft:
                    approval_request = services.approval_request_start(actor=request.user, **fields)
                else:
                    approval_request = services.approval_request_send(actor=request.user, **fields)
            except ERRORS as error:
                form.add_error(None, _error_text(error))
            else:
                if draft:
                    messages.success(
                        request,
                        _("The request is saved as a draft. Add the missing attachments, then send it."),
                    )
                else:
                    messages.success(
                        request, _("The request is sent. You will get an e-mail when it has been assessed.")
                    )
                return redirect("institutions:request_detail", approval_request.pk)
    return render(request, "institutions/request_new.html", {"form": form, "projects": projects})


def _visible_request(request: AuthedRequest, pk: int):
    found = selectors.approval_requests_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _own_request(request: AuthedRequest, pk: int):
    approval_request = _visible_request(request, pk)
    if approval_request.applicant_id != request.user.pk:
        raise Http404
    return approval_request


def _editable_by(approval_request, user) -> bool:
    return approval_request.applicant_id == user.pk and approval_request.status in (
        RequestStatus.DRAFT,
        RequestStatus.MORE_INFO,
    )


def _upload_forms(approval_request, bound: AttachmentForm | None = None) -> list[AttachmentForm]:
    """One form for each required attachment still missing, then one for any other attachment;
    ``bound`` (a refused upload, with its errors) takes the place of its slot."""
    forms = [AttachmentForm(kind=kind) for kind in services.missing_attachments(approval_request)]
    forms.append(AttachmentForm())
    if bound is not None:
        forms = [bound if form.slot == bound.slot else form for form in forms]
    return forms


def _request_page(request: AuthedRequest, approval_request, *, bound: AttachmentForm | None = None):
    assessor = _is_assessor(request.user)
    editable = _editable_by(approval_request, request.user)
    items = services.checklist_items()
    return render(
        request,
        "institutions/request_detail.html",
        {
            "req": approval_request,
            "assessor": assessor,
            "editable": editable,
            "removable": editable and approval_request.status == RequestStatus.DRAFT,
            "attachments": approval_request.attachments.select_related("uploaded_by"),
            "upload_forms": _upload_forms(approval_request, bound) if editable else [],
            "checklist": [(code, text, approval_request.checklist.get(code, False)) for code, text in items],
            "checklist_form": ChecklistForm(items=items, ticked=approval_request.checklist),
            "more_form": MoreInfoForm(),
            "approve_form": ApproveForm(),
            "refuse_form": RefuseForm(),
            "missing": [
                AttachmentKind(kind).label for kind in services.missing_attachments(approval_request)
            ],
            "warnings": selectors.approval_warnings(approval_request.institution, timezone.localdate()),
        },
    )


def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _request_page(request, _visible_request(request, pk))


def _to_attachments(approval_request) -> HttpResponse:
    return redirect(reverse("institutions:request_detail", args=[approval_request.pk]) + "#attachments")


@require_POST
def request_attach(request: AuthedRequest, pk: int) -> HttpResponse:
    approval_request = _own_request(request, pk)
    slot = request.POST.get("slot", "")
    kind = slot if slot in services.missing_attachments(approval_request) else None
    form = AttachmentForm(request.POST, request.FILES, kind=kind)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.approval_request_attach(
                actor=request.user, request=approval_request, kind=form.cleaned_data["kind"], upload=upload
            )
        except ERRORS as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(
                request,
                _("%(name)s is uploaded as %(kind)s.")
                % {"name": upload.name, "kind": AttachmentKind(form.cleaned_data["kind"]).label},
            )
            return _to_attachments(approval_request)
    return _request_page(request, approval_request, bound=form)


@require_POST
def request_detach(request: AuthedRequest, pk: int, attachment_id: int) -> HttpResponse:
    approval_request = _own_request(request, pk)
    name = (
        approval_request.attachments.filter(pk=attachment_id).values_list("original_name", flat=True).first()
    )
    try:
        services.approval_request_detach(
            actor=request.user, request=approval_request, attachment_id=attachment_id
        )
    except ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(name)s is removed.") % {"name": name})
    return _to_attachments(approval_request)


@require_POST
def request_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    approval_request = _own_request(request, pk)
    again = approval_request.status == RequestStatus.MORE_INFO
    try:
        services.approval_request_submit(actor=request.user, request=approval_request)
    except ERRORS as error:
        messages.error(request, _("The request is not sent. %(reason)s") % {"reason": _error_text(error)})
    else:
        if again:
            messages.success(request, _("The request is sent again."))
        else:
            messages.success(
                request, _("The request is sent. You will get an e-mail when it has been assessed.")
            )
    return redirect("institutions:request_detail", approval_request.pk)


def request_complete(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change the figures and the projects of a draft, or of a request the office asked more about."""
    approval_request = _own_request(request, pk)
    if not _editable_by(approval_request, request.user):
        messages.info(request, _("The request can only be changed while it is a draft or more is asked for."))
        return redirect("institutions:request_detail", approval_request.pk)
    initial = {
        "research_statement": approval_request.research_statement,
        "rd_person_years": approval_request.rd_person_years,
        "staff_count": approval_request.staff_count,
    }
    form = CompleteRequestForm(request.POST or None, initial=initial)
    projects = ProjectFormSet(
        request.POST or None,
        prefix="projects",
        initial=[
            {
                key: getattr(row, key)
                for key in ("title", "year", "funding_source", "amount_nok", "published_where")
            }
            for row in approval_request.projects.all()
        ],
    )
    if request.method == "POST" and form.is_valid() and projects.is_valid():
        data = form.cleaned_data
        try:
            services.approval_request_update(
                actor=request.user,
                request=approval_request,
                research_statement=data["research_statement"],
                rd_person_years=data["rd_person_years"],
                staff_count=data["staff_count"],
                projects=[row for row in projects.cleaned_data if row],
            )
            if "submit" in request.POST:
                again = approval_request.status == RequestStatus.MORE_INFO
                services.approval_request_submit(actor=request.user, request=approval_request)
                messages.success(
                    request,
                    _("The request is sent again.")
                    if again
                    else _("The request is sent. You will get an e-mail when it has been assessed."),
                )
                return redirect("institutions:request_detail", approval_request.pk)
        except ERRORS as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("institutions:request_detail", approval_request.pk)
    return render(
        request,
        "institutions/request_complete.html",
        {
            "req": approval_request,
            "form": form,
            "projects": projects,
            "missing": [
                AttachmentKind(kind).label for kind in services.missing_attachments(approval_request)
            ],
        },
    )


def _assess(request: AuthedRequest, pk: int, action) -> HttpResponse:
    approval_request = _visible_request(request, pk)
    try:
        text = action(approval_request)
    except ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, text)
    return redirect("institutions:request_detail", approval_request.pk)


@require_POST
def request_checklist(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(approval_request):
        services.approval_request_checklist(
            actor=request.user,
            request=approval_request,
            ticked=[code for code in request.POST if code in dict(services.CHECKLIST)],
        )
        return _("The checklist is saved.")

    return _assess(request, pk, act)


@require_POST
def request_more(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(approval_request):
        services.approval_request_ask_more(
            actor=request.user, request=approval_request, message=request.POST.get("message", "")
        )
        return _("The applicant has been asked for more.")

    return _assess(request, pk, act)


@require_POST
def request_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(approval_request):
        form = ApproveForm(request.POST)
        if not form.is_valid():
            raise services.InstitutionError(_("Give the start and end dates of the approval."))
        services.approval_request_approve(actor=request.user, request=approval_request, **form.cleaned_data)
        return _("The organisation is approved and the letter sent.")

    return _assess(request, pk, act)


@require_POST
def request_refuse(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(approval_request):
        services.approval_request_refuse(
            actor=request.user, request=approval_request, reasons=request.POST.get("reasons", "")
        )
        return _("The request is refused and the letter sent.")

    return _assess(request, pk, act)


def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(RequestAttachment.objects.select_related("request"), pk=pk)
    _visible_request(request, attachment.request_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


def letter_download(request: AuthedRequest, pk: int) -> FileResponse:
    approval_request = _visible_request(request, pk)
    if not approval_request.letter:
        raise Http404
    return FileResponse(
        approval_request.letter.open("rb"),
        as_attachment=False,
        filename=f"decision-{approval_request.pk}.pdf",
        content_type="application/pdf",
    )


# --- people and projects -------------------------------------------------------------------------


def mine(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "institutions/mine.html",
        {
            "affiliations": user.affiliations.select_related("institution"),
            "projects": user.funded_projects.select_related("institution", "commissioning_body"),
            "affiliation_form": AffiliationForm(initial={"valid_from": timezone.localdate()}, prefix="aff"),
            "project_form": FundedProjectForm(prefix="proj"),
        },
    )


@require_POST
def affiliation_add(request: AuthedRequest) -> HttpResponse:
    form = AffiliationForm(request.POST, prefix="aff")
    if form.is_valid():
        try:
            services.affiliation_create(actor=request.user, user=request.user, **form.cleaned_data)
        except ERRORS as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Your affiliation is recorded."))
    else:
        messages.error(request, _("Choose the institution, give your position and the start date."))
    return redirect("institutions:mine")


@require_POST
def affiliation_end(request: AuthedRequest, pk: int) -> HttpResponse:
    affiliation = get_object_or_404(selectors.affiliations_visible_to(request.user), pk=pk)
    try:
        services.affiliation_end(actor=request.user, affiliation=affiliation, on=timezone.localdate())
    except ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The affiliation is ended."))
    return redirect("institutions:mine")


@require_POST
def funded_project_add(request: AuthedRequest) -> HttpResponse:
    form = FundedProjectForm(request.POST, prefix="proj")
    if form.is_valid():
        try:
            services.funded_project_create(actor=request.user, **form.cleaned_data)
        except ERRORS as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The project is recorded."))
    else:
        messages.error(request, _("Fill in the title, funding, reference and project period."))
    return redirect("institutions:mine")


@require_POST
def funded_project_verify(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(selectors.funded_projects_visible_to(request.user), pk=pk)
    try:
        services.funded_project_verify(actor=request.user, project=project)
    except ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The project's funding is marked as checked."))
    return redirect("institutions:funded_projects")


def funded_projects(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "institutions/funded_projects.html",
        {"projects": selectors.funded_projects_visible_to(request.user)},
    )
