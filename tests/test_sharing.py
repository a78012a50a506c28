"""What search engines and link previews read: sitemap.xml, robots.txt and each page's head
(canonical, alternates in both languages, description, Open Graph and Twitter tags); and the
signposts a reader sees (current section, current record type, plain words)."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation

from measures.models import RECORD_MODELS, Measure, Record

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ORIGIN = "http://testserver"


class Head(HTMLParser):
    """The <meta> and <link> tags of a page, as lists of attribute dictionaries."""

    def __init__(self, page):
        super().__init__()
        self.metas, self.links = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            self.metas.append(dict(attrs))
        elif tag == "link":
            self.links.append(dict(attrs))

    def meta(self, key):
        values = [
            tag["content"]
            for tag in self.metas
            if tag.get("name") == key or tag.get("property") == key
        ]
        assert len(values) == 1, f"{key}: {values}"
        return values[0]

    def canonical(self):
        (link,) = [link["href"] for link in self.links if link.get("rel") == "canonical"]
        return link

    def alternates(self):
        """The page in each language (the other alternates are feeds)."""
        return {
            link["hreflang"]: link["href"]
            for link in self.links
            if link.get("rel") == "alternate" and "hreflang" in link
        }


def head(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return Head(response.content.decode())


def test_a_measure_page_describes_itself_for_search_and_sharing(client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    tags = head(client, "/en/measures/ai-subsidy-scheme/")
    assert tags.meta("description") == measure.summary_en[:199].rstrip() + (
        "…" if len(measure.summary_en) > 200 else measure.summary_en[199:]
    )
    assert tags.canonical() == f"{ORIGIN}/en/measures/ai-subsidy-scheme/"
    assert tags.alternates() == {
        "zh-Hant": f"{ORIGIN}/measures/ai-subsidy-scheme/",
        "en": f"{ORIGIN}/en/measures/ai-subsidy-scheme/",
        "x-default": f"{ORIGIN}/measures/ai-subsidy-scheme/",
    }
    assert tags.meta("og:title") == measure.name_en
    assert tags.meta("og:type") == "article"
    assert tags.meta("og:url") == tags.canonical()
    assert tags.meta("og:locale") == "en_HK"
    assert tags.meta("og:description") == tags.meta("description")
    assert tags.meta("og:image") == f"{ORIGIN}/static/images/apple-touch-icon.png"
    assert tags.meta("twitter:card") == "summary"
    assert tags.meta("twitter:title") == measure.name_en

    chinese = head(client, "/measures/ai-subsidy-scheme/")
    assert chinese.meta("og:title") == measure.name_zh
    assert chinese.meta("description") == measure.summary_zh
    assert chinese.meta("og:locale") == "zh_HK"
    assert chinese.canonical() == f"{ORIGIN}/measures/ai-subsidy-scheme/"


def test_a_record_page_is_described_by_its_description_or_a_sentence_naming_it(client):
    bureau = RECORD_MODELS["bureau"]
    described = bureau.objects.exclude(description_en="").first()
    with translation.override("zh-hant"):
        path = described.get_absolute_url()
    tags = head(client, "/en" + path)
    assert tags.meta("description").rstrip("…") in described.description_en
    assert tags.meta("og:title") == described.name_en

    described.description_en = described.description_zh = ""
    described.save()
    tags = head(client, "/en" + path)
    assert tags.meta("description").startswith(f"{described.name_en}: its AI measures")
    tags = head(client, path)
    assert tags.meta("description").startswith(f"{described.name_zh}：")


@pytest.mark.parametrize(
    "path", ["/", "/measures/", "/themes/", "/funding/", "/timeline/", "/data/", "/api/"]
)
def test_every_page_has_its_own_description_and_addresses(client, path):
    chinese, english = head(client, path), head(client, "/en" + path)
    assert chinese.meta("description") != english.meta("description")
    assert len(english.meta("description")) > 50
    assert english.canonical() == f"{ORIGIN}/en{path}"
    assert english.alternates()["x-default"] == f"{ORIGIN}{path}"
    assert chinese.alternates()["en"] == f"{ORIGIN}/en{path}"
    assert any(
        link.get("rel") == "apple-touch-icon" and link["href"].endswith(".png")
        for link in english.links
    )


def test_a_filtered_list_names_the_whole_list_as_canonical(client):
    tags = head(client, "/en/measures/?theme=education&sort=-amount")
    assert tags.canonical() == f"{ORIGIN}/en/measures/"
    assert tags.alternates()["zh-Hant"] == f"{ORIGIN}/measures/"


def test_a_shared_filtered_list_opens_with_its_filters(client):
    tags = head(client, "/en/measures/?theme=education&sort=-amount&utm_source=x")
    assert tags.meta("og:url") == f"{ORIGIN}/en/measures/?sort=-amount&theme=education"


def test_the_touch_icon_is_a_png():
    path = finders.find("images/apple-touch-icon.png")
    with open(path, "rb") as icon:
        assert icon.read(8) == b"\x89PNG\r\n\x1a\n"


def sitemap_urls(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def test_the_sitemap_lists_every_page_in_both_languages_with_alternates(client):
    index = sitemap_urls(client, "/sitemap.xml")
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert f"{ORIGIN}/sitemap-measures.xml" in sections
    assert f"{ORIGIN}/sitemap-pages.xml" in sections
    for model in RECORD_MODELS.values():
        assert f"{ORIGIN}/sitemap-{model.url_segment}.xml" in sections

    addresses = {}
    for section in sections:
        for url in sitemap_urls(client, section.removeprefix(ORIGIN)).iter(f"{SITEMAP}url"):
            alternates = {
                link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")
            }
            addresses[url.find(f"{SITEMAP}loc").text] = alternates

    for measure in Measure.objects.all():
        chinese = f"{ORIGIN}/measures/{measure.slug}/"
        english = f"{ORIGIN}/en/measures/{measure.slug}/"
        expected = {"zh-hant": chinese, "en": english, "x-default": chinese}
        assert addresses[chinese] == expected
        assert addresses[english] == expected
    for model in RECORD_MODELS.values():
        for record in model.objects.all():
            assert f"{ORIGIN}/en{record.get_absolute_url()}" in addresses
            assert f"{ORIGIN}{record.get_absolute_url()}" in addresses
    for path in ["/", "/measures/", "/themes/", "/funding/", "/timeline/", "/data/", "/api/"]:
        assert f"{ORIGIN}{path}" in addresses
        assert f"{ORIGIN}/en{path}" in addresses
    # Every address in it is a page that exists.
    for address in list(addresses)[:: max(1, len(addresses) // 25)]:
        assert client.get(address.removeprefix(ORIGIN)).status_code == 200, address


def test_robots_txt_allows_the_site_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in lines
    assert "Disallow: /" not in lines
    assert client.head("/robots.txt").status_code == 200  # as crawlers may ask first


def current_links(page):
    return re.findall(r'<a href="([^"]+)" aria-current="(page|true)">([^<]+)</a>', page)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/en/measures/", [("/en/measures/", "page", "Measures")]),
        ("/en/measures/ai-subsidy-scheme/", [("/en/measures/", "true", "Measures")]),
        ("/en/bureaux/", [("/en/bureaux/", "page", "Bureaux and departments")]),
        ("/themes/", [("/themes/", "page", "主題")]),
        ("/en/funding/", [("/en/funding/", "page", "Funding overview")]),
        ("/en/timeline/", [("/en/timeline/", "page", "Timeline")]),
        ("/en/api/", [("/en/data/", "true", "Download the data")]),
        ("/en/", []),
    ],
)
def test_the_main_menu_marks_the_current_section(client, path, expected):
    page = client.get(path).content.decode()
    menu = page[page.index('class="main-nav"') : page.index("</nav>")]
    assert current_links(menu) == expected


def test_the_record_type_tabs_mark_the_current_type(client):
    page = client.get("/en/committees/").content.decode()
    tabs = page[page.index('class="type-tabs"') :]
    tabs = tabs[: tabs.index("</nav>")]
    assert '<span aria-current="page">Committees</span>' in tabs
    assert '<a href="/en/bureaux/">Bureaux and departments</a>' in tabs


def visible_text(page):
    body = page[page.index("<body>") :]
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_readers_see_one_word_per_thing_and_no_database_words(client, prefix):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    bureau = RECORD_MODELS["bureau"].objects.first()
    with translation.override("zh-hant"):
        pages = ["/", "/measures/", measure.get_absolute_url(), bureau.get_absolute_url(), "/data/"]
        pages += [model.get_list_url() for model in RECORD_MODELS.values()]
    database_words = (
        r"紀錄|revision|\bRecords?\b|type of record|this record|Departments\b|and bodies"
    )
    for path in pages:
        text = visible_text(client.get(prefix + path).content.decode())
        assert not re.search(database_words, text), (path, re.search(database_words, text))
        if prefix:
            assert "Bureaux and departments" in text
        else:
            assert "政策局及部門" in text
            assert "部門<" not in text
            # Chinese labels end in a full-width colon.
            assert not re.search(r"[\u4e00-\u9fff]: ", text), path


def test_recently_edited_says_what_each_item_is_and_that_the_date_is_our_edit(client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    measure.save()  # now the most recent edit
    page = client.get("/en/").content.decode()
    recent = page[page.index('id="recent-heading"') :]
    assert "Recently edited on this site" in recent
    first = recent[recent.index("<li>") : recent.index("</li>")]
    assert '<span class="item-type">Measure</span>' in first
    assert measure.name_en in first
    assert "edited on this site" in first
    chinese = client.get("/").content.decode()
    assert "本網站最近編輯" in chinese

    cyberport = Record.objects.get(slug="cyberport")
    cyberport.save()
    page = client.get("/en/").content.decode()
    recent = page[page.index('id="recent-heading"') :]
    first = recent[recent.index("<li>") : recent.index("</li>")]
    assert '<span class="item-type">Public body</span>' in first and "Cyberport" in first


def test_english_quotes_say_the_source_is_chinese(client):
    english = client.get("/en/measures/ai-subsidy-scheme/").content.decode()
    assert "The source is in Chinese" in english
    chinese = client.get("/measures/ai-subsidy-scheme/").content.decode()
    assert "The source is in Chinese" not in chinese
    assert "資料來源為中文" not in chinese


@pytest.mark.parametrize(
    ("query", "summary"),
    [
        ("", "Filter (0 active)"),
        ("?sort=-amount", "Filter (0 active)"),
        ("?theme=education&kind=education&sort=name", "Filter (2 active)"),
        ("?amount_min=abc&start_year=x&kind=bogus&q=!!&bureau=nope", "Filter (0 active)"),
        ("?kind=education&kind=bogus&theme=education", "Filter (1 active)"),
    ],
)
def test_the_filter_button_counts_the_filters_in_use_but_not_the_sort(client, query, summary):
    page = client.get("/en/measures/" + query).content.decode()
    assert f'<summary class="filter-toggle">{summary}</summary>' in page
    # It sits before the results, as it is shown, and a link skips to them.
    assert page.index('class="filter-toggle"') < page.index('id="results-heading"')
    assert '<a class="skip-link" href="#results-heading">Skip to results</a>' in page
