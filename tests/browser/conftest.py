"""Browser tests: Playwright drives Debian's chromium binary (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Assertions wait for the page as long as actions do: a loaded machine can be slow to navigate, and a
# command that renders a PDF letter (a decision, an appeal) can take a while before the next page shows.
expect.set_options(timeout=40_000)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(language: str = "nb"):
        # bypass_csp lets the test inject axe-core; the pages themselves carry a strict CSP.
        # Reduced motion: a details element opens at once, so a click never lands on a half-opened one.
        context = browser.new_context(
            base_url=live_server.url, locale=language, bypass_csp=True, reduced_motion="reduce"
        )
        context.set_default_timeout(40_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def info(make_user):
    """A member of the information service, signed up for MFA with the demo TOTP secret."""
    from django.db import transaction

    from tilgang.accounts.models import TotpDevice
    from tilgang.core.crypto import seal
    from tilgang.core.demo import DEMO_TOTP_SECRET

    user = make_user("information_service", email="info@example.org", full_name="Ingrid Info", language="en")
    with transaction.atomic():
        TotpDevice.objects.create(
            user=user, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
        )
    return user


@pytest.fixture
def page(new_page):
    return new_page()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def outbox_link(page, recipient: str, path_fragment: str) -> str:
    """Open the demo outbox and return the newest link to ``path_fragment`` sent to ``recipient``."""
    page.goto(f"/utboks/?til={recipient}")
    body = page.locator(".outbox-message .message-body").first.inner_text()
    for word in body.split():
        if path_fragment in word:
            return word
    raise AssertionError(f"no {path_fragment} link in: {body}")


@pytest.fixture(autouse=True)
def _visible_outbox(settings, live_server):
    # The browser tests read e-mail where a demo user would: the outbox page.
    settings.SITE_URL = live_server.url
    settings.MAILERS = {"default": {"BACKEND": "tilgang.notify.backends.OutboxEmailBackend"}}
