"""A coordinator's day in the browser, in Dutch and in French: sign in, add a person's
record, find them again, receive their access request from the public form, confirm it
through the e-mail link, carry it out, download the answer, and see the dashboard change.
Screenshots of every main page are kept as test artifacts."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, first_admin, screenshot
from tests.smtp import SmtpServer

EMAIL = "an.peeters@example.org"


def _open_requests(page: Page) -> str:
    return page.locator(".card .figure").first.inner_text()


@pytest.mark.parametrize("locale", ["nl-BE", "fr-BE"])
def test_a_day_of_work(
    browser: Browser, live: LiveServer, smtp: SmtpServer, locale: str, tmp_path: object
) -> None:
    lang = locale[:2]
    staff = browser.new_context(locale=locale, accept_downloads=True)
    page = staff.new_page()
    page.set_default_timeout(20_000)
    first_admin(page, live)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert _open_requests(page) == "0"
    screenshot(page, f"{lang}-dashboard-empty")

    # Add a candidate's record through the form generated from the activity's fields.
    page.goto(f"{live.url}/people/new?activity=candidates")
    page.locator("#f-v_name").fill("An Peeters")
    page.locator("#f-v_email").fill(EMAIL)
    page.locator("#f-v_phone").fill("+32 470 12 34 56")
    screenshot(page, f"{lang}-record-form")
    page.locator("main form button").last.click()
    expect(page.locator("main")).to_contain_text("An Peeters")
    assert EMAIL not in page.url

    # Find the person again by e-mail: the address never reaches the address bar.
    page.goto(f"{live.url}/people")
    page.locator("#f-value").fill(EMAIL)
    page.locator("form[action='/people/search'] button").click()
    assert EMAIL not in page.url
    page.locator("main a[href^='/people/']").first.click()
    expect(page.locator("main")).to_contain_text("An Peeters")
    screenshot(page, f"{lang}-person")

    # The person files an access request on the public page, in their own browser.
    visitor = browser.new_context(locale=locale)
    public = visitor.new_page()
    public.goto(f"{live.url}/privacy")
    screenshot(public, f"{lang}-privacy-notice")
    public.goto(f"{live.url}/request")
    public.locator("#k-access").check()
    public.locator("#f-email").fill(EMAIL)
    screenshot(public, f"{lang}-public-request")
    public.locator("form[action='/request'] button").click()
    assert len(smtp.inbox.messages) == 1
    link = smtp.inbox.link(r"http://127\.0\.0\.1:\d+/request/verify/\S+")
    public.goto(link)
    public.locator("main form button").click()
    expect(public.locator("main")).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    screenshot(public, f"{lang}-request-confirmed")
    visitor.close()

    # The dashboard shows the new request; the coordinator carries it out.
    page.goto(live.url)
    assert _open_requests(page) == "1"
    screenshot(page, f"{lang}-dashboard-with-request")
    page.locator("main table a[href^='/requests/']").first.click()
    screenshot(page, f"{lang}-request")
    page.locator("form[action$='/execute'] button").click()
    page.locator("a[href$='/preview']").click()
    expect(page.locator("main")).to_contain_text("An Peeters")
    screenshot(page, f"{lang}-letter-preview")
    page.go_back()
    with page.expect_download() as download:
        page.locator("a[href$='/answer.zip']").click()
    saved = download.value.path()
    with zipfile.ZipFile(saved) as answer:
        names = answer.namelist()
    assert any(name.endswith(".pdf") for name in names)
    assert any(name.endswith(".json") for name in names)
    page.locator("form[action$='/send'] button").click()
    page.goto(live.url)
    assert _open_requests(page) == "0"
    screenshot(page, f"{lang}-dashboard-after")
    staff.close()
