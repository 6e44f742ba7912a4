"""After the applicant accepts, the offer page shows the accepted state and the next step, not the form
(DOMAIN R-CASE-4)."""

from __future__ import annotations

from django.urls import reverse

from tests.offers.conftest import granted, sent_offer
from tilgang.offers.models import Offer


def test_R_CASE_4_accepting_shows_the_accepted_state_and_the_signatures_left(
    client_for, people, catalog, tariff
):
    application = granted(people, catalog)
    offer = sent_offer(people, application)
    applicant = client_for(people["applicant"])
    page = applicant.get(reverse("offers:detail", args=[offer.pk])).text
    assert "Sent, waiting for acceptance" in page and 'id="accept-heading"' in page
    signatory = application.members.get(role="signatory")
    response = applicant.post(
        reverse("offers:accept", args=[offer.pk]),
        {"accept-invoice_address": "Postboks 1072 Blindern\n0316 Oslo", "accept-order_reference": "UIO-9",
         "accept-signatory": signatory.pk},
        follow=True,
    )  # fmt: skip
    page = response.text
    assert Offer.objects.get(pk=offer.pk).acceptance_given_at is not None
    assert '<dd id="offer-status">Accepted, waiting for signatures</dd>' in page
    assert 'id="offer-next-step"' in page and "The offer was accepted on" in page
    assert f"{signatory.full_name} signs the agreement for the institution." in page
    # The form to accept is gone; the details can still be changed from a folded section.
    assert 'id="accept-heading"' not in page
    assert "Change the invoice address, reference or signatory" in page
    assert '<details class="ds-details">' in page  # folded until opened
    # The applicant's list of offers and the case say the same.
    listing = applicant.get(reverse("offers:index")).text
    assert "<td>Accepted, waiting for signatures</td>" in listing
    case_page = applicant.get(reverse("applications:detail", args=[application.pk])).text
    assert '<dd id="case-state">Offer accepted</dd>' in case_page


def test_a_refused_change_after_acceptance_opens_the_folded_form_with_its_error(
    client_for, people, catalog, tariff
):
    from tests.offers.conftest import accept

    application = granted(people, catalog)
    offer = accept(people, sent_offer(people, application))
    response = client_for(people["applicant"]).post(
        reverse("offers:accept", args=[offer.pk]),
        {"accept-invoice_address": "", "accept-order_reference": "UIO-9",
         "accept-signatory": application.members.get(role="signatory").pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert '<details class="ds-details" open>' in response.text


def test_offer_lines_name_the_statistics_area_and_show_norwegian_quantities(
    client_for, people, catalog, tariff
):
    from tilgang.catalog.models import StatisticsArea

    StatisticsArea.objects.filter(code="BEF").update(name_nb="Befolkning", name_en="Population")
    application = granted(people, catalog)
    officer = people["officer"]
    officer.language = "nb"
    officer.save(update_fields=["language"])
    from django.db import transaction

    from tilgang.offers import services

    with transaction.atomic():
        offer = services.offer_create(actor=officer, application=application)
    client = client_for(officer)
    page = client.get(reverse("offers:detail", args=[offer.pk]), headers={"Accept-Language": "nb"}).text
    line = offer.lines.get(item="coordination")
    assert f'name="line{line.pk}-quantity" value="6"' in page  # not "6.00"
    area = offer.lines.get(item="area", key="BEF")
    assert area.label.endswith(": Befolkning") and ": BEF" not in page
    line.quantity = "1.5"
    line.save(update_fields=["quantity"])
    page = client.get(reverse("offers:detail", args=[offer.pk])).text
    assert f'name="line{line.pk}-quantity" value="1,5"' in page and "1,5 " in page
    en = make_english(officer)
    page = client_for(en).get(reverse("offers:detail", args=[offer.pk])).text
    assert "statistics area: Population" in page and f'name="line{line.pk}-quantity" value="1.5"' in page


def make_english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user
