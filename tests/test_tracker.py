"""The tracker: sources with addresses, dated developments, earlier Budgets' commitments and
relations between measures, in the pages, the API, the CSV and the feeds, in both languages."""

import csv
import datetime
import io
import re
from urllib.parse import urlparse

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import translation
from django.utils.html import escape

from measures.developments.feeds import FEED_LENGTH
from measures.models import (
    Budget,
    Citation,
    Development,
    DevelopmentFigure,
    Measure,
    MeasureCount,
    MeasureRelation,
    Record,
    Source,
    Theme,
)
from measures.templatetags.measures_extras import chinese_marked

from .conftest import SOURCE_ARTICLE

pytestmark = pytest.mark.django_db

SANDY_RIDGE = "sandy-ridge-data-facility-cluster"
INSTITUTE = "hk-ai-rnd-institute"
SPEECH_2026 = "https://www.budget.gov.hk/2026/eng/budget07.html"
LAND_PREMIUM = 581_000_000
INVESTMENT = 23_800_000_000


def text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


# --- Sources ------------------------------------------------------------------------------------


def test_every_source_has_an_address_and_a_date():
    sources = list(Source.objects.all())
    assert len(sources) >= 10
    for source in sources:
        assert source.url.startswith(("https://", "http://")), source.slug
        assert isinstance(source.published_on, datetime.date), source.slug


def test_every_citation_of_a_numbered_source_gives_its_paragraph():
    numbered = Citation.objects.filter(source__has_numbered_paragraphs=True)
    assert numbered.count() >= 6
    assert not numbered.filter(paragraph__isnull=True).exists()


def test_quotes_are_only_taken_from_the_source_we_hold():
    assert not Citation.objects.exclude(quote_zh="").filter(source__full_text_held=False).exists()
    assert Source.objects.get(full_text_held=True).url.startswith(
        "https://www.stheadline.com/society/3547353/"
    )


def test_a_citation_without_paragraph_of_a_numbered_source_is_refused_by_the_form():
    citation = Citation(
        source=Source.objects.get(slug="budget-speech-2026-27-ai"),
        measure=Measure.objects.get(slug=INSTITUTE),
    )
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            citation.full_clean()
        assert error.value.message_dict["paragraph"] == [
            "This source numbers its paragraphs: give the paragraph."
        ]


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_measures_citing_the_speech_link_to_it(client, prefix):
    cited = Measure.objects.filter(citations__source__slug="budget-speech-2026-27-ai")
    assert set(cited.values_list("citations__paragraph", flat=True)) >= {35, 36, 37, 38}
    for measure in cited:
        page = text(client.get(f"{prefix}measures/{measure.slug}/"))
        assert f'href="{SPEECH_2026}"' in page
        paragraph = measure.citations.get(source__slug="budget-speech-2026-27-ai").paragraph
        label = "paragraph" if prefix == "/en/" else "第"
        assert re.search(rf"{label}\s*{paragraph}", page), measure.slug


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_sources_page_lists_every_source_and_what_it_supports(client, prefix):
    page = text(client.get(f"{prefix}sources/"))
    for source in Source.objects.all():
        assert f'id="{source.slug}"' in page
        assert f'href="{source.url}"' in page
    sandy_ridge = Measure.objects.get(slug=SANDY_RIDGE)
    assert f'href="{prefix}measures/{SANDY_RIDGE}/"' in page
    assert sandy_ridge.name_en in page or sandy_ridge.name_zh in page


# --- Developments -------------------------------------------------------------------------------


def test_a_measure_shows_its_developments_newest_first_with_status_as_of(client):
    page = text(client.get(f"/en/measures/{INSTITUTE}/"))
    board = page.index('id="development-board-appointed"')
    preparing = page.index('id="development-preparations-final-stage"')
    assert board < preparing
    assert "2026-03-12" in page and "2026-02-26" in page
    assert "as of 2026-03-12" in page
    assert "Harry Shum" in page
    chinese = text(client.get(f"/measures/{INSTITUTE}/"))
    assert "沈向洋" in chinese


def test_a_month_only_development_shows_its_month(client):
    page = text(client.get(f"/en/measures/{SANDY_RIDGE}/"))
    assert '<time datetime="2026-03">2026-03</time>' in page
    assert "https://www.info.gov.hk/gia/general/202604/22/P2026042200281.htm" in page


@pytest.mark.parametrize(
    ("prefix", "badge"), [("/en/", "Before the Budget"), ("/", "預算案公布前")]
)
def test_a_development_before_the_budget_is_marked_as_such(client, prefix, badge):
    pages = [client.get(f"{prefix}measures/{SANDY_RIDGE}/"), client.get(f"{prefix}developments/")]
    marked = f'<span class="budget-badge">{badge}</span>'
    for page in map(text, pages):
        for development in Development.objects.filter(measure__slug=SANDY_RIDGE):
            item = page.split(f'id="development-{development.slug}"', 1)[1].split("</li>", 1)[0]
            before = development.happened_on < datetime.date(2026, 2, 25)
            assert (marked in item) == before, development.slug
    # The curated data has both kinds, so both were looked at.
    dates = Development.objects.filter(measure__slug=SANDY_RIDGE).values_list("happened_on")
    assert min(dates)[0] < datetime.date(2026, 2, 25) < max(dates)[0]


def institute_opens(measure):
    """A development of ``measure`` moving it to "in operation" on 1 September 2026."""
    return Development.objects.create(
        measure=measure,
        slug="opened",
        happened_on=datetime.date(2026, 9, 1),
        text_zh="研發院投入運作。",
        text_en="The institute came into operation.",
        status="in_operation",
    )


def test_a_development_moves_the_status_and_deleting_it_moves_it_back(client):
    measure = Measure.objects.get(slug=INSTITUTE)
    assert (measure.status, measure.status_as_of) == ("in_preparation", datetime.date(2026, 3, 12))
    opening = institute_opens(measure)
    measure.refresh_from_db()
    assert (measure.status, measure.status_as_of) == ("in_operation", datetime.date(2026, 9, 1))
    operating = client.get("/api/measures/", {"status": "in_operation"}).json()["results"]
    assert INSTITUTE in [item["slug"] for item in operating]
    opening.delete()
    measure.refresh_from_db()
    assert (measure.status, measure.status_as_of) == ("in_preparation", datetime.date(2026, 3, 12))


def test_editing_the_status_when_announced_keeps_a_later_development_status():
    measure = Measure.objects.get(slug=INSTITUTE)
    institute_opens(measure)
    measure.refresh_from_db()
    measure.status_at_announcement = "announced"
    measure.save()
    measure.refresh_from_db()
    assert measure.status == "in_operation"


def developments_shown(response):
    return [development.slug for development in response.context["page_obj"]]


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_developments_page_lists_them_all_newest_first(client, prefix):
    response = client.get(f"{prefix}developments/")
    shown = [d.happened_on for d in response.context["page_obj"]]
    assert len(shown) == Development.objects.count()
    assert shown == sorted(shown, reverse=True)
    assert 'type="application/atom+xml"' in text(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"measure": SANDY_RIDGE}, {"tender-opened", "tender-awarded", "construction-began"}),
        ({"body": "digital-policy-office"}, set()),
        ({"month": "2026-03"}, {"tender-awarded", "construction-began", "board-appointed"}),
        ({"status_changed": "true"}, {"open-for-applications"}),
        ({"status": "in_operation"}, {"open-for-applications"}),
        ({"body": "cyberport"}, {"open-for-applications"}),
    ],
)
def test_the_developments_page_filters(client, query, expected):
    response = client.get("/developments/", query)
    assert set(developments_shown(response)) == expected
    api = client.get("/api/developments/", query).json()
    assert {(row["measure"], row["date"]) for row in api["results"]} == {
        (d.measure.slug, d.happened_on.isoformat())
        for d in Development.objects.filter(slug__in=expected)
    }


def test_the_developments_form_sent_untouched_shows_every_development_at_a_short_address(
    client,
):
    untouched = {"measure": "", "body": "", "month": "", "status_changed": "", "status": ""}
    response = client.get("/en/developments/", untouched)
    assert response.status_code == 302 and response["Location"] == "/en/developments/"
    response = client.get("/en/developments/", {**untouched, "body": "cyberport"})
    assert response["Location"] == "/en/developments/?body=cyberport"
    api = client.get("/api/developments/", untouched)
    assert api.status_code == 200 and api.json()["count"] == Development.objects.count()


def test_an_unknown_option_of_the_developments_filters_is_explained(client):
    response = client.get("/en/api/developments/", {"measure": "nope", "status_changed": "maybe"})
    assert response.status_code == 400
    assert response.json() == {
        "measure": ["“nope” is not one of this filter’s options."],
        "status_changed": ["“maybe” is not one of this filter’s options."],
    }


def test_a_chinese_name_in_an_english_development_is_marked_as_chinese(client):
    development = Development.objects.get(slug="tender-awarded")
    assert "香港潤江智算科技有限公司" in development.text_en
    page = client.get("/en/developments/").content.decode()
    assert '<span lang="zh-Hant-HK">香港潤江智算科技有限公司</span>' in page
    chinese = client.get("/developments/").content.decode()
    assert 'lang="zh-Hant-HK">香港潤江' not in chinese  # the page itself is Chinese


def test_marking_chinese_escapes_the_rest_of_the_text():
    assert chinese_marked("<b>Shum (沈向洋) & Sin</b>") == (
        '&lt;b&gt;Shum (<span lang="zh-Hant-HK">沈向洋</span>) &amp; Sin&lt;/b&gt;'
    )


def test_a_developments_filter_that_takes_one_value_given_two_is_a_400(client):
    query = {"month": ["2026-03", "2026-02"], "status_changed": ["true", "false"]}
    response = client.get("/en/api/developments/", query)
    assert response.status_code == 400
    assert response.json() == dict.fromkeys(
        ["month", "status_changed"], ["This filter takes one value, not 2."]
    )


def menu_options(page, select_id):
    select = re.search(rf'<select id="{select_id}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"( selected)?', select)


def test_the_developments_menus_list_the_busiest_and_the_selected(client, monkeypatch):
    from measures.developments import views

    with_developments = (
        Measure.objects.filter(developments__isnull=False).distinct().order_by("slug")
    )
    assert with_developments.count() >= 2
    page = text(client.get("/en/developments/"))
    assert [slug for slug, _ in menu_options(page, "development-measure")] == list(
        with_developments.order_by("name_en").values_list("slug", flat=True)
    )
    assert "with the most developments are listed" not in page

    monkeypatch.setattr(views, "MENU_LIMIT", 1)
    page = text(client.get("/en/developments/"))
    assert menu_options(page, "development-measure") == [(SANDY_RIDGE, "")]
    assert (
        f"The 1 measures with the most developments are listed, of {with_developments.count()}"
        in page
    )
    assert len(menu_options(page, "development-body")) == 1
    assert "The 1 bodies with the most developments are listed" in page
    chinese = text(client.get("/developments/"))
    assert "此處列出發展最多的 1 項措施" in chinese
    assert "此處列出發展最多的 1 個政策局或部門" in chinese

    other = with_developments.exclude(slug=SANDY_RIDGE).first()
    page = text(client.get("/en/developments/", {"measure": other.slug}))
    assert sorted(menu_options(page, "development-measure")) == sorted(
        [(SANDY_RIDGE, ""), (other.slug, " selected")]
    )
    assert set(developments_shown(client.get("/en/developments/", {"measure": other.slug}))) == set(
        other.developments.values_list("slug", flat=True)
    )


def test_a_body_or_measure_without_developments_chosen_shows_in_its_menu(client):
    # A link to the developments of the HKMA (none yet) must not look like "any body".
    assert not Development.objects.filter(measure__record_links__record__slug="hkma").exists()
    response = client.get("/en/developments/", {"body": "hkma"})
    page = text(response)
    assert ("hkma", " selected") in menu_options(page, "development-body")
    assert developments_shown(response) == []
    quiet = Measure.objects.filter(developments__isnull=True).order_by("pk").first()
    page = text(client.get("/en/developments/", {"measure": quiet.slug}))
    assert (quiet.slug, " selected") in menu_options(page, "development-measure")
    assert f'<option value="{quiet.slug}" selected>{escape(quiet.name_en)} (0)</option>' in page


def test_a_bad_month_is_a_message_on_the_page_and_a_400_in_the_api(client):
    response = client.get("/en/developments/", {"month": "March"})
    assert response.status_code == 200
    assert "Give a month as YYYY-MM" in text(response)
    assert len(developments_shown(response)) == Development.objects.count()
    api = client.get("/api/developments/", {"month": "2026-13"})
    assert api.status_code == 400
    assert "month" in api.json()


def test_a_december_is_a_month_like_any_other_up_to_the_last_one(client):
    Development.objects.create(
        measure=Measure.objects.get(slug=SANDY_RIDGE),
        slug="year-end-review",
        happened_on=datetime.date(2025, 12, 31),
        text_zh="年終檢討。",
        text_en="Year-end review.",
    )
    assert developments_shown(client.get("/en/developments/", {"month": "2025-12"})) == [
        "year-end-review"
    ]
    assert "year-end-review" not in developments_shown(
        client.get("/en/developments/", {"month": "2026-01"})
    )
    for url in ("/en/developments/", "/api/developments/"):
        response = client.get(url, {"month": "9999-12"})
        assert response.status_code == 200
    assert developments_shown(client.get("/en/developments/", {"month": "9999-12"})) == []
    assert client.get("/api/developments/", {"month": "9999-12"}).json()["count"] == 0


def test_the_home_page_shows_the_latest_developments(client):
    page = text(client.get("/en/"))
    latest = Development.objects.order_by("-happened_on", "-pk").first()
    assert f'id="development-{latest.slug}"' in page
    assert "Latest developments" in page


# --- Feeds --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "language", "title"),
    [("/", "zh-hant", "發展"), ("/en/", "en", "Developments")],
)
def test_the_feed_of_every_development_is_valid_atom_in_each_language(
    client, prefix, language, title
):
    response = client.get(f"{prefix}developments.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert title in feed.feed.title
    assert len(feed.entries) == Development.objects.count()
    assert feed.entries[0].link.startswith(f"http://testserver{prefix}measures/")
    guids = {entry.id for entry in feed.entries}
    assert len(guids) == len(feed.entries)
    assert all(entry.id.endswith(f"/{language}") for entry in feed.entries)
    english = feedparser.parse(client.get("/en/developments.atom").content)
    chinese = feedparser.parse(client.get("/developments.atom").content)
    assert english.entries[0].summary != chinese.entries[0].summary
    # RFC 4287: a feed whose entries have no author of their own names one.
    assert feed.feed.author


@pytest.mark.parametrize(("prefix", "language"), [("/", "zh-hant"), ("/en/", "en")])
def test_a_feed_entry_is_titled_by_what_happened_and_names_its_measure_inside(
    client, prefix, language
):
    feed = feedparser.parse(client.get(f"{prefix}developments.atom").content)
    entries = {entry.link: entry for entry in feed.entries}
    assert len(entries) == min(Development.objects.count(), FEED_LENGTH)
    with translation.override(language):
        for development in Development.objects.for_display().newest_first()[:FEED_LENGTH]:
            entry = entries[f"http://testserver{development.get_absolute_url()}"]
            date = entry.title.split(" ", 1)[0]
            assert development.happened_on.isoformat().startswith(date)
            assert entry.title.split(" ", 1)[1][:20] == development.text[:20]
            assert development.measure.name in entry.summary


@pytest.mark.parametrize(("prefix", "label"), [("/", "措施："), ("/en/", "Measure:")])
def test_the_developments_page_says_which_measure_each_development_is_of(client, prefix, label):
    page = text(client.get(f"{prefix}developments/"))
    shown = re.findall(r'<p class="development-measure">(.*?)</p>', page)
    assert len(shown) == Development.objects.count()
    assert all(f'<span class="muted">{label}</span> <a href=' in line for line in shown)


def test_an_unknown_option_on_the_developments_page_names_its_filter(client):
    response = client.get("/en/developments/", {"measure": "nope", "status_changed": "maybe"})
    page = text(response)
    form = response.context["filter"].form
    for name, value in (("measure", "nope"), ("status_changed", "maybe")):
        label = str(form.fields[name].label)
        expected = f"{label[0].upper()}{label[1:]}: “{value}” is not one of this filter’s options."
        assert expected in page.replace("&quot;", '"')


def test_a_control_character_pasted_into_a_text_leaves_the_feeds_valid(client):
    measure = Measure.objects.get(slug=SANDY_RIDGE)
    measure.name_en = "Sandy Ridge\x0bdata facility cluster"
    measure.save()
    Development.objects.create(
        measure=measure,
        slug="pasted",
        happened_on=datetime.date(2026, 4, 1),
        text_zh="從文件貼上\x0b的文字。",
        text_en="Text pasted\x0bfrom a document.",
    )
    for url in ("/en/developments.atom", f"/en/measures/{SANDY_RIDGE}/developments.atom"):
        response = client.get(url)
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        pasted = next(entry for entry in feed.entries if "pasted" in entry.summary)
        assert "Text pasted from a document." in pasted.summary
        assert "Sandy Ridge data facility cluster" in pasted.summary
        assert pasted.title == "2026-04-01 Text pasted from a document."


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_one_measures_feed_lists_its_developments_and_is_linked_from_its_page(client, prefix):
    page = text(client.get(f"{prefix}measures/{SANDY_RIDGE}/"))
    feed_url = f"{prefix}measures/{SANDY_RIDGE}/developments.atom"
    assert 'rel="alternate" type="application/atom+xml"' in page
    assert f'href="{feed_url}"' in page
    feed = feedparser.parse(client.get(feed_url).content)
    assert not feed.bozo
    assert len(feed.entries) == 3
    assert client.get("/measures/no-such-measure/developments.atom").status_code == 404


def test_a_feed_without_entries_says_it_was_updated_when_its_measure_was(client):
    """Not at each request: a feed reader polling it would see a change every time."""
    measure = Measure.objects.filter(developments__isnull=True).first()
    feed_url = f"/en/measures/{measure.slug}/developments.atom"
    first, second = (feedparser.parse(client.get(feed_url).content) for _ in range(2))
    assert not first.entries
    updated = datetime.datetime(*first.feed.updated_parsed[:6], tzinfo=datetime.UTC)
    assert updated == measure.updated_at.replace(microsecond=0)
    assert second.feed.updated == first.feed.updated


# --- Budgets, earlier commitments and relations ----------------------------------------------


def test_the_2026_27_headline_money_is_still_what_the_article_states(client):
    assert Measure.objects.of_budget().aggregate(total=Sum("amount_hkd"))["total"] == 5_150_000_000
    home = text(client.get("/en/"))
    assert "HK$5.15 billion" in home
    funding = client.get("/en/funding/")
    assert funding.context["totals"]["total_hkd"] == 5_150_000_000
    assert "HK$1 billion" in text(funding)  # the 2025-26 earmark, under its own Budget


def test_no_land_premium_or_investment_is_ever_an_amount_or_in_a_total(client):
    amounts = set(Measure.objects.values_list("amount_hkd", flat=True))
    assert LAND_PREMIUM not in amounts and INVESTMENT not in amounts
    figures = DevelopmentFigure.objects.filter(is_money=True)
    assert {int(value) for value in figures.values_list("value", flat=True)} == {
        LAND_PREMIUM,
        INVESTMENT,
    }
    for url in ("/en/funding/", "/en/themes/", "/en/bureaux/", "/en/measures/"):
        page = text(client.get(url))
        assert "HK$581 million" not in page and "HK$23.8 billion" not in page, url
    assert client.get("/en/").context["totals"]["total_amount"] == 5_150_000_000
    sandy = text(client.get(f"/en/measures/{SANDY_RIDGE}/"))
    assert "HK$581 million" in sandy and "not Government spending" in sandy
    assert client.get(f"/api/measures/{SANDY_RIDGE}/").json()["amount_hkd"] is None


def test_money_of_an_earlier_budget_is_never_added_to_another_budgets_totals(client):
    cyberport = Record.objects.get(type="bureau", slug="cyberport")
    # The 2026-27 sandbox states no amount; the 2024-25 HK$3 billion belongs to 2024-25.
    assert cyberport.total_amount_hkd is None
    themes = {row["slug"]: row for row in client.get("/api/themes/").json()["results"]}
    assert "computing-power" in themes
    computing = text(client.get("/en/themes/"))
    row = computing[computing.index("Computing power") :].split("</tr>")[0]
    assert "HK$" not in row


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_earlier_commitments_show_their_budget_amount_and_relation(client, prefix):
    data = client.get(f"{prefix}api/measures/{INSTITUTE}/").json()
    assert data["budget"] == "2026-27"
    assert data["relations"] == [
        {
            "relation": "continues",
            "measure": "hk-ai-rnd-institute-2025-26",
            "budget": "2025-26",
            "note_zh": "2025-26年度財政預算案預留10億元成立研發院",
            "note_en": "HK$1 billion set aside in the 2025-26 Budget to establish the institute",
            "api_url": f"http://testserver{prefix}api/measures/hk-ai-rnd-institute-2025-26/",
        }
    ]
    earlier = client.get(f"{prefix}api/measures/hk-ai-rnd-institute-2025-26/").json()
    assert (earlier["budget"], earlier["amount_hkd"], earlier["amount_type"]) == (
        "2025-26",
        1_000_000_000,
        "earmark",
    )
    assert earlier["relations"][0]["relation"] == "continued_by"
    assert earlier["source"][0]["paragraph"] == 39
    assert earlier["source"][0]["source"]["url"] == "https://budget.gov.hk/2025/eng/budget06.html"
    scheme = client.get(f"{prefix}api/measures/ai-subsidy-scheme-2024-25/").json()
    assert (scheme["budget"], scheme["amount_hkd"]) == ("2024-25", 3_000_000_000)
    page = text(client.get(f"{prefix}measures/{INSTITUTE}/"))
    assert 'href="' + f"{prefix}measures/hk-ai-rnd-institute-2025-26/" + '"' in page
    other = text(client.get(f"{prefix}measures/hk-ai-rnd-institute-2025-26/"))
    assert ("continued by" if prefix == "/en/" else "延續") in other.lower()


def test_the_api_gives_developments_and_sources_with_addresses(client):
    data = client.get(f"/api/measures/{SANDY_RIDGE}/").json()
    dates = [development["date"] for development in data["developments"]]
    assert dates == ["2026-03-02", "2026-03-01", "2025-10-10"]
    award = data["developments"][0]
    assert award["text_zh"] and award["text_en"]
    assert {urlparse(source["source"]["url"]).netloc for source in award["sources"]} == {
        "www.stheadline.com",
        "www.am730.com.hk",
    }
    premium = next(f for f in award["figures"] if f["label_en"].startswith("Land premium"))
    assert (premium["value"], premium["is_money"]) == (LAND_PREMIUM, True)
    assert data["developments"][1]["date_precision"] == "month"
    assert all(source["url"].startswith("http") for source in data["sources"])
    assert len(data["sources"]) == len({source["slug"] for source in data["sources"]})
    assert data["status_as_of"] == "2026-03-02"


@pytest.mark.parametrize("budget", ["2024-25", "2025-26", "2026-27"])
def test_the_budget_filter_on_the_list_the_api_and_the_csv(client, budget):
    expected = set(Measure.objects.filter(budget=budget).values_list("slug", flat=True))
    assert expected
    listed = client.get("/measures/", {"budget": budget, "page_size": 100})
    shown = {m.slug for m in listed.context["page_obj"]}
    if len(expected) <= 20:
        assert shown == expected
    api = client.get("/api/measures/", {"budget": budget, "page_size": 500}).json()
    assert {row["slug"] for row in api["results"]} == expected
    rows = csv_rows(client.get("/measures.csv", {"budget": budget}))
    assert {row["slug"] for row in rows} == expected
    assert {row["budget"] for row in rows} == {budget}


def test_the_budget_facet_counts_what_its_links_give(client):
    response = client.get("/measures/")
    (facet,) = [facet for facet in response.context["facets"] if facet.parameter == "budget"]
    for option in facet.options:
        assert option.count == Measure.objects.filter(budget=option.value).count()
    assert [option.value for option in facet.options] == [value for value, _ in Budget.choices]
    assert client.get("/api/measures/", {"budget": "2027-28"}).status_code == 400


# --- The measure the article left out, and where each measure comes from ----------------------


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_sandy_ridge_says_it_is_not_in_the_article_and_cites_its_own_sources(client, prefix):
    page = text(client.get(f"{prefix}measures/{SANDY_RIDGE}/"))
    assert 'class="note not-in-article"' in page
    assert "https://www.news.gov.hk/eng/2026/02/20260225/20260225_092458_932.html" in page
    assert "https://www.info.gov.hk/gia/general/202602/25/P2026022500335.htm" in page
    article_measure = text(client.get(f"{prefix}measures/dsd-smart-flood-warning/"))
    assert "not-in-article" not in article_measure


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_home_and_about_say_how_many_measures_come_from_the_article(client, prefix):
    from_article = Measure.objects.of_budget().from_held_sources().count()
    others = Measure.objects.of_budget().count() - from_article
    assert (from_article, others) == (20, 1)
    home = client.get(prefix)
    assert home.context["origins"] == {"from_article": 20, "from_other_sources": 1, "earlier": 3}
    about = text(client.get(f"{prefix}about/"))
    if prefix == "/en/":
        assert "20 measures from the Sing Tao article" in about
        assert "and 1 the article left out" in about
    else:
        assert "20項來自本知識庫最初依據的《星島》報道" in about
        assert "另有1項為報道未有提及" in about


def test_check_sources_passes_and_requires_a_source_for_every_other_measure():
    call_command("check_sources", str(SOURCE_ARTICLE))
    Citation.objects.filter(measure__slug=SANDY_RIDGE).delete()
    with pytest.raises(CommandError):
        call_command("check_sources", str(SOURCE_ARTICLE))


# --- Corrections ----------------------------------------------------------------------------------


def test_the_corrected_wording_and_statuses():
    institute = Measure.objects.get(slug=INSTITUTE)
    assert "Hong Kong Artificial Intelligence Research and Development Institute" in (
        institute.name_en
    )
    assert "transformation of R&D outcomes" in institute.summary_en
    assert "commercialisation" not in institute.summary_en
    texts = " ".join(f"{m.name_en} {m.summary_en}" for m in Measure.objects.all()) + " ".join(
        r.description_en for r in Record.objects.all()
    )
    assert "digital-intelligent" not in texts and "digital intelligence transformation" in texts
    assert "industry park companies" in texts
    assert " talks" not in texts and "seminars" in texts
    for slug in (
        "ugc-steam-degree-programmes",
        "qef-digital-education",
        "ai-training-for-teachers",
    ):
        assert Measure.objects.get(slug=slug).status == "announced"
    assert not MeasureCount.objects.filter(unit_en="academic years").exists()
    erb = Record.objects.get(type="bureau", slug="employees-retraining-board")
    assert erb.succession_note_en.startswith("To be upgraded")
    assert Record.objects.get(slug="upskill-hong-kong").description_en.startswith("To be formed")


def test_the_committee_s_focus_is_in_the_budget_speech_s_english():
    """Paragraph 35: "an initial focus on life and health technology and embodied AI"."""
    committee = Record.objects.get(type="committee", slug="ai-plus-industry-strategy-committee")
    assert committee.description_en.endswith("life and health technology and embodied AI.")
    measure = Measure.objects.get(slug="ai-plus-industry-strategy-committee")
    assert "life and health technology" in measure.summary_en
    assert Theme.objects.get(slug="life-and-health").name_en == "Life and health technology"


def test_every_stated_period_ends_on_its_last_day():
    second_half = Measure.objects.get(slug=INSTITUTE)
    within_year = Measure.objects.get(slug="cedd-landslide-risk-assessment")
    assert second_half.ends_on == within_year.ends_on == datetime.date(2026, 12, 31)


@pytest.mark.parametrize("words", ["培訓", "training"])
def test_training_in_either_language_finds_the_hk_50_million_measure(client, words):
    found = {m.slug for m in client.get("/measures/", {"q": words}).context["page_obj"]}
    assert "ai-learning-programmes-allocation" in found


# --- About --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "words"),
    [
        ("/", ["狀態", "check_sources", "CC BY 4.0", "2026-03-12"]),
        ("/en/", ["What each status means", "check_sources", "CC BY 4.0", "2026-03-12"]),
    ],
)
def test_the_about_page(client, prefix, words):
    page = text(client.get(f"{prefix}about/"))
    for word in words:
        assert word in page
    for status in ("announced", "in_preparation", "in_operation", "ongoing"):
        assert f'id="status-{status}"' in page
    measure_page = text(client.get(f"{prefix}measures/{INSTITUTE}/"))
    assert f'href="{prefix}about/#statuses"' in measure_page


@pytest.mark.parametrize(
    ("prefix", "opening", "closing"),
    [("/", "〈", "〉，2026預算案AI措施，"), ("/en/", "“", "”, Budget 2026 AI measures, ")],
)
def test_the_about_page_s_example_citation_is_a_real_page_s(client, prefix, opening, closing):
    measure = Measure.objects.order_by("pk").first()
    with translation.override("en" if prefix == "/en/" else "zh-hant"):
        name, path = measure.name, measure.get_absolute_url()
    page = client.get(f"{prefix}about/").content.decode()
    assert f"{opening}{escape(name)}{closing}http://testserver{path}" in page
    assert "https://…" not in page


def test_a_latest_development_known_by_its_month_is_given_by_its_month(client):
    Development.objects.create(
        measure=Measure.objects.get(slug=SANDY_RIDGE),
        slug="operation-began",
        happened_on=datetime.date(2026, 9, 1),
        date_precision="month",
        text_zh="開始運作。",
        text_en="Began operating.",
    )
    page = text(client.get("/en/about/"))
    assert "The latest development recorded is of 2026-09." in page
    assert "2026-09-01" not in page


def test_relations_cannot_point_a_measure_at_itself():
    measure = Measure.objects.get(slug=INSTITUTE)
    relation = MeasureRelation(from_measure=measure, to_measure=measure, kind="continues")
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            relation.full_clean()
        assert "A measure cannot relate to itself." in error.value.messages


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_list_the_api_and_the_csv_filter_by_source(client, prefix):
    expected = set(
        Measure.objects.filter(citations__source__slug="budget-speech-2026-27-ai").values_list(
            "slug", flat=True
        )
    )
    assert len(expected) == 4
    query = {"source": "budget-speech-2026-27-ai"}
    listed = client.get(f"{prefix}measures/", query)
    assert {m.slug for m in listed.context["page_obj"]} == expected
    assert "Budget Speech" in text(listed) or "預算案演辭" in text(listed)  # the active filter
    api = client.get(f"{prefix}api/measures/", query).json()
    assert {row["slug"] for row in api["results"]} == expected
    assert {row["slug"] for row in csv_rows(client.get(f"{prefix}measures.csv", query))} == expected
    assert client.get("/api/measures/", {"source": "no-such-source"}).status_code == 400


def test_the_sources_page_shows_a_bounded_number_of_supports_and_links_to_the_rest(client):
    seed = Source.objects.get(full_text_held=True)
    for number in range(25):
        measure = Measure.objects.create(
            slug=f"cited-{number}",
            name_zh="措施",
            name_en="A measure",
            summary_zh="摘要",
            summary_en="Summary",
            kind="research",
            status_at_announcement="announced",
        )
        Citation.objects.create(measure=measure, source=seed, paragraph=2, quote_zh="句。")
    response = client.get("/en/sources/")
    page = text(response)
    (listed,) = [source for source in response.context["sources"] if source.pk == seed.pk]
    assert listed.citation_count == 45 and len(listed.first_citations) == 20
    assert "Supports 45 facts" in page
    assert f'href="/en/measures/?source={seed.slug}"' in page


def test_a_feed_entry_links_its_sources(client):
    feed = feedparser.parse(
        client.get("/en/measures/hk-ai-rnd-institute/developments.atom").content
    )
    board = next(entry for entry in feed.entries if "Harry Shum" in entry.summary)
    assert 'href="https://www.hk01.com/' in board.summary


def test_a_development_moved_to_another_measure_leaves_the_first_one_as_announced():
    development = Development.objects.get(slug="open-for-applications")
    first, other = development.measure, Measure.objects.get(slug=INSTITUTE)
    assert first.status == "in_operation"
    development.measure = other
    development.save()
    first.refresh_from_db()
    assert (first.status, first.status_as_of) == ("announced", datetime.date(2024, 2, 28))


@pytest.mark.parametrize("value", ["maybe", "yes"])
def test_an_unknown_status_changed_value_is_named(client, value):
    response = client.get("/api/developments/", {"status_changed": value})
    assert response.status_code == 400
    assert "status_changed" in response.json()
    page = client.get("/en/developments/", {"status_changed": value})
    assert page.status_code == 200 and "Some filters could not be used" in text(page)


@pytest.mark.parametrize("prefix, separator", [("", "；"), ("/en", "; ")])
def test_a_development_s_sources_are_separated_in_the_page_s_language(client, prefix, separator):
    page = client.get(f"{prefix}/developments/").content.decode()
    sources = re.search(
        r'<li class="development" id="development-tender-awarded">.*?'
        r'<p class="development-sources">(.*?)</p>',
        page,
        re.S,
    ).group(1)
    # Two sources, each ending with its date: the separator follows the first one's.
    assert re.sub(r"<[^>]+>", "", sources).count(f"2026-03-02{separator}") == 1
