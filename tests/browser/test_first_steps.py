"""In the browser: the first administrator, signing in and out, the language switch."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveServer, first_admin, screenshot


def test_the_first_administrator_signs_up_then_out_and_in_again(
    page: Page, live: LiveServer
) -> None:
    page.goto(live.url)
    expect(page).to_have_url(f"{live.url}/setup")
    screenshot(page, "setup")
    first_admin(page, live)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".who")).to_have_text("coordinator")
    screenshot(page, "dashboard")
    page.locator("form[action='/logout'] button").click()
    expect(page).to_have_url(f"{live.url}/login")
    page.locator("#f-name").fill("coordinator")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("form[action='/login'] button").click()
    expect(page.locator(".who")).to_have_text("coordinator")


def test_the_language_switch_changes_the_interface(page: Page, live: LiveServer) -> None:
    first_admin(page, live)
    page.get_by_role("button", name="FR", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="NL", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
