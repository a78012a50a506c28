"""A reader in a real browser: Debian's Chromium driven by Playwright against a live server."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect, sync_playwright

from measures.models import RECORD_MODELS, Measure

# The module's tests run one after another in one test process (make test: --dist loadgroup),
# so they share one Chromium.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium and fonts-noto-cjk "
            "(make browser-deps does it)."
        )
    # Playwright's sync API runs an event loop in this thread while it is open; the ORM calls
    # made by the tests themselves are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser_page(chromium, live_server, load_curated_data):
    """A page of its own (a new browser context: no cookies or storage from other tests)."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.base_url = live_server.url
    page.problems = problems
    yield page
    context.close()
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
    expect(page.get_by_role("heading", name=f"{Measure.objects.count()}項措施")).to_be_visible()

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


def count_of(label_text):
    """The number of measures shown in an option's label, e.g. "Education 3" -> 3."""
    return int(re.search(r"(\d[\d,]*)\s*$", label_text.strip()).group(1).replace(",", ""))


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_ticking_a_filter_keeps_the_readers_place(browser_page, width):
    page = browser_page
    page.set_viewport_size(WIDTHS[width])
    page.goto(page.base_url + "/en/measures/")
    results = page.locator("#results-heading")
    expect(results).to_have_text(f"{Measure.objects.count()} measures")

    # The filters are reached from the top of the page: on a phone through the button above
    # the results, on a desktop in the sidebar.
    toggle = page.get_by_text("Filter (0 active)")
    if width == "phone":
        expect(toggle).to_be_visible()
        assert toggle.bounding_box()["y"] < PHONE["height"] / 2
        option = page.locator('#filter-form input[type="checkbox"]').last
        expect(option).to_be_hidden()
        toggle.click()
    else:
        expect(toggle).to_be_hidden()
        option = page.locator('#filter-form input[type="checkbox"]').last
    expect(option).to_be_visible()
    option_id = option.get_attribute("id")
    label = page.locator(f"label:has(#{option_id})")
    expected = count_of(label.inner_text())

    # The last option is far down the page: the reader has scrolled to it.
    option.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    before = option.bounding_box()["y"]
    with page.expect_navigation():
        option.check()

    after = page.locator(f"#{option_id}")
    expect(after).to_be_checked()
    expect(after).to_be_focused()
    assert page.evaluate("window.scrollY") > 0, "The page went back to the top"
    assert abs(after.bounding_box()["y"] - before) <= 4, "The option moved on the screen"
    noun = "measure" if expected == 1 else "measures"
    expect(results).to_have_text(f"{expected} {noun}")
    # The new count is announced to screen readers.
    expect(page.locator("#results-status")).to_have_text(f"{expected} {noun}")
    expect(page.get_by_text("Filter (1 active)")).to_have_count(1)
    if width == "phone":
        # From inside the filters, the way to the results says how many there are.
        to_results = page.get_by_role("link", name=f"See the {expected} {noun}")
        expect(to_results).to_be_in_viewport()
    page.screenshot(path=SCREENSHOTS / f"list-after-filter-{width}.png")

    # Removing the filter lands on the results heading, with focus there.
    page.get_by_role("link", name=re.compile("^Remove filter")).click()
    page.wait_for_load_state()
    expect(results).to_have_text(f"{Measure.objects.count()} measures")
    expect(results).to_be_focused()


def test_without_javascript_the_filters_land_on_the_results(
    chromium, live_server, load_curated_data
):
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/en/measures/")
        # Without the script the filters are open, first, as they are shown.
        option = page.locator('#filter-form input[type="checkbox"]').first
        expect(option).to_be_visible()
        expected = count_of(page.locator(f"label:has(#{option.get_attribute('id')})").inner_text())
        option.check()
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_load_state()
        assert page.url.endswith("#results-heading")
        assert page.evaluate("window.scrollY") > 0
        heading = page.locator("#results-heading")
        expect(heading).to_have_text(re.compile(rf"^\s*{expected} measures?\s*$"))
        assert -2 < heading.bounding_box()["y"] < PHONE["height"]
    finally:
        context.close()


def test_skip_to_results_on_the_list(browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + "/en/measures/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to results")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_be_in_viewport()


@pytest.mark.parametrize("path", ["/en/funding/", "/en/api/", "/en/bureaux/"])
def test_wide_tables_scroll_with_a_cue_and_the_keyboard_on_a_phone(browser_page, path):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px wide)"
    regions = page.locator(".table-scroll.is-scrollable")
    assert regions.count() > 0, f"No table on {path} is wider than a phone"
    region = regions.first
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "group")
    expect(page.locator(".scroll-hint").first).to_be_visible()
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())


def public_pages():
    """(name, path) of every public page type, in Chinese; English adds /en in front."""
    with translation.override(settings.LANGUAGE_CODE):  # whatever an earlier test activated
        return chinese_pages()


def chinese_pages():
    measure = Measure.objects.order_by("slug").first()
    pages = [
        ("home", "/"),
        ("list", "/measures/"),
        ("measure", measure.get_absolute_url()),
        ("measure-with-developments", "/measures/sandy-ridge-data-facility-cluster/"),
        ("developments", "/developments/"),
        ("sources", "/sources/"),
        ("about", "/about/"),
        ("themes", "/themes/"),
        ("funding", "/funding/"),
        ("timeline", "/timeline/"),
        ("data", "/data/"),
        ("api", "/api/"),
        ("facet-options", "/measures/options/bureau/?kind=education"),
        ("not-found", "/no-such-page/"),
    ]
    for record_type, model in RECORD_MODELS.items():
        pages.append((f"{record_type}-list", model.get_list_url()))
    record = RECORD_MODELS["bureau"].objects.order_by("slug").first()
    pages.append(("record", record.get_absolute_url()))
    return pages


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_every_public_page_passes_axe_in_both_languages(browser_page, width):
    page = browser_page
    page.set_viewport_size(WIDTHS[width])
    axe = Axe()
    failures = []
    visited = 0
    for name, path in public_pages():
        for language, prefix in (("zh", ""), ("en", "/en")):
            response = page.goto(page.base_url + prefix + path)
            assert response.status == (404 if name == "not-found" else 200), path
            page.wait_for_load_state("load")
            results = axe.run(page)
            if results.violations_count:
                failures.append(f"{prefix}{path} ({width}):\n{results.generate_report()}")
            shot = SCREENSHOTS / f"{name}-{language}-{width}.png"
            page.screenshot(path=shot, full_page=True)
            assert shot.stat().st_size > 5_000
            visited += 1
    assert visited == 2 * len(public_pages())
    # The 404 pages' own status is the only thing the browser may complain of.
    page.problems[:] = [p for p in page.problems if "status of 404" not in p]
    assert not failures, "\n\n".join(failures)


def contrast(first, second):
    """The WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(colour):
        channels = [int(part) / 255 for part in re.findall(r"[\d.]+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_focus_ring_and_field_borders_stand_out(browser_page):
    page = browser_page
    page.goto(page.base_url + "/en/measures/")
    page.keyboard.press("Tab")  # the skip link, on white
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the site's name, on the white header
    focused = page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return [style.outlineStyle, style.outlineWidth, style.outlineColor];
        }"""
    )
    assert focused[0] == "solid" and float(focused[1].rstrip("px")) >= 2
    for background in ("rgb(255, 255, 255)", "rgb(244, 246, 250)"):  # the paper and the wash
        assert contrast(focused[2], background) >= 3, focused[2]
    border = page.locator("#id_q").evaluate("el => getComputedStyle(el).borderTopColor")
    assert contrast(border, "rgb(255, 255, 255)") >= 3, border


def test_a_printed_list_shows_the_measures_not_the_menus(browser_page):
    page = browser_page
    page.goto(page.base_url + "/en/measures/")
    page.emulate_media(media="print")
    expect(page.locator(".main-nav")).to_be_hidden()
    expect(page.locator("#filter-panel")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".measure-card").first).to_be_visible()
    expect(page.locator("#results-heading")).to_be_visible()
    page.goto(page.base_url + "/en/measures/ai-subsidy-scheme/")
    expect(page.locator(".main-nav")).to_be_hidden()
    expect(page.locator("blockquote")).to_be_visible()
    page.pdf(path=SCREENSHOTS / "measure-printed.pdf")
    assert (SCREENSHOTS / "measure-printed.pdf").stat().st_size > 10_000


def test_on_a_phone_a_filter_that_cannot_be_used_keeps_the_filters_open(browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + "/en/measures/?amount_min=lots")
    expect(page.get_by_role("alert").filter(has_text="is not an amount of money")).to_be_visible()
    page.goto(page.base_url + "/en/measures/")
    expect(page.get_by_label("At least")).to_be_hidden()


# Content Security Policy violations, as the page reports them (the console says less).
CSP_LISTENER = """
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", event => window.cspViolations.push(
        `${event.effectiveDirective} blocked at ${event.sourceFile}:${event.lineNumber}`
    ));
"""


def log_in_to_the_admin(page):
    from django.contrib.auth.models import Group, User

    from measures.editors import EDITORS_GROUP

    user = User.objects.create_user("editor2", password="a long editor password", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    page.goto(page.base_url + "/admin/login/")
    page.fill("#id_username", "editor2")
    page.fill("#id_password", "a long editor password")
    page.click("input[type=submit]")


def admin_change_pages():
    """The change pages of the measure and the body (a record) with the longest names, and of
    the measure with the most developments (each a row of its own, with a link to the site)."""
    from django.db.models import Count

    from measures.models import Record

    measure = max(Measure.objects.all(), key=lambda each: len(str(each)))
    record = max(Record.objects.filter(type="bureau"), key=lambda each: len(str(each)))
    followed = Measure.objects.annotate(n=Count("developments")).order_by("-n", "pk").first()
    return [
        f"/admin/measures/measure/{measure.pk}/change/",
        f"/admin/measures/bureau/{record.pk}/change/",
        f"/admin/measures/measure/{followed.pk}/change/",
    ]


def use_the_admin_in(page, language):
    """The editor's choice of language, with the switch in the admin's header."""
    switch = page.locator(".language-switch")
    button = switch.get_by_role("button", name="中文" if language == "zh" else "English")
    if button.is_enabled():
        with page.expect_navigation():
            button.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant" if language == "zh" else "en")


def test_the_admin_change_pages_have_no_accessibility_violations(browser_page):
    page = browser_page
    page.add_init_script(CSP_LISTENER)
    log_in_to_the_admin(page)
    axe = Axe()
    failures = []
    for language in ("en", "zh"):
        for path in admin_change_pages():
            response = page.goto(page.base_url + path)
            assert response.status == 200, path
            use_the_admin_in(page, language)
            expect(page.locator(".select2-selection").first).to_be_visible()
            name = "-".join(path.split("/")[3:5])  # measure-12, bureau-8
            page.screenshot(path=str(SCREENSHOTS / f"admin-{name}-{language}.png"), full_page=True)
            # The site's CSP blocks nothing the page does, autocomplete boxes included.
            assert page.evaluate("window.cspViolations") == [], path
            logged = len(page.problems)
            results = axe.run(page)
            if results.violations_count:
                failures.append(f"{path} ({language}):\n{results.generate_report()}")
            # axe itself reads the style sheets through <style> elements it adds, which the
            # CSP blocks; the page did nothing of the kind (checked above).
            page.problems[logged:] = [
                problem
                for problem in page.problems[logged:]
                if "Applying inline style violates" not in problem
            ]
    assert not failures, "\n\n".join(failures)


def test_the_admins_autocomplete_boxes_and_history_without_csp_violations(browser_page):
    page = browser_page
    page.add_init_script(CSP_LISTENER)
    log_in_to_the_admin(page)
    page.goto(page.base_url + admin_change_pages()[0])
    # A theme typed into the box of several values ...
    page.get_by_role("searchbox", name="Themes").fill("flood")
    page.get_by_role("option", name=re.compile("Flooding")).click()
    # ... and a record chosen in a new row of linked records.
    page.locator("#record_links-group .add-row a").click()
    page.locator(".dynamic-record_links").last.get_by_role("combobox", name="record").click()
    page.get_by_role("searchbox", name="record").fill("Vocational")
    page.get_by_role("option", name=re.compile("Vocational Training Council")).click()
    expect(
        page.locator(".dynamic-record_links").last.locator(".select2-selection")
    ).to_contain_text("Vocational Training Council")
    assert page.evaluate("window.cspViolations") == []
    # The measure's history, too.
    page.goto(page.base_url + admin_change_pages()[0].replace("/change/", "/history/"))
    expect(page.locator("#change-history")).to_be_visible()
    assert page.evaluate("window.cspViolations") == []


WIDTHS_TO_CHECK = [390, 768, 1366]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_object_title_does_not_run_under_the_history_button(browser_page, language):
    page = browser_page
    log_in_to_the_admin(page)
    overlaps = []
    for path in admin_change_pages():
        page.goto(page.base_url + path)
        use_the_admin_in(page, language)
        for width in WIDTHS_TO_CHECK:
            page.set_viewport_size({"width": width, "height": 900})
            # The title's text, line by line (its box is as wide as the page).
            lines = page.locator("#content > h2").evaluate(
                """title => {
                    const range = document.createRange();
                    range.selectNodeContents(title);
                    return Array.from(range.getClientRects(), line => ({
                        x: line.x, y: line.y, width: line.width, height: line.height
                    }));
                }"""
            )
            assert lines, path
            buttons = page.locator(".object-tools a")
            expect(buttons.first).to_be_visible()
            for button in buttons.all():
                box = button.bounding_box()
                if any(overlap(line, box) for line in lines):
                    overlaps.append(f"{path} at {width}px: {button.inner_text()}")
            page.screenshot(path=str(SCREENSHOTS / f"admin-title-{language}-{width}.png"))
    assert not overlaps, overlaps


def overlap(first, second):
    return (
        first["x"] < second["x"] + second["width"]
        and second["x"] < first["x"] + first["width"]
        and first["y"] < second["y"] + second["height"]
        and second["y"] < first["y"] + first["height"]
    )


@pytest.mark.parametrize("path", ["/en/funding/", "/funding/", "/en/timeline/", "/timeline/"])
def test_chart_text_is_readable_on_a_phone(browser_page, path):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + path)
    sizes = page.eval_on_selector_all(
        ".chart :is(span, a, li, text, figcaption)",
        """elements => elements
            .filter(e => e.getClientRects().length && e.textContent.trim())
            .map(e => {
                const box = e.getBoundingClientRect();
                const scale = e.ownerSVGElement ? box.height / e.getBBox().height : 1;
                return parseFloat(getComputedStyle(e).fontSize) * (isFinite(scale) ? scale : 1);
            })""",
    )
    assert sizes, f"no chart text on {path}"
    assert min(sizes) >= 12, f"chart text of {min(sizes):.1f} px on {path}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_the_timeline_bars_are_thin_and_every_one_shows_the_year_gridlines(browser_page, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base_url + "/en/timeline/")
    root_font = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    heights = page.eval_on_selector_all(
        ".tbar-svg", "svgs => svgs.map(svg => svg.getBoundingClientRect().height)"
    )
    assert heights and min(heights) > 0 and max(heights) <= 1.1 * root_font, heights
    # Each bar shows the year gridlines drawn once on the page (the axis spans several years).
    lines = page.eval_on_selector_all("#tbar-grid line", "lines => lines.length")
    assert lines >= 2
    uses = page.eval_on_selector_all(
        ".tbar-svg use",
        "uses => uses.map(use => use.getBoundingClientRect().width > 0 ? use.href.baseVal : '')",
    )
    assert len(uses) == len(heights) and set(uses) == {"#tbar-grid"}
