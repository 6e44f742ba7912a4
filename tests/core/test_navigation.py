"""The main menu marks one entry as the current page."""

from __future__ import annotations

import re

from django.urls import reverse


def test_one_menu_entry_is_current(make_user, client_for, db):
    officer = make_user("case_officer")
    page = client_for(officer).get(reverse("applications:queues")).content.decode()
    current = re.findall(r'<a class="ds-link" href="([^"]+)" aria-current="page"', page)
    assert current == [reverse("applications:queues")]


def test_the_accessibility_statement_says_how_to_reach_us(client):
    page = client.get("/tilgjengelighet/", headers={"Accept-Language": "en"}).content.decode()
    assert '<a class="ds-link" href="/informasjon/">contact us</a>' in page
