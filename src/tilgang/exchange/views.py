"""Portal pages of the file exchange. Thin: the services do the work."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from tilgang.accounts.middleware import recently_authenticated
from tilgang.core.http import AuthedRequest
from tilgang.exchange import selectors, services, tus
from tilgang.exchange.downloads import download_response
from tilgang.exchange.forms import CaseForm, PackageForm, ReopenForm
from tilgang.exchange.models import Package
from tilgang.exchange.uploads import SealingUploadHandler


def _package_or_404(request: AuthedRequest, pk: int) -> tuple[Package, str]:
    found = selectors.package_for(request.user, pk)
    if found is None:
        raise Http404
    return found


def inbox(request: AuthedRequest) -> HttpResponse:
    return render(request, "exchange/inbox.html", {"packages": selectors.inbox(request.user)})


def sent(request: AuthedRequest) -> HttpResponse:
    return render(request, "exchange/sent.html", {"packages": selectors.sent_box(request.user)})


def case(request: AuthedRequest) -> HttpResponse:
    form = CaseForm(request.GET or None)
    packages = None
    if form.is_valid():
        packages = selectors.packages_for_case(form.cleaned_data["reference"])
    return render(request, "exchange/case.html", {"form": form, "packages": packages})


@csrf_exempt
def new(request: AuthedRequest) -> HttpResponse:
    # Files are encrypted while they arrive; the handler must be set before the body is read,
    # so CSRF is checked in the inner view instead.
    handler = SealingUploadHandler(request)
    if request.method == "POST":
        request.upload_handlers = [handler]
    return _new(request, handler)


def upload_chunk_bytes() -> int:
    return int(getattr(settings, "EXCHANGE_UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024))


@csrf_protect
def _new(request: AuthedRequest, handler: SealingUploadHandler) -> HttpResponse:
    user = request.user
    form = PackageForm(request.POST or None, staff=user.is_staff_member)
    # Files the page's script uploaded resumably (see upload_create) come as references.
    upload_ids = request.POST.getlist("uploads") if request.method == "POST" else []
    ready = selectors.staged_uploads(user, upload_ids)
    if request.method == "POST":
        uploads = request.FILES.getlist("files")
        blobs = [upload.blob for upload in uploads if hasattr(upload, "blob")]
        if form.is_valid():
            if len(ready) < len(set(upload_ids)):
                form.add_error(
                    None, _("An uploaded file has expired or could not be found. Choose it again.")
                )
            elif not blobs and not ready:
                form.add_error(None, _("Add at least one file before sending."))
            else:
                package = None
                try:
                    package = services.package_create(
                        sender=user,
                        recipients=form.recipient_list(),
                        subject=form.cleaned_data["subject"],
                        case_reference=form.cleaned_data["case_reference"],
                        note=form.cleaned_data["note"],
                        files=[*blobs, *ready],
                        encrypt_format=form.cleaned_data["archive_format"],
                        download_days=form.cleaned_data["download_days"],
                        receipt_requested=form.cleaned_data["receipt_requested"],
                    )
                    services.package_send(actor=user, package=package)
                except services.ExchangeError as error:
                    form.add_error(None, str(error))
                    # package_create keeps nothing when a file is refused; nor does a refused send.
                    if package is not None and package.status == Package.Status.DRAFT:
                        services.package_discard(actor=user, package=package)
                else:
                    messages.success(
                        request, _("The package was sent. The recipients have been told by e-mail.")
                    )
                    return redirect("exchange:package", pk=package.pk)
        handler.discard()
        ready = selectors.staged_uploads(user, [upload.pk for upload in ready])  # a refusal drops them
    return render(
        request,
        "exchange/new.html",
        {"form": form, "ready_uploads": ready, "chunk_bytes": upload_chunk_bytes()},
    )


@require_POST
def upload_create(request: AuthedRequest) -> HttpResponse:
    """The new-package form's resumable upload of one file (tus creation, the API's twin): staged,
    without a package, until the form is sent with a reference to it. Session and CSRF token."""
    return tus.create(
        request,
        actor=request.user,
        package=None,
        meta=tus.metadata(request),
        location=lambda upload: reverse("exchange:upload", kwargs={"upload_id": upload.pk}),
    )


@require_http_methods(["HEAD", "PATCH", "DELETE"])
def upload(request: AuthedRequest, upload_id: uuid.UUID) -> HttpResponse:
    """tus on one staged upload: HEAD tells the offset, PATCH appends, DELETE gives up. Only its
    owner finds it."""
    return tus.serve(request, actor=request.user, upload_id=str(upload_id), staged=True)


def package(request: AuthedRequest, pk: int) -> HttpResponse:
    package, relation = _package_or_404(request, pk)
    row = package.recipients.filter(user=request.user).first() if relation == "recipient" else None
    problem = ""
    if row is not None:
        try:
            services.check_downloadable(actor=request.user, package=package)
        except services.ExchangeError as error:
            problem = str(error)
    return render(
        request,
        "exchange/package.html",
        {
            "package": package,
            "relation": relation,
            "row": row,
            "problem": problem,
            "files": package.files.all(),
            "recipients": package.recipients.select_related("user"),
            "can_reopen": package.is_sent and (relation == "sender" or selectors.can_see_cases(request.user)),
            "reopen_form": ReopenForm(initial={"days": package.download_days}),
            "retention_months": services.retention_months(),
        },
    )


def download(request: AuthedRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    package, relation = _package_or_404(request, pk)
    if relation != "recipient":
        raise Http404
    try:
        return download_response(request, actor=request.user, package=package)
    except services.NotYours as error:
        raise Http404 from error
    except services.ExchangeError as error:
        return render(request, "exchange/refused.html", {"package": package, "error": str(error)}, status=410)


@require_POST
def password_resend(request: AuthedRequest, pk: int) -> HttpResponse:
    package, relation = _package_or_404(request, pk)
    here = reverse("exchange:package", kwargs={"pk": pk})
    if not recently_authenticated(request):
        messages.info(request, _("Confirm it is you, then ask for the password again."))
        return redirect(f"{reverse('accounts:reauth')}?next={here}")
    try:
        services.package_password_resend(actor=request.user, package=package)
    except services.NotYours as error:
        raise Http404 from error
    except services.ExchangeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The password has been sent by SMS to the mobile number on your account.")
        )
    return redirect(here)


@require_POST
def reopen_request(request: AuthedRequest, pk: int) -> HttpResponse:
    package, _relation = _package_or_404(request, pk)
    try:
        services.package_reopen_request(actor=request.user, package=package)
    except services.NotYours as error:
        raise Http404 from error
    except services.ExchangeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The sender has been asked to reopen the package."))
    return redirect("exchange:package", pk=pk)


@require_POST
def reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    package, _relation = _package_or_404(request, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The number of days must be between 1 and 90."))
        return redirect("exchange:package", pk=pk)
    try:
        services.package_reopen(actor=request.user, package=package, days=form.cleaned_data["days"])
    except services.NotYours as error:
        raise Http404 from error
    except services.ExchangeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The package can be downloaded again. The recipients have been told."))
    return redirect("exchange:package", pk=pk)
