"""The API twin of every portal action of preparation; the same services, the same checks.

Errors are ``400 {"detail": …}`` with the message the portal shows; objects the caller may not see are 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status

from tilgang.applications.lifecycle import Refusal
from tilgang.applications.models import Application
from tilgang.core.permissions import SIGNED_IN, only, register
from tilgang.core.roles import Role
from tilgang.preparation import selectors, services
from tilgang.preparation.models import Complaint, DataOrder, Delivery, Job, JobKind, ThirdPartyRequest

router = Router(tags=["preparation"])


class ErrorOut(Schema):
    detail: str


class JobOut(Schema):
    id: int
    order_id: int
    kind: str
    status: str
    step: str
    percent: int
    error: str
    result: dict[str, Any] | None = None


class OrderOut(Schema):
    id: int
    application_id: int
    case_number: str
    number: int
    purpose: str
    spec: dict[str, Any]
    dry_run: dict[str, Any] | None = None
    delivery_id: int | None = None
    jobs: list[JobOut]


class DeliveryOut(Schema):
    id: int
    order_id: int
    case_number: str
    package_id: int
    manifest_sha256: str
    delivered_at: str
    checked_at: str | None = None
    order: dict[str, Any]
    codebook: dict[str, Any] | None = None
    complaints: list[dict[str, Any]]


class ThirdPartyOut(Schema):
    id: int
    owner: str
    mode: str
    awaited: bool
    arrived_at: str | None = None
    key_sent_at: str | None = None


class CaseOut(Schema):
    id: int
    case_number: str
    state: str
    orders: list[int]
    deliveries: list[int]
    third_party: list[ThirdPartyOut]
    project_key_destroyed: bool | None = None


class OrderIn(Schema):
    minimisation: dict[str, str] = {}
    years: dict[str, list[int]] | None = None


class JobIn(Schema):
    kind: str = JobKind.EXTRACT


class DeliverIn(Schema):
    disclosure_risk_assessed: bool = False


class ThirdPartyIn(Schema):
    owner: str
    contact_email: str
    mode: str
    table_name: str = ""
    id_column: str = "FNR"


class ReceiveIn(Schema):
    file_id: int


class ComplaintIn(Schema):
    message: str


class DeletionIn(Schema):
    case_reference: str
    confirm: bool = False


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _job_out(job: Job) -> dict[str, Any]:
    result = dict(job.result or {})
    result.pop("codebook", None)
    return {"id": job.pk, "order_id": job.order_id, "kind": job.kind, "status": job.status, "step": job.step,
            "percent": job.percent, "error": job.error, "result": result or None}  # fmt: skip


def _order_out(order: DataOrder) -> dict[str, Any]:
    delivery = Delivery.objects.filter(order=order).first()
    return {"id": order.pk, "application_id": order.application_id, "case_number": order.application.case_number,
            "number": order.number, "purpose": order.purpose, "spec": order.spec, "dry_run": order.dry_run,
            "delivery_id": delivery.pk if delivery else None, "jobs": [_job_out(j) for j in order.jobs.all()[:20]]}  # fmt: skip


def _delivery_out(request, delivery: Delivery) -> dict[str, Any]:
    from django.utils.translation import get_language

    return {
        "id": delivery.pk, "order_id": delivery.order_id, "case_number": delivery.order.application.case_number,
        "package_id": delivery.package_id, "manifest_sha256": delivery.manifest_sha256,
        "delivered_at": delivery.delivered_at.isoformat(), "checked_at": _iso(delivery.checked_at),
        "order": delivery.order.spec, "codebook": selectors.codebook(delivery, get_language() or "en"),
        "complaints": [{"id": c.pk, "lodged_at": c.lodged_at.isoformat(), "identical": c.identical,
                        "differences": c.differences, "confirmed_at": _iso(c.confirmed_at),
                        "job_id": c.job_id} for c in delivery.complaints.all()],
    }  # fmt: skip


def _case(request, application_id: int) -> Application:
    application = Application.objects.filter(pk=application_id).first()
    if application is None or not selectors.may_see_case(request.user, application):
        raise Http404
    return application


def _order(request, order_id: int) -> DataOrder:
    order = selectors.order_for(request.user, order_id)
    if order is None:
        raise Http404
    return order


def _delivery(request, delivery_id: int) -> Delivery:
    delivery = selectors.delivery_for(request.user, delivery_id)
    if delivery is None:
        raise Http404
    return delivery


@router.get("/cases/{application_id}", response=CaseOut, url_name="preparation_case")
def case_get(request, application_id: int):
    application = _case(request, application_id)
    key = getattr(application, "project_key", None) if hasattr(application, "project_key") else None
    return {
        "id": application.pk, "case_number": application.case_number, "state": application.state,
        "orders": list(DataOrder.objects.filter(application=application).values_list("pk", flat=True)),
        "deliveries": list(Delivery.objects.filter(order__application=application).values_list("pk", flat=True)),
        "third_party": [{"id": r.pk, "owner": r.owner, "mode": r.mode, "awaited": r.awaited,
                         "arrived_at": _iso(r.arrived_at), "key_sent_at": _iso(r.key_sent_at)}
                        for r in ThirdPartyRequest.objects.filter(application=application).all()],
        "project_key_destroyed": (key.sealed is None) if key else None,
    }  # fmt: skip


@router.post("/cases/{application_id}/orders/create", response={201: OrderOut, 400: ErrorOut},
             url_name="preparation_order_create")  # fmt: skip
def order_create(request, application_id: int, payload: OrderIn | None = None):
    """Make the order from the approved application (no retyping); ``minimisation`` per variable is optional."""
    application = _case(request, application_id)
    try:
        order = services.order_create(
            actor=request.user, application=application,
            choices=(payload.minimisation or None) if payload else None, years=payload.years if payload else None,
        )  # fmt: skip
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _order_out(order))


@router.get("/orders/{order_id}", response=OrderOut, url_name="preparation_order")
def order_get(request, order_id: int):
    return _order_out(_order(request, order_id))


@router.post(
    "/orders/{order_id}/update", response={200: OrderOut, 400: ErrorOut}, url_name="preparation_order_update"
)
def order_update(request, order_id: int, payload: OrderIn):
    """Choose the minimisation per variable (presets: year, month, age, age_group_5, age_group_10, deciles,
    quintiles, education_level, county, or "" for none); ``years`` only for a project change."""
    order = _order(request, order_id)
    try:
        order = services.order_update(
            actor=request.user, order=order, choices=payload.minimisation, years=payload.years
        )
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _order_out(order)


@router.post(
    "/orders/{order_id}/jobs/start", response={201: JobOut, 400: ErrorOut}, url_name="preparation_job_start"
)
def job_start(request, order_id: int, payload: JobIn):
    """Start a ``dry_run`` or an ``extract`` in the background; poll ``GET /jobs/{id}`` for its progress."""
    order = _order(request, order_id)
    if payload.kind not in (JobKind.DRY_RUN, JobKind.EXTRACT):
        return Status(400, {"detail": "kind is dry_run or extract"})
    try:
        job = services.job_start(actor=request.user, order=order, kind=payload.kind)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    job.refresh_from_db()
    return Status(201, _job_out(job))


def _job(request, job_id: int) -> Job:
    job = Job.objects.select_related("order__application").filter(pk=job_id).first()
    if (
        job is None
        or not selectors.may_see_case(request.user, job.order.application)
        or not request.user.is_staff_member
    ):
        raise Http404
    return job


@router.get("/jobs/{job_id}", response=JobOut, url_name="preparation_job")
def job_get(request, job_id: int):
    return _job_out(_job(request, job_id))


@router.post("/jobs/{job_id}/retry", response={201: JobOut, 400: ErrorOut}, url_name="preparation_job_retry")
def job_retry(request, job_id: int):
    try:
        job = services.job_retry(actor=request.user, job=_job(request, job_id))
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    job.refresh_from_db()
    return Status(201, _job_out(job))


@router.post(
    "/orders/{order_id}/deliver", response={201: DeliveryOut, 400: ErrorOut}, url_name="preparation_deliver"
)
def deliver(request, order_id: int, payload: DeliverIn | None = None):
    """Send the extraction to the project leader through the file exchange, make the invoice basis, start
    the clocks and journal the delivery. When records sit in groups below k, the case officer confirms with
    ``disclosure_risk_assessed`` that the disclosure risk has been assessed."""
    try:
        delivery = services.delivery_send(
            actor=request.user, order=_order(request, order_id),
            disclosure_assessed=bool(payload and payload.disclosure_risk_assessed),
        )  # fmt: skip
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _delivery_out(request, delivery))


@router.post("/cases/{application_id}/third-party/request", response={201: ThirdPartyOut, 400: ErrorOut},
             url_name="preparation_third_party_request")  # fmt: skip
def third_party_request(request, application_id: int, payload: ThirdPartyIn):
    try:
        found = services.third_party_request(actor=request.user, application=_case(request, application_id),
                                             **payload.dict())  # fmt: skip
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, {"id": found.pk, "owner": found.owner, "mode": found.mode, "awaited": found.awaited})


@router.post("/third-party/{request_id}/receive", response={200: ThirdPartyOut, 400: ErrorOut},
             url_name="preparation_third_party_receive")  # fmt: skip
def third_party_receive(request, request_id: int, payload: ReceiveIn):
    found = ThirdPartyRequest.objects.select_related("application").filter(pk=request_id).first()
    if found is None or not selectors.may_see_case(request.user, found.application):
        raise Http404
    try:
        found = services.third_party_receive(actor=request.user, request=found, file_id=payload.file_id)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return {"id": found.pk, "owner": found.owner, "mode": found.mode, "awaited": found.awaited,
            "arrived_at": _iso(found.arrived_at)}  # fmt: skip


@router.get("/deliveries/{delivery_id}", response=DeliveryOut, url_name="preparation_delivery")
def delivery_get(request, delivery_id: int):
    """The delivery with its order and its codebook, for checking one against the other (R-CASE-6)."""
    return _delivery_out(request, _delivery(request, delivery_id))


@router.post("/deliveries/{delivery_id}/check", response={200: DeliveryOut, 400: ErrorOut},
             url_name="preparation_delivery_check")  # fmt: skip
def delivery_check(request, delivery_id: int):
    try:
        delivery = services.delivery_check(actor=request.user, delivery=_delivery(request, delivery_id))
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _delivery_out(request, delivery)


@router.post("/deliveries/{delivery_id}/complain", response={201: DeliveryOut, 400: ErrorOut},
             url_name="preparation_complain")  # fmt: skip
def complain(request, delivery_id: int, payload: ComplaintIn):
    delivery = _delivery(request, delivery_id)
    try:
        services.complaint_lodge(actor=request.user, delivery=delivery, message=payload.message)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _delivery_out(request, delivery))


def _complaint(request, complaint_id: int) -> Complaint:
    found = Complaint.objects.select_related("delivery__order__application").filter(pk=complaint_id).first()
    if found is None or not selectors.is_officer(request.user, found.delivery.order.application):
        raise Http404
    return found


@router.post("/complaints/{complaint_id}/reproduce", response={201: JobOut, 400: ErrorOut},
             url_name="preparation_complaint_reproduce")  # fmt: skip
def complaint_reproduce(request, complaint_id: int):
    try:
        job = services.complaint_reproduce(actor=request.user, complaint=_complaint(request, complaint_id))
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    job.refresh_from_db()
    return Status(201, _job_out(job))


@router.post("/complaints/{complaint_id}/confirm", response={200: DeliveryOut, 400: ErrorOut},
             url_name="preparation_complaint_confirm")  # fmt: skip
def complaint_confirm(request, complaint_id: int):
    complaint = _complaint(request, complaint_id)
    try:
        services.complaint_confirm(actor=request.user, complaint=complaint)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _delivery_out(request, complaint.delivery)


@router.post("/cases/{application_id}/deletion/confirm", response={200: CaseOut, 400: ErrorOut},
             url_name="preparation_deletion_confirm")  # fmt: skip
def deletion_confirm(request, application_id: int, payload: DeletionIn):
    """The project leader confirms deletion of the data, all copies and printouts, with the case reference."""
    application = _case(request, application_id)
    try:
        services.deletion_confirm(actor=request.user, application=application,
                                  case_reference=payload.case_reference, confirm=payload.confirm)  # fmt: skip
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return case_get(request, application_id)


@router.post(
    "/cases/{application_id}/close", response={200: CaseOut, 400: ErrorOut}, url_name="preparation_close"
)
def close(request, application_id: int):
    try:
        services.case_close(actor=request.user, application=_case(request, application_id))
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return case_get(request, application_id)


@router.get("/metrics", url_name="preparation_metrics")
def metrics(request):
    """The key figures of the dashboard (heads of section, administrators)."""
    data = selectors.metrics()
    return {
        "generated_at": data.generated_at.isoformat(),
        "cases_by_state": {code: count for code, _label, count in data.by_state},
        "durations": [{"label": d.label, "count": d.count, "median_days": d.median_days, "p90_days": d.p90_days}
                      for d in data.durations],
        "offers": {"accepted": data.offers_accepted, "expired": data.offers_expired, "declined": data.offers_declined},
        "deletions_overdue": data.deletions_overdue,
        "inquiries": {"answered": data.inquiries_answered, "within_service_level": data.inquiries_within},
    }  # fmt: skip


@router.get("/metrics.csv", url_name="preparation_metrics_csv")
def metrics_csv(request):
    return HttpResponse(selectors.metrics_csv(selectors.metrics()), content_type="text/csv; charset=utf-8")


OFFICE = only(Role.CASE_OFFICER, Role.HEAD_OF_SECTION)
HEADS = only(Role.HEAD_OF_SECTION, Role.ADMINISTRATOR)

register(
    {
        "api:preparation_case": SIGNED_IN,
        "api:preparation_order_create": OFFICE,
        "api:preparation_order": SIGNED_IN,
        "api:preparation_order_update": OFFICE,
        "api:preparation_job_start": OFFICE,
        "api:preparation_job": OFFICE,
        "api:preparation_job_retry": OFFICE,
        "api:preparation_deliver": OFFICE,
        "api:preparation_third_party_request": OFFICE,
        "api:preparation_third_party_receive": OFFICE,
        "api:preparation_delivery": SIGNED_IN,
        "api:preparation_delivery_check": SIGNED_IN,
        "api:preparation_complain": SIGNED_IN,
        "api:preparation_complaint_reproduce": OFFICE,
        "api:preparation_complaint_confirm": OFFICE,
        "api:preparation_deletion_confirm": SIGNED_IN,
        "api:preparation_close": OFFICE,
        "api:preparation_metrics": HEADS,
        "api:preparation_metrics_csv": HEADS,
    }
)
