"""The front page after sign-in lists what waits for the user, with deadlines, and forgets it once done."""

from __future__ import annotations

import html

from django.urls import reverse

from tests.offers.conftest import accept, declarations, granted, sent_offer
from tilgang.offers import services


def _tasks(client) -> str:
    page = html.unescape(client.get("/").text)
    return page[page.index('id="tasks"') : page.index("</section>", page.index('id="tasks"'))]


def test_each_person_sees_their_next_step_until_it_is_done(client_for, people, catalog, tariff):
    application = granted(people, catalog)
    title = application.title
    officer, applicant = client_for(people["officer"]), client_for(people["applicant"])
    signatory, member = client_for(people["signatory"]), client_for(people["member"])
    assert f'href="{reverse("applications:queues")}">1 case needs your action' in _tasks(officer)
    assert "Nothing is waiting for you now." in _tasks(applicant)

    offer = sent_offer(people, application)
    offer_link = f'href="{reverse("offers:detail", args=[offer.pk])}"'
    tasks = _tasks(applicant)
    assert f"{offer_link}>Accept the offer for “{title}”</a> – by " in tasks
    assert f"Sign the non-disclosure declaration for “{title}”" in _tasks(member)
    assert "Sign the agreement" not in _tasks(signatory)  # not before the applicant has accepted

    accept(people, offer)
    assert "Accept the offer" not in _tasks(applicant)
    assert f"{offer_link}>Sign the agreement for “{title}”</a> – by " in _tasks(signatory)

    declarations(people, offer)
    assert "Nothing is waiting for you now." in _tasks(member)
    offer.refresh_from_db()
    services.offer_sign(actor=people["signatory"], offer=offer, document_sha256=offer.agreement_sha256)
    assert "Nothing is waiting for you now." in _tasks(signatory)
    assert "Nothing is waiting for you now." in _tasks(applicant)
