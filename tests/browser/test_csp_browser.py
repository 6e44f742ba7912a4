"""The pages work under their own strict Content Security Policy: no inline script or style is
refused by the browser (the other browser tests bypass the policy to inject axe-core)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accounts_browser import PASSWORD, sign_in

PUBLIC_PAGES = ["/", "/konto/logg-inn/", "/informasjon/", "/informasjon/journal/", "/katalog/"]
SIGNED_IN_PAGES = ["/", "/soknader/", "/filsluse/", "/filsluse/ny/", "/institusjoner/godkjenning/ny/"]


@pytest.fixture
def enforcing_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nb")
    context.set_default_timeout(40_000)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page, refused
    context.close()


def test_pages_need_nothing_the_policy_refuses(enforcing_page, make_user, transactional_db):
    page, refused = enforcing_page
    for path in PUBLIC_PAGES:
        page.goto(path)
        page.wait_for_load_state("load")
    researcher = make_user(email="forsker@example.org", password=PASSWORD, language="nb")
    sign_in(page, researcher.email)
    expect(page.locator("h1")).to_contain_text("Velkommen")
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        page.wait_for_load_state("load")
    assert refused == []
