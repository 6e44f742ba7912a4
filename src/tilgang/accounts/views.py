"""Sign-in, second factor, invitations, password links and the profile. Thin: logic is in services."""

from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tilgang.accounts import services
from tilgang.accounts.forms import (
    CodeForm,
    EmailForm,
    InviteForm,
    LoginForm,
    MobileForm,
    ReauthForm,
    SetPasswordForm,
    TokenForm,
)
from tilgang.accounts.middleware import SESSION_MFA_OK, recently_authenticated, session_mark_reauthenticated
from tilgang.accounts.models import User
from tilgang.accounts.passwords import NistPasswordValidator
from tilgang.core.http import AuthedRequest
from tilgang.core.middleware import client_ip

SESSION_PENDING_USER = "pending_user"
SESSION_PENDING_AT = "pending_at"
SESSION_NEW_TOTP = "new_totp_secret"
PENDING_VALID_SECONDS = 300


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _complete_login(request: HttpRequest, user: User, *, mfa: bool) -> HttpResponse:
    next_url = _safe_next(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_MFA_OK] = mfa
    session_mark_reauthenticated(request)
    services.login_record(user=user, method="password+totp" if mfa else "password")
    return redirect(next_url)


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.login_check_password(
            email=form.cleaned_data["email"], password=form.cleaned_data["password"], ip=client_ip(request)
        )
        if result.user is None:
            form.add_error(None, result.error)
        elif result.user.has_totp:
            request.session[SESSION_PENDING_USER] = result.user.pk
            request.session[SESSION_PENDING_AT] = int(time.time())
            verify = reverse("accounts:totp_verify")
            next_url = _safe_next(request)
            return redirect(f"{verify}?next={next_url}" if next_url != "/" else verify)
        else:
            return _complete_login(request, result.user, mfa=False)
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


def totp_verify(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(SESSION_PENDING_USER)
    started = request.session.get(SESSION_PENDING_AT, 0)
    if not user_id or time.time() - started > PENDING_VALID_SECONDS:
        messages.error(request, _("The sign-in took too long. Please start again."))
        return redirect("accounts:login")
    user = User.objects.get(pk=user_id)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.login_throttled(email=user.email, ip=client_ip(request)):
            form.add_error(None, _("Too many failed attempts. Wait a while and try again."))
        elif services.totp_verify(user=user, code=form.cleaned_data["code"], ip=client_ip(request)):
            del request.session[SESSION_PENDING_USER]
            return _complete_login(request, user, mfa=True)
        else:
            form.add_error(
                "code",
                _("The code is wrong or has already been used. Enter the 6 digits your app shows now."),
            )
    return render(
        request,
        "accounts/totp_verify.html",
        {"form": form, "next": _safe_next(request, ""), "demo_code": _demo_code_for(user)},
    )


def _demo_code_for(user: User) -> str | None:
    """In demo mode the demo staff's current code is shown, so a newcomer needs no phone."""
    if settings.PRODUCTION:
        return None
    from tilgang.core.crypto import unseal
    from tilgang.core.demo import DEMO_TOTP_SECRET, demo_totp_code

    device = user.totp_devices.filter(confirmed=True).first()
    if device and unseal(device.secret_encrypted, purpose="totp") == DEMO_TOTP_SECRET:
        return demo_totp_code()
    return None


def totp_setup(request: AuthedRequest) -> HttpResponse:
    """Set up an authenticator app (required for staff, optional for others)."""
    user = request.user
    secret = request.session.get(SESSION_NEW_TOTP)
    if not secret or request.method == "GET":
        secret = services.totp_secret_new()
        request.session[SESSION_NEW_TOTP] = secret
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = ""
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_confirm(user=user, secret=secret, code=form.cleaned_data["code"])
        except services.AccountError as error:
            form.add_error("code", str(error))
        else:
            del request.session[SESSION_NEW_TOTP]
            request.session[SESSION_MFA_OK] = True
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    uri = services.totp_provisioning_uri(user=user, secret=secret)
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "qr": segno.make(uri, error="m").svg_data_uri(scale=4),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": user.is_staff_member and settings.STAFF_MFA_REQUIRED,
        },
    )


@require_POST
def totp_disable(request: AuthedRequest) -> HttpResponse:
    if not recently_authenticated(request):
        return redirect(f"{reverse('accounts:reauth')}?next={reverse('accounts:profile')}")
    try:
        services.totp_disable(user=request.user)
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The second factor is turned off."))
    return redirect("accounts:profile")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("core:home")


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = services.invitation_by_token(token)
    except services.AccountError as error:
        return render(request, "accounts/link_problem.html", {"error": str(error)}, status=410)
    if request.method == "POST":
        try:
            services.invitation_accept(token=token, language=request.POST.get("language") or None)
        except services.AccountError as error:
            return render(request, "accounts/link_problem.html", {"error": str(error)}, status=410)
        return render(request, "accounts/check_email.html", {"email": invite.email})
    return render(request, "accounts/invitation.html", {"invitation": invite})


def password_set(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.password_link_by_token(token)
    except services.AccountError as error:
        return render(
            request, "accounts/link_problem.html", {"error": str(error), "offer_new": True}, status=410
        )
    form = SetPasswordForm(request.POST or None, help_text=NistPasswordValidator().get_help_text())
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set(token=token, password=form.cleaned_data["password"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error("password", message)
        except services.AccountError as error:
            return render(
                request, "accounts/link_problem.html", {"error": str(error), "offer_new": True}, status=410
            )
        else:
            messages.success(request, _("Your password is set. You can sign in now."))
            return redirect("accounts:login")
    return render(request, "accounts/password_set.html", {"form": form, "email": link.user.email})


def password_forgotten(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_link_request(email=form.cleaned_data["email"])
        return render(
            request, "accounts/check_email.html", {"email": form.cleaned_data["email"], "forgotten": True}
        )
    return render(request, "accounts/password_forgotten.html", {"form": form})


def reauth(request: AuthedRequest) -> HttpResponse:
    """Confirm it is still you before a sensitive action (phone number, signing, SMS resend)."""
    user = request.user
    form = ReauthForm(request.POST or None, needs_code=user.has_totp)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        result = services.login_check_password(
            email=user.email, password=form.cleaned_data["password"], ip=ip
        )
        if result.user is None:
            form.add_error(None, result.error)
        elif user.has_totp and not services.totp_verify(user=user, code=form.cleaned_data["code"], ip=ip):
            form.add_error(
                "code",
                _("The code is wrong or has already been used. Enter the 6 digits your app shows now."),
            )
        else:
            session_mark_reauthenticated(request)
            return redirect(_safe_next(request, reverse("accounts:profile")))
    return render(request, "accounts/reauth.html", {"form": form, "next": _safe_next(request, "")})


def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": user.api_tokens.filter(revoked_at__isnull=True),
            "token_form": TokenForm(),
            "new_token": request.session.pop("new_api_token", None),
        },
    )


def profile_mobile(request: AuthedRequest) -> HttpResponse:
    if not recently_authenticated(request):
        return redirect(f"{reverse('accounts:reauth')}?next={reverse('accounts:profile_mobile')}")
    form = MobileForm(request.POST or None, initial={"mobile": request.user.mobile})
    if request.method == "POST" and form.is_valid():
        services.user_set_mobile(user=request.user, mobile=form.cleaned_data["mobile"])
        messages.success(request, _("Your mobile number is changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/mobile.html", {"form": form})


@require_POST
def token_create(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, raw = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        # Shown once, on the next page; only its hash is stored.
        request.session["new_api_token"] = raw
    else:
        messages.error(request, _("Give the token a name."))
    return redirect("accounts:profile")


@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    try:
        services.api_token_revoke(user=request.user, token_id=token_id)
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The token is revoked."))
    return redirect("accounts:profile")


def invite(request: AuthedRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if not request.user.has_role("administrator"):
        form.fields.pop("roles")
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                invited_by=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                language=form.cleaned_data["language"],
                roles=form.cleaned_data.get("roles") or [],
                institution=form.cleaned_data.get("institution"),
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:invite")
    return render(request, "accounts/invite.html", {"form": form})
