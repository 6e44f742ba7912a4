"""Portal pages of preparation. Thin: the services do the work, the selectors decide who sees what."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tilgang.applications.lifecycle import CaseRole, State
from tilgang.applications.models import Application
from tilgang.core.http import AuthedRequest
from tilgang.preparation import orders, selectors, services
from tilgang.preparation.forms import ComplaintForm, DeletionForm, OrderForm, ThirdPartyForm
from tilgang.preparation.models import Complaint, DataOrder, Job, JobKind, OrderPurpose, ThirdPartyRequest


def _case_or_404(request: AuthedRequest, pk: int) -> Application:
    application = Application.objects.filter(pk=pk).select_related("applicant", "institution").first()
    if application is None or not selectors.may_see_case(request.user, application):
        raise Http404
    return application


def _order_or_404(request: AuthedRequest, pk: int) -> DataOrder:
    order = selectors.order_for(request.user, pk)
    if order is None:
        raise Http404
    return order


def _job_or_404(request: AuthedRequest, pk: int) -> Job:
    job = Job.objects.select_related("order__application").filter(pk=pk).first()
    if (
        job is None
        or not selectors.is_officer(request.user, job.order.application)
        and not (selectors.office_roles(request.user, job.order.application) & {CaseRole.HEAD_OF_SECTION})
    ):
        raise Http404
    return job


def _refused(request: AuthedRequest, error: Exception) -> None:
    messages.error(request, str(error))


def index(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "preparation/index.html",
        {"cases": selectors.worklist(request.user), "deliveries": selectors.deliveries_for(request.user)},
    )


def case(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _case_or_404(request, pk)
    officer = selectors.is_officer(request.user, application)
    roles = selectors.office_roles(request.user, application)
    requests = list(
        ThirdPartyRequest.objects.filter(application=application).select_related("contact", "file")
    )
    candidates = (
        {r.pk: list(services.third_party_candidates(r)) for r in requests if r.awaited} if officer else {}
    )
    return render(
        request,
        "preparation/case.html",
        {
            "application": application,
            "officer": officer,
            "applicant": CaseRole.APPLICANT in roles,
            "orders": DataOrder.objects.filter(application=application).all(),
            "requests": requests,
            "candidates": candidates,
            "awaited": [r for r in requests if r.awaited],
            "third_party_form": ThirdPartyForm(),
            "deletion_form": DeletionForm(),
            "can_order": officer and services.order_possible(application),
            "can_request": officer and application.state in (State.AGREEMENT_SIGNED, State.IN_PREPARATION),
            "can_confirm_deletion": CaseRole.APPLICANT in roles
            and application.state in (State.ACTIVE, State.DELETION_DUE),
            "can_close": officer and application.state == State.DELETION_CONFIRMED,
            "State": State,
        },
    )


@require_POST
def order_create(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _case_or_404(request, pk)
    try:
        order = services.order_create(actor=request.user, application=application)
    except services.PreparationError as error:
        _refused(request, error)
        return redirect("preparation:case", pk=application.pk)
    messages.success(request, _("The order was made from the approved application."))
    return redirect("preparation:order", pk=order.pk)


def order(request: AuthedRequest, pk: int) -> HttpResponse:
    data_order = _order_or_404(request, pk)
    application = data_order.application
    officer = selectors.is_officer(request.user, application)
    try:
        meta = orders.metadata()
    except orders.OrderBuildError as error:
        meta = None
        messages.error(request, str(error))
    form = None
    if meta is not None:
        form = OrderForm(
            request.POST or None,
            spec=data_order.spec,
            meta=meta,
            change=data_order.purpose == OrderPurpose.CHANGE,
        )
    if request.method == "POST":
        if not officer or form is None:
            raise Http404
        # The run buttons belong to the order form: what is chosen on the page is saved before the run, so a
        # dry run or an extraction never runs without the choices the officer sees.
        run = request.POST.get("run", "")
        if run and run not in (JobKind.DRY_RUN, JobKind.EXTRACT):
            raise Http404
        if form.is_valid():
            try:
                if not run or _form_changes(form, data_order):
                    data_order = services.order_update(
                        actor=request.user, order=data_order, choices=form.choices(), years=form.years()
                    )
                    if run:
                        messages.success(request, _("The order was saved before the run."))
                job = services.job_start(actor=request.user, order=data_order, kind=run) if run else None
            except services.PreparationError as error:
                _refused(request, error)
            else:
                if job is not None:
                    return redirect("preparation:job", pk=job.pk)
                messages.success(request, _("The order was saved. Run a dry run to see its figures."))
                return redirect("preparation:order", pk=data_order.pk)
    delivery = getattr(data_order, "delivery", None) if hasattr(data_order, "delivery") else None
    extraction = data_order.extraction
    return render(
        request,
        "preparation/order.html",
        {
            "order": data_order,
            "application": application,
            "officer": officer,
            "form": form,
            "jobs": data_order.jobs.all()[:20],
            "active_job": data_order.jobs.filter(status__in=["queued", "running"]).first(),
            "extraction": extraction,
            "review": selectors.release_review(extraction.result, delivery) if extraction else None,
            "delivery": delivery,
            "awaited": services.awaited(application),
            "population": _population_text(data_order),
        },
    )


def _form_changes(form: OrderForm, data_order: DataOrder) -> bool:
    """Whether the posted order form differs from the stored order."""
    stored = services._choices_of(data_order.spec)
    if form.choices() != {name: stored.get(name, "") for name in form.names}:
        return True
    years = form.years()
    if years is None:
        return False
    stored_years = services._years_in(data_order.spec)
    return any(years.get(name, stored_years.get(name)) != stored_years.get(name) for name in form.names)


def _population_text(data_order: DataOrder) -> str:
    from django.utils.translation import get_language

    from tilgang.engine.order import Population

    population = Population.model_validate(data_order.spec["population"])
    return population.describe("nb" if (get_language() or "en").startswith("n") else "en")


@require_POST
def job_start(request: AuthedRequest, pk: int) -> HttpResponse:
    data_order = _order_or_404(request, pk)
    kind = request.POST.get("kind", JobKind.EXTRACT)
    if kind not in (JobKind.DRY_RUN, JobKind.EXTRACT):
        raise Http404
    try:
        job = services.job_start(actor=request.user, order=data_order, kind=kind)
    except services.PreparationError as error:
        _refused(request, error)
        return redirect("preparation:order", pk=data_order.pk)
    return redirect("preparation:job", pk=job.pk)


def job(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _job_or_404(request, pk)
    return render(request, "preparation/job.html", {"job": found, "order": found.order})


def job_status(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _job_or_404(request, pk)
    response = render(request, "preparation/_job_status.html", {"job": found, "order": found.order})
    if not found.is_active and request.headers.get("HX-Request"):
        # Show the whole page with the outcome (the result and the next steps).
        response["HX-Refresh"] = "true"
    return response


CODEBOOK_FILES = re.compile(r"^codebook\.(nb|en)\.(html|pdf)$|^codebook\.json$")
CODEBOOK_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "json": "application/json"}


def job_codebook(request: AuthedRequest, pk: int, name: str) -> FileResponse:
    """A codebook file of an extraction (the office's own output), for the case officer to read before
    delivering. Only the codebook files the job wrote, never the data."""
    found = _job_or_404(request, pk)
    listed = {f.get("path") for f in (found.result or {}).get("files", [])}
    if not CODEBOOK_FILES.match(name) or name not in listed or not found.out_dir:
        raise Http404
    path = Path(found.out_dir) / "delivery" / name
    if not path.is_file():
        raise Http404  # the office's copies are destroyed after the deletion
    response = FileResponse(
        path.open("rb"),
        as_attachment=False,
        filename=name,
        content_type=CODEBOOK_TYPES[name.rsplit(".", 1)[1]],
    )
    # Shown as a document of its own, never as a page of the portal.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def job_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _job_or_404(request, pk)
    try:
        retried = services.job_retry(actor=request.user, job=found)
    except services.PreparationError as error:
        _refused(request, error)
        return redirect("preparation:job", pk=found.pk)
    return redirect("preparation:job", pk=retried.pk)


@require_POST
def deliver(request: AuthedRequest, pk: int) -> HttpResponse:
    data_order = _order_or_404(request, pk)
    try:
        delivery = services.delivery_send(
            actor=request.user,
            order=data_order,
            disclosure_assessed=bool(request.POST.get("disclosure_assessed")),
        )
    except services.PreparationError as error:
        _refused(request, error)
        return redirect("preparation:order", pk=data_order.pk)
    messages.success(request, _("The data were sent to the project leader through the file exchange."))
    return redirect("preparation:delivery", pk=delivery.pk)


@require_POST
def third_party_request(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _case_or_404(request, pk)
    form = ThirdPartyForm(request.POST)
    if form.is_valid():
        try:
            services.third_party_request(actor=request.user, application=application, **form.cleaned_data)
        except services.PreparationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The data owner has been asked."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("preparation:case", pk=application.pk)


@require_POST
def third_party_receive(request: AuthedRequest, pk: int) -> HttpResponse:
    found = ThirdPartyRequest.objects.select_related("application").filter(pk=pk).first()
    if found is None or not selectors.is_officer(request.user, found.application):
        raise Http404
    try:
        services.third_party_receive(
            actor=request.user, request=found, file_id=int(request.POST.get("file") or 0)
        )
    except (services.PreparationError, ValueError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("The file has arrived and will be linked at the office."))
    return redirect("preparation:case", pk=found.application_id)


def delivery(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.delivery_for(request.user, pk)
    if found is None:
        raise Http404
    application = found.order.application
    roles = selectors.office_roles(request.user, application)
    return render(
        request,
        "preparation/delivery.html",
        {
            "delivery": found,
            "order": found.order,
            "application": application,
            "codebook": selectors.codebook(found, get_language() or "en"),
            "population": _population_text(found.order),
            "applicant": CaseRole.APPLICANT in roles,
            "officer": CaseRole.CASE_OFFICER in roles,
            "complaints": found.complaints.select_related("job"),
            "complaint_form": ComplaintForm(),
        },
    )


@require_POST
def delivery_check(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.delivery_for(request.user, pk)
    if found is None:
        raise Http404
    try:
        services.delivery_check(actor=request.user, delivery=found)
    except services.PreparationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Thank you. The delivery is recorded as checked against the order."))
    return redirect("preparation:delivery", pk=found.pk)


@require_POST
def complaint_lodge(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.delivery_for(request.user, pk)
    if found is None:
        raise Http404
    form = ComplaintForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_lodge(actor=request.user, delivery=found, message=form.cleaned_data["message"])
        except services.PreparationError as error:
            _refused(request, error)
        except services.Refusal as error:
            _refused(request, error)
        else:
            messages.success(request, _("The complaint was sent to the case officer."))
    else:
        messages.error(request, _("Describe what is wrong with the delivery."))
    return redirect("preparation:delivery", pk=found.pk)


def _complaint_or_404(request: AuthedRequest, pk: int) -> Complaint:
    found = Complaint.objects.select_related("delivery__order__application").filter(pk=pk).first()
    if found is None or not selectors.is_officer(request.user, found.delivery.order.application):
        raise Http404
    return found


@require_POST
def complaint_reproduce(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _complaint_or_404(request, pk)
    try:
        job = services.complaint_reproduce(actor=request.user, complaint=found)
    except services.PreparationError as error:
        _refused(request, error)
        return redirect("preparation:delivery", pk=found.delivery_id)
    return redirect("preparation:job", pk=job.pk)


@require_POST
def complaint_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _complaint_or_404(request, pk)
    try:
        services.complaint_confirm(actor=request.user, complaint=found)
    except services.PreparationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The project has been told that the files are identical."))
    return redirect("preparation:delivery", pk=found.delivery_id)


@require_POST
def deletion_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _case_or_404(request, pk)
    form = DeletionForm(request.POST)
    if form.is_valid():
        try:
            services.deletion_confirm(
                actor=request.user, application=application, case_reference=form.cleaned_data["case_reference"],
                confirm=form.cleaned_data["confirm"],
            )  # fmt: skip
        except services.Refusal as error:
            _refused(request, error)
        else:
            messages.success(request, _("Thank you. The deletion is confirmed."))
    else:
        messages.error(request, _("Give the case reference and confirm that everything is deleted."))
    return redirect("preparation:case", pk=application.pk)


@require_POST
def close(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _case_or_404(request, pk)
    try:
        services.case_close(actor=request.user, application=application)
    except services.Refusal as error:
        _refused(request, error)
    else:
        messages.success(request, _("The case is closed."))
    return redirect("preparation:case", pk=application.pk)


def metrics(request: AuthedRequest) -> HttpResponse:
    data = selectors.metrics()
    state_bars, state_height = selectors.bars([(label, count) for _code, label, count in data.by_state])
    duration_bars, duration_height = selectors.bars(
        [(f"{d.short}, {_('median')}", d.median_days or 0) for d in data.durations]
        + [(f"{d.short}, {_('90th percentile')}", d.p90_days or 0) for d in data.durations]
    )
    return render(
        request,
        "preparation/metrics.html",
        {"data": data, "state_bars": state_bars, "state_height": state_height, "duration_bars": duration_bars,
         "duration_height": duration_height},
    )  # fmt: skip


def metrics_csv(request: AuthedRequest) -> HttpResponse:
    response = HttpResponse(
        selectors.metrics_csv(selectors.metrics()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="nokkeltall.csv"'
    return response
