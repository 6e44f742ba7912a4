"""The demo data of the information service load, idempotently, on top of the demo users."""

from tilgang.core.demo import demo_seed
from tilgang.inquiries import demo
from tilgang.inquiries.models import InnsynRequest, Inquiry, JournalEntry, Respondent


def test_demo_seed_is_idempotent_and_has_what_the_tour_needs(db, committed):
    demo_seed()
    committed(demo.seed)
    committed(demo.seed)
    assert Inquiry.objects.filter(language_guess="nn").exists()
    assert Inquiry.objects.filter(overdue_flagged_at__isnull=False).exists()
    assert Inquiry.objects.filter(section__isnull=False).exists()
    assert JournalEntry.objects.filter(screened=True).exists()
    assert InnsynRequest.objects.count() == 1
    assert Respondent.objects.filter(reported_at__isnull=True, letter_sent_at__isnull=False).count() == 2
    assert Inquiry.objects.filter(survey__isnull=False).count() == 1
