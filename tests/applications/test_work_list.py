"""The staff work list: "my cases" in every staff role, filters, search, sorting, paging and flags, all
as GET parameters (no script needed)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from tests.applications.conftest import complete_draft, run, to_active, to_assigned
from tilgang.applications.lifecycle import Command, State
from tilgang.applications.models import Application

EN = {"Accept-Language": "en"}
URL = "/soknader/saksbehandling/"


def _rows(page: str) -> list[str]:
    """The case titles of the work list, in order."""
    table = page.split('id="work-list"', 1)[1].split("</table>", 1)[0] if 'id="work-list"' in page else ""
    return re.findall(r"</a></td>\s*<td>([^<]+)</td>", table)


def _submitted(people, catalog, title, *, days_ago=0):
    application = complete_draft(people, catalog)
    Application.objects.filter(pk=application.pk).update(title=title)
    application.refresh_from_db()
    run(people["applicant"], application, Command.SUBMIT)
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(days=days_ago)
    )
    application.refresh_from_db()
    return application


def test_R_CASE_1_legal_reviewers_case_is_in_their_cases(people, client_for, catalog):
    application = _submitted(people, catalog, "Held by the lawyer")
    run(people["legal"], application, Command.TAKE_LEGAL_REVIEW)
    client = client_for(people["legal"])
    mine = client.get(URL + "?view=mine", headers=EN).content.decode()
    assert _rows(mine) == ["Held by the lawyer"] and "Needs my action" in mine
    assert _rows(client_for(people["officer"]).get(URL + "?view=mine", headers=EN).content.decode()) == []


def test_case_officer_sees_own_cases_and_action_flag(people, client_for, catalog):
    assigned = to_assigned(people, complete_draft(people, catalog))
    active = to_active(people, complete_draft(people, catalog))
    Application.objects.filter(pk=active.pk).update(title="Active project")
    page = client_for(people["officer"]).get(URL + "?view=mine", headers=EN).content.decode()
    assert set(_rows(page)) == {assigned.title, "Active project"}
    action = client_for(people["officer"]).get(URL, headers=EN).content.decode()  # default: needs my action
    assert _rows(action) == [assigned.title]
    # The deadline shown is the one that matters in the state: deletion for an active project.
    assert "Deletion: " in page


def test_views_search_status_and_sort(people, client_for, catalog):
    old = _submitted(people, catalog, "Old cohort study", days_ago=40)
    new = _submitted(people, catalog, "New income study", days_ago=2)
    run(people["legal"], new, Command.TAKE_LEGAL_REVIEW)
    client = client_for(people["head"])
    assert _rows(client.get(URL + "?view=all", headers=EN).content.decode()) == [old.title, new.title]
    assert _rows(client.get(URL + "?view=all&sort=newest", headers=EN).content.decode()) == [
        new.title,
        old.title,
    ]
    assert _rows(client.get(URL + "?view=unassigned", headers=EN).content.decode()) == [old.title]
    assert _rows(client.get(URL + "?view=all&status=legal_review", headers=EN).content.decode()) == [
        new.title
    ]
    assert _rows(client.get(URL + "?view=all&q=income", headers=EN).content.decode()) == [new.title]
    assert _rows(client.get(URL + "?view=all&q=" + old.case_number, headers=EN).content.decode()) == [
        old.title
    ]
    assert _rows(client.get(URL + "?view=all&q=universitetet", headers=EN).content.decode()) == [
        old.title,
        new.title,
    ]
    page = client.get(URL + "?view=all", headers=EN).content.decode()
    assert "40 days" in page and "Frida Forsker" in page
    # Nonsense parameters fall back to the defaults instead of failing.
    assert client.get(URL + "?view=x&sort=y&status=z&page=99", headers=EN).status_code == 200


def test_the_list_is_paged(people, client_for, catalog):
    first = _submitted(people, catalog, "Case 0", days_ago=30)
    ids = list(Application.objects.filter(pk=first.pk).values_list("case_year", "case_sequence"))
    for number in range(1, 26):  # copies of the submitted case, cheaper than 26 whole applications
        Application.objects.create(
            title=f"Case {number}", applicant=people["applicant"], state=State.SUBMITTED,
            case_year=ids[0][0], case_sequence=1000 + number, submitted_at=timezone.now() - timedelta(days=30 - number),
        )  # fmt: skip
    client = client_for(people["legal"])
    page = client.get(URL + "?view=all", headers=EN).content.decode()
    assert len(_rows(page)) == 25 and "Page 1 of 2" in page and "page=2" in page
    second = client.get(URL + "?view=all&page=2", headers=EN).content.decode()
    assert _rows(second) == ["Case 25"]
