"""Sign-in: throttling per account and per address, the second factor, and staff MFA."""

import pyotp
import pytest
from django.db import transaction
from django.urls import reverse

from tests.conftest import PASSWORD
from tilgang.accounts import services
from tilgang.accounts.models import LoginAttempt


def _login(client, email, password=PASSWORD, ip="10.1.1.1"):
    return client.post(reverse("accounts:login"), {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_wrong_password_gives_a_clear_message(client, make_user):
    user = make_user()
    response = _login(client, user.email, "not the password at all")
    assert response.status_code == 200
    assert "wrong" in response.content.decode() or "feil" in response.content.decode()


def test_throttled_per_account_after_repeated_failures(client, make_user, settings):
    user = make_user()
    for _ in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT):
        _login(client, user.email, "wrong password number one")
    response = _login(client, user.email)  # even the right password is refused now
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_throttled_per_address_across_accounts(client, make_user, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    users = [make_user() for _ in range(4)]
    for user in users[:3]:
        _login(client, user.email, "a wrong password here", ip="10.9.9.9")
    assert services.login_throttled(email=users[3].email, ip="10.9.9.9")
    assert not services.login_throttled(email=users[3].email, ip="10.9.9.8")


def _enable_totp(user) -> str:
    secret = services.totp_secret_new()
    code = pyotp.TOTP(secret).now()
    with transaction.atomic():
        services.totp_confirm(user=user, secret=secret, code=code)
    return secret


def test_user_with_totp_must_give_the_code(client, make_user):
    user = make_user()
    secret = _enable_totp(user)
    response = _login(client, user.email)
    assert response.headers["Location"].startswith(reverse("accounts:totp_verify"))
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("accounts:totp_verify"), {"code": "000000"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # The code used at confirmation cannot be replayed; the next step's code works.
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now().timestamp() + 30, tick=False):
        code = pyotp.TOTP(secret).now()
        response = client.post(reverse("accounts:totp_verify"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_totp_code_cannot_be_used_twice(make_user):
    user = make_user()
    secret = _enable_totp(user)
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now().timestamp() + 60, tick=False):
        code = pyotp.TOTP(secret).now()
        assert services.totp_verify(user=user, code=code, ip=None)
        assert not services.totp_verify(user=user, code=code, ip=None)


def test_recovery_code_works_once(make_user):
    user = make_user()
    secret = services.totp_secret_new()
    with transaction.atomic():
        codes = services.totp_confirm(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    assert services.totp_verify(user=user, code=codes[0], ip=None)
    assert not services.totp_verify(user=user, code=codes[0], ip=None)


def test_staff_without_second_factor_are_sent_to_set_it_up(client, make_user):
    officer = make_user("case_officer")
    _login(client, officer.email)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("accounts:totp_setup")


def test_staff_set_up_totp_then_get_in(client, make_user):
    officer = make_user("case_officer")
    _login(client, officer.email)
    client.get(reverse("accounts:totp_setup"))
    secret = client.session["new_totp_secret"]
    response = client.post(reverse("accounts:totp_setup"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and "recovery-codes" in response.content.decode()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_wrong_totp_code_at_setup_is_refused(client, make_user):
    officer = make_user("case_officer")
    _login(client, officer.email)
    client.get(reverse("accounts:totp_setup"))
    response = client.post(reverse("accounts:totp_setup"), {"code": "123456"})
    assert response.status_code == 200 and not officer.has_totp


def test_staff_cannot_turn_off_their_second_factor(make_user):
    officer = make_user("case_officer")
    _enable_totp(officer)
    with pytest.raises(services.AccountError):
        services.totp_disable(user=officer)


def test_failed_sign_ins_are_recorded(client, make_user):
    user = make_user()
    _login(client, user.email, "this is the wrong one")
    assert LoginAttempt.objects.filter(email=user.email, succeeded=False).count() == 1
