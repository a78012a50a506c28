"""A reader in a real browser: Debian's Chromium driven by Playwright against a live server."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from measures.models import Measure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


@pytest.fixture
def browser_page(live_server, load_curated_data):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium and fonts-noto-cjk "
            "(make browser-deps does it)."
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = []
        page.on(
            "console", lambda message: message.type == "error" and problems.append(message.text)
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.base_url = live_server.url
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    assert not problems, f"The browser reported errors: {problems}"


def test_reader_switches_language_filters_and_opens_a_measure(browser_page):
    page = browser_page
    page.goto(page.base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-HK")
    expect(page.get_by_role("heading", level=1)).to_contain_text("香港2026-27年度財政預算案")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(page.base_url + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Every AI measure")

    page.get_by_role("link", name="繁體中文").click()
    expect(page).to_have_url(page.base_url + "/")

    page.get_by_role("navigation", name="主選單").get_by_role("link", name="措施").click()
    expect(page.get_by_role("heading", name="20項措施")).to_be_visible()

    # Choosing a department applies it at once (the script) ...
    with page.expect_navigation():
        page.locator("#facet-bureau").get_by_label("渠務署").check()
    expect(page.get_by_role("heading", name="1項措施")).to_be_visible()
    expect(page.locator(".measure-card h3")).to_have_text(["渠務署提升智慧水浸預測及預警系統"])

    # ... and the language switch keeps the filter.
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(page.base_url + "/en/measures/?bureau=drainage-services-department")
    expect(page.get_by_role("heading", name="1 measure")).to_be_visible()
    page.get_by_role("link", name="繁體中文").click()

    # Remove the department, then type an amount the way a reader writes it.
    page.get_by_role("link", name="移除篩選條件 政策局或部門：渠務署").click()
    page.get_by_label("最少").fill("1億")
    page.get_by_role("button", name="套用篩選").click()
    expected = Measure.objects.filter(amount_hkd__gte=100_000_000).count()
    expect(page.get_by_role("heading", name=f"{expected}項措施")).to_be_visible()
    expect(page.locator(".chip").first).to_contain_text("HK$1億")
    page.screenshot(path=SCREENSHOTS / "measure-list.png", full_page=True)

    page.get_by_role("link", name="30億元「人工智能資助計劃」").click()
    expect(page).to_have_url(page.base_url + "/measures/ai-subsidy-scheme/")
    expect(page.locator(".amount")).to_have_text("HK$30億")
    expect(page.locator("blockquote")).to_contain_text("政府推出的30億元「人工智能資助計劃」")
    page.screenshot(path=SCREENSHOTS / "measure-detail.png", full_page=True)

    assert (SCREENSHOTS / "measure-list.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "measure-detail.png").stat().st_size > 10_000


def test_bad_amount_shows_a_message_in_the_browser(browser_page):
    page = browser_page
    page.goto(page.base_url + "/en/measures/")
    page.get_by_label("At least").fill("lots of money")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("alert").filter(has_text="is not an amount of money")).to_be_visible()
    expect(page.get_by_label("At least")).to_have_attribute("aria-invalid", "true")


def test_the_list_works_on_a_phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/en/measures/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"The page scrolls sideways on a phone ({width}px wide)"
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
