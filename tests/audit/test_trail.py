from django.db import transaction
from django.urls import reverse

from tilgang.audit.services import audit_record


def test_staff_filter_the_trail_by_user_and_object(make_user, client_for):
    officer = make_user("case_officer")
    other = make_user("legal_reviewer")
    with transaction.atomic():
        audit_record(actor=officer, action="test.case.opened", obj=("cases.case", 7))
        audit_record(actor=other, action="test.case.noted", obj=("cases.case", 8))
    page = client_for(officer).get(reverse("audit:trail"), {"user": officer.email})
    assert b"test.case.opened" in page.content and b"test.case.noted" not in page.content
    page = client_for(officer).get(reverse("audit:trail"), {"object_type": "cases.case", "object_id": "8"})
    assert b"test.case.noted" in page.content and b"test.case.opened" not in page.content


def test_applicants_cannot_see_the_trail(make_user, client_for):
    applicant = make_user("applicant")
    assert client_for(applicant).get(reverse("audit:trail")).status_code == 403
