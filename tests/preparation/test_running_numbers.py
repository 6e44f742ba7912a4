"""DOMAIN R-PSEUDO-1 and R-CASE-9: a project keeps its running numbers across deliveries (a project change
with updated figures); a reuse of the same dataset in a new project gets new ones."""

from __future__ import annotations

from tests.preparation.helpers import change_with_updated_figures, delivered_rows, signed_case
from tilgang.applications.lifecycle import State
from tilgang.preparation import services
from tilgang.preparation.models import JobKind, JobStatus, OrderPurpose


def _deliver(people, application, *, years=None):
    officer = people["officer"]
    order = services.order_create(actor=officer, application=application, years=years)
    job = services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    delivery = services.delivery_send(actor=officer, order=order, disclosure_assessed=True)
    return order, job, delivery


def _person_by_number(job) -> dict[str, tuple]:
    """Running number → (sex, birth year, income 2019): together they single out a person."""
    fixed = delivered_rows(job, "PERSONS")
    income = {k.split("|")[0]: v for k, v in delivered_rows(job, "INCOME").items() if k.endswith("|2019")}
    result = {}
    for key, row in fixed.items():
        number = key.split("|")[0]
        wage = income.get(number, {})
        result[number] = (row["BEFOLKNING_KJOENN"], row["BEFOLKNING_FOEDSELSAAR"], wage.get("INNTEKT_WLONN"))
    return result


def test_R_PSEUDO_1_project_change_keeps_the_running_numbers(case, people):
    first_order, first_job, first = _deliver(people, case)
    services.delivery_check(actor=people["applicant"], delivery=first)
    case = change_with_updated_figures(people, case)
    assert case.state == State.ACTIVE
    order, job, second = _deliver(people, case, years={"INNTEKT_WLONN": [2019, 2020]})
    assert order.purpose == OrderPurpose.CHANGE and order.number == 2
    income = next(v for v in order.spec["variables"] if v["name"] == "INNTEKT_WLONN")
    assert income["years"] == [2019, 2020]
    before, after = _person_by_number(first_job), _person_by_number(job)
    # The same person has the same running number in both deliveries of the project.
    assert before and before == after
    years = {k.split("|")[1] for k in delivered_rows(job, "INCOME")}
    assert years == {"2019", "2020"}
    assert second.invoice is None  # the change agreement was invoiced when it was issued (offers)


def test_R_CASE_9_reuse_in_a_new_project_gets_new_running_numbers(case, people):
    _order, first_job, first = _deliver(people, case)
    case.refresh_from_db()
    reuse = signed_case(people, title="Income again, a later project", reuse_of=case)
    _order, job, _delivery = _deliver(people, reuse)
    before, after = _person_by_number(first_job), _person_by_number(job)
    # The same dataset: the same persons with the same values …
    assert sorted(before.values()) == sorted(after.values())
    # … but numbered anew: most persons carry another number than in the first project.
    moved = sum(1 for number, person in before.items() if after.get(number) != person)
    assert moved > 0.9 * len(before)
