"""The public pages as a reader uses them: filters, facets, languages, bad input."""

import re
import time

import pytest
from django.db import OperationalError, connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from measures.models import (
    AmountType,
    BodyKind,
    Bureau,
    Measure,
    MeasureKind,
    MeasureLink,
    MeasureStatus,
    Record,
    RecordType,
    Role,
    Theme,
)
from measures.money import format_amount, parse_amount

from .factories import make_measures

pytestmark = pytest.mark.django_db

LIST = "/measures/"
EN_LIST = "/en/measures/"


def slugs(response):
    return [measure.slug for measure in response.context["page_obj"]]


def all_slugs(client, url, params):
    """Every slug the list shows for ``params``, across all pages."""
    found, page = [], 1
    while True:
        response = client.get(url, {**params, "page": page})
        assert response.status_code == 200
        found += slugs(response)
        if not response.context["page_obj"].has_next():
            return found
        page += 1


def expected(queryset):
    return sorted(queryset.values_list("slug", flat=True))


# --- Pages answer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/en/",
        LIST,
        EN_LIST,
        "/themes/",
        "/bureaux/",
        "/committees/",
        "/institutes/",
        "/funding-schemes/",
        "/training-courses/",
        "/en/bureaux/",
        "/measures/dsd-smart-flood-warning/",
        "/en/measures/dsd-smart-flood-warning/",
        "/bureaux/drainage-services-department/",
        "/en/funding-schemes/ai-subsidy-scheme/",
        "/committees/ai-plus-industry-strategy-committee/",
    ],
)
def test_page_answers(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/measures/no-such-measure/", "/bureaux/no-such-body/", "/en/institutes/nothing/"]
)
def test_unknown_record_is_404(client, url):
    assert client.get(url).status_code == 404


def test_urls_by_name():
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    with translation.override("zh-hant"):
        assert measure.get_absolute_url() == "/measures/ai-subsidy-scheme/"
        assert reverse("measures:bureau-list") == "/bureaux/"
    with translation.override("en"):
        assert measure.get_absolute_url() == "/en/measures/ai-subsidy-scheme/"


# --- Home ----------------------------------------------------------------------------------


def test_home_figures_are_computed_from_the_data(client):
    make_measures(2, amount_hkd=7_000_000)
    page = client.get("/en/").content.decode()
    todays = Measure.objects.of_budget()
    assert f">{todays.count()}<" in page
    total = sum(todays.with_amount().values_list("amount_hkd", flat=True))
    assert total == 5_164_000_000
    assert "HK$5.16 billion" in page
    assert f">{todays.without_amount().count()}<" in page


@pytest.mark.parametrize(("prefix", "language"), [("/en/", "en"), ("/", "zh-hant")])
def test_home_and_funding_split_the_money_by_what_it_is(client, prefix, language):
    home, funding = (client.get(url).content.decode() for url in (prefix, f"{prefix}funding/"))
    todays = Measure.objects.of_budget().with_amount()
    separator = ": " if language == "en" else "："
    with translation.override(language):
        for amount_type in AmountType:
            amounts = todays.filter(amount_type=amount_type).values_list("amount_hkd", flat=True)
            line = f"<li>{amount_type.label}{separator}{format_amount(sum(amounts), language)}</li>"
            assert (line in home) == bool(amounts), line
            assert (line in funding) == bool(amounts), line
    # The curated Budget states money of every kind, so each line above was looked for.
    assert set(todays.values_list("amount_type", flat=True)) == set(AmountType.values)


def test_home_lists_bodies_themes_and_recent_edits(client):
    measure = Measure.objects.get(slug="labour-ai-job-matching")
    measure.name_en = "Freshly edited job matching"
    measure.save()
    page = client.get("/en/").content.decode()
    assert "Drainage Services Department" in page
    assert "Flooding" in page
    recent = page[page.index("Recently edited") :]
    assert recent.index("Freshly edited job matching") < recent.index("</ul>")


@pytest.mark.parametrize(
    ("prefix", "note"),
    [
        ("/en/", "The lists below count every measure in the data"),
        ("/", "以下各項點算資料中的所有措施"),
    ],
)
def test_home_says_its_lists_count_every_budget_s_measures(client, prefix, note):
    """The headline figures are the 2026-27 Budget's; the lists under them count the earlier
    Budgets' commitments too, and say so."""
    cyberport = Record.objects.get(slug="cyberport")
    every_budget = cyberport.measures.distinct().count()
    assert every_budget > cyberport.measures.filter(budget="2026-27").distinct().count()
    page = client.get(prefix).content.decode()
    lists = page[page.index(note) :]
    bodies = lists[lists.index('id="bodies-heading"') : lists.index("</ul>")]
    entry = bodies[bodies.index(f'href="{cyberport.get_absolute_url()}"') :]
    assert re.search(rf"<span class=\"count\">{every_budget}\D", entry)


# --- Each filter alone --------------------------------------------------------------------


@pytest.mark.parametrize(
    "parameter, value, queryset_filter",
    [
        (
            "bureau",
            "drainage-services-department",
            {"record_links__record__slug": "drainage-services-department"},
        ),
        ("bureau", "hksar-government", {"record_links__record__slug": "hksar-government"}),
        (
            "committee",
            "ai-plus-industry-strategy-committee",
            {"record_links__record__slug": "ai-plus-industry-strategy-committee"},
        ),
        (
            "institute",
            "ugc-funded-universities",
            {"record_links__record__slug": "ugc-funded-universities"},
        ),
        (
            "funding_scheme",
            "quality-education-fund",
            {"record_links__record__slug": "quality-education-fund"},
        ),
        (
            "training_course",
            "civil-service-ai-training",
            {"record_links__record__slug": "civil-service-ai-training"},
        ),
        ("kind", "public_service", {"kind": "public_service"}),
        ("status", "ongoing", {"status": "ongoing"}),
        ("theme", "flooding", {"themes__slug": "flooding"}),
        ("start_year", "2026", {"starts_on__year": 2026}),
    ],
)
def test_each_filter_alone(client, parameter, value, queryset_filter):
    shown = slugs(client.get(LIST, {parameter: value}))
    assert shown
    assert sorted(shown) == expected(Measure.objects.filter(**queryset_filter).distinct())


def test_drainage_services_department_shows_the_flood_warning_measure(client):
    page = client.get(LIST, {"bureau": "drainage-services-department"}).content.decode()
    assert slugs(client.get(LIST, {"bureau": "drainage-services-department"})) == [
        "dsd-smart-flood-warning"
    ]
    assert "渠務署" in page


def test_several_values_of_one_filter_match_any(client):
    shown = slugs(
        client.get(LIST, {"bureau": ["drainage-services-department", "labour-department"]})
    )
    assert sorted(shown) == ["dsd-smart-flood-warning", "labour-ai-job-matching"]


def test_filters_combined_must_all_match(client):
    params = {"kind": "education", "amount_min": "1億", "status": "announced"}
    shown = slugs(client.get(LIST, params))
    assert shown == ["qef-digital-education"]
    params = {"bureau": "hksar-government", "kind": "public_service", "q": "轉型"}
    assert slugs(client.get(LIST, params)) == ["government-digital-transformation-fund"]


@pytest.mark.parametrize(
    "term, slug",
    [
        ("水浸", "dsd-smart-flood-warning"),
        ("flood", "dsd-smart-flood-warning"),
        ("渠務署", "dsd-smart-flood-warning"),
        ("HKMA", "hkma-cyberport-ai-sandbox"),
        ("Upskill", "upskill-hk-skills-based-training"),
    ],
)
def test_text_search_in_both_languages_and_linked_records(client, term, slug):
    assert slug in slugs(client.get(LIST, {"q": term}))


def test_search_with_two_words_needs_both(client):
    assert slugs(client.get(LIST, {"q": "智慧 水浸"})) == ["dsd-smart-flood-warning"]
    assert slugs(client.get(LIST, {"q": "flood 勞工處"})) == []


def test_an_english_word_matches_whole_words_not_letters_inside_them(client):
    # "AI" inside "Drainage" is no mention of AI: the flood-warning measure does not say AI.
    found = slugs(client.get(LIST, {"q": "AI", "page": "1"}))
    assert "ai-plus-industry-strategy-committee" in found
    assert "dsd-smart-flood-warning" not in found


# --- Money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["50000000", "5,000萬", "5000萬元", "30億", "1.5億", "HK$100 million", "50m", "3bn", "1億"],
)
def test_minimum_amount_in_every_way_people_write_it(client, typed):
    minimum = parse_amount(typed)
    response = client.get(LIST, {"amount_min": typed})
    assert not response.context["filter"].form.errors
    assert sorted(slugs(response)) == expected(Measure.objects.filter(amount_hkd__gte=minimum))


def test_amount_range(client):
    shown = slugs(client.get(LIST, {"amount_min": "5000萬", "amount_max": "HK$100 million"}))
    assert sorted(shown) == [
        "ai-learning-programmes-allocation",
        "government-digital-transformation-fund",
    ]


@pytest.mark.parametrize(
    "band, queryset_filter",
    [
        ("under-100m", {"amount_hkd__lt": 100_000_000}),
        ("100m-1b", {"amount_hkd__gte": 100_000_000, "amount_hkd__lt": 1_000_000_000}),
        ("1b-plus", {"amount_hkd__gte": 1_000_000_000}),
        ("none", {"amount_hkd__isnull": True}),
    ],
)
def test_amount_bands(client, band, queryset_filter):
    shown = all_slugs(client, LIST, {"amount": band})
    assert sorted(shown) == expected(Measure.objects.filter(**queryset_filter))


@pytest.mark.parametrize(
    "parameter, typed, message",
    [
        ("amount_min", "abc", "not an amount"),
        ("amount_min", "-5", "negative"),
        ("amount_max", "9" * 40, "too large"),
        ("amount_min", "1e999", "not an amount"),
        ("start_year", "soon", "enter a year from 1900 to 2200, such as 2026."),
        ("start_year", "-40000", "enter a year from 1900 to 2200, such as 2026."),
        ("start_year", "2201", "enter a year from 1900 to 2200, such as 2026."),
        ("bureau", "no-such-body", "“no-such-body” is not one of this filter’s options."),
        ("kind", "magic", "“magic” is not one of this filter’s options."),
        ("amount", "lots", "“lots” is not one of this filter’s options."),
        ("sort", "random", "“random” is not one of the orders this list can be sorted in."),
        ("budget", "1999-00", "“1999-00” is not one of this filter’s options."),
    ],
)
def test_bad_filter_shows_a_message_and_the_page_still_works(client, parameter, typed, message):
    response = client.get(EN_LIST, {parameter: typed})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert parameter in errors
    assert message in " ".join(errors[parameter]).lower()
    # The bad filter is left out: the other measures are still listed.
    assert response.context["paginator"].count == Measure.objects.count()
    assert "field-error" in response.content.decode()


def test_an_unknown_option_is_explained_in_chinese_on_the_chinese_list(client):
    errors = client.get(LIST, {"kind": "magic", "start_year": "soon"}).context["filter"].errors
    assert errors["kind"] == ["「magic」不是這個篩選的選項。"]
    assert errors["start_year"] == ["請輸入1900至2200年之間的年份，例如2026。"]


def test_each_request_s_filter_form_is_its_own(client):
    """Requests share the filters' form class: an error, a language or a value of one request
    shows in no other."""
    english = client.get(EN_LIST, {"kind": "magic"}).content.decode()
    chinese = client.get(LIST, {"kind": "magic"}).content.decode()
    valid = client.get(EN_LIST, {"kind": "education"}).context["filter"]
    assert "“magic” is not one of this filter’s options." in english
    assert "「magic」不是這個篩選的選項。" in chinese and "is not one of" not in chinese
    assert valid.errors == {}
    assert valid.form.cleaned_data["kind"] == ["education"]
    assert client.get(EN_LIST).context["filter"].form["kind"].value() == []


def test_a_filter_that_takes_one_value_given_two_is_left_out_with_a_message(client):
    response = client.get(LIST, {"amount": ["none", "1b-plus"], "kind": ["education"]})
    assert response.context["filter"].form.errors["amount"] == ["這個篩選只接受一個值，而非 2 個。"]
    assert response.context["paginator"].count == Measure.objects.filter(kind="education").count()


def test_minimum_above_maximum_is_explained(client):
    response = client.get(EN_LIST, {"amount_min": "30億", "amount_max": "1億"})
    assert "amount_max" in response.context["filter"].form.errors


def test_a_5000_character_search_is_refused_politely(client):
    response = client.get(EN_LIST, {"q": "水" * 5000})
    assert response.status_code == 200
    assert "q" in response.context["filter"].form.errors
    assert "水" * 300 not in response.content.decode()


def test_echoed_input_is_escaped(client):
    response = client.get(EN_LIST, {"amount_min": "<script>alert(1)</script>", "q": '"><b>x'})
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert '"><b>x' not in page


# --- Sorting ---------------------------------------------------------------------------------


def test_sort_by_amount_largest_first_puts_unstated_last(client):
    shown = all_slugs(client, LIST, {"sort": "-amount"})
    amounts = [Measure.objects.get(slug=slug).amount_hkd for slug in shown]
    stated = [a for a in amounts if a is not None]
    assert stated == sorted(stated, reverse=True)
    assert amounts[: len(stated)] == stated


def test_sort_by_amount_smallest_first(client):
    shown = slugs(client.get(LIST, {"sort": "amount", "amount": "1b-plus", "budget": "2026-27"}))
    assert shown == ["qef-digital-education", "ai-subsidy-scheme"]


def test_sort_by_name_follows_the_language(client):
    names = [m.name_en for m in client.get(EN_LIST, {"sort": "name"}).context["page_obj"]]
    assert names == sorted(names)


def test_sort_by_start(client):
    shown = all_slugs(client, LIST, {"sort": "-start"})
    starts = [Measure.objects.get(slug=s).starts_on for s in shown]
    dated = [s for s in starts if s is not None]
    assert dated == sorted(dated, reverse=True)


@pytest.mark.parametrize("typed", ["amount,", ",amount", "amount,,"])
def test_a_stray_comma_in_the_sort_orders_as_if_it_were_not_there(client, typed):
    by_amount = all_slugs(client, LIST, {"sort": "amount"})
    assert all_slugs(client, LIST, {"sort": typed}) == by_amount
    api = client.get("/api/measures/", {"sort": typed, "page_size": 100})
    assert api.status_code == 200
    assert [row["slug"] for row in api.json()["results"]] == by_amount
    assert client.get("/measures.csv", {"sort": typed}).status_code == 200


def test_a_sort_of_commas_alone_is_the_default_order(client):
    assert all_slugs(client, LIST, {"sort": ","}) == all_slugs(client, LIST, {})


def test_several_orders_are_named_in_words_and_the_menu_shows_the_first(client):
    page = client.get("/en/measures/", {"sort": "-amount,name"}).content.decode()
    assert "Sort by: Amount, largest first; Name, A to Z" in page
    assert '<option value="-amount" selected>' in page
    assert page.count(" selected>") == 1


@pytest.mark.parametrize("typed", [",-amount", ",,-amount,name"])
def test_the_menu_shows_the_order_used_after_a_stray_comma(client, typed):
    page = client.get("/en/measures/", {"sort": typed}).content.decode()
    assert '<option value="-amount" selected>' in page
    assert page.count(" selected>") == 1


# --- Facets, active filters, empty state, pagination -------------------------------------------


def facet(response, parameter):
    return {
        option.value: option.count
        for group in response.context["facets"]
        if group.parameter == parameter
        for option in group.options
    }


def test_facet_counts_reflect_the_other_filters(client):
    response = client.get(LIST, {"kind": "public_service"})
    bureaux = facet(response, "bureau")
    assert bureaux["drainage-services-department"] == 1
    assert "hkma" not in bureaux
    # The kind facet ignores the kind filter itself, so the other kinds stay choosable.
    kinds = facet(response, "kind")
    assert kinds == {
        kind: Measure.objects.filter(kind=kind).count()
        for kind in Measure.objects.values_list("kind", flat=True).distinct()
    }


@pytest.mark.parametrize("column", ["kind", "status", "start_year", "amount"])
@pytest.mark.parametrize(
    "filters",
    [{"theme": "digital-government"}, {"bureau": "hksar-government"}, {"amount_min": "1"}, {}],
)
def test_facet_counts_match_the_list_they_lead_to(client, column, filters):
    response = client.get(LIST, filters)
    counts = facet(response, column)
    listed = list(Measure.objects.filter(slug__in=all_slugs(client, LIST, filters)))
    assert len(listed) == response.context["paginator"].count
    attribute = {"start_year": "starts_on", "amount": "pk"}.get(column, column)
    assert bool(counts) == any(getattr(measure, attribute) for measure in listed)
    for value, count in counts.items():
        combined = client.get(LIST, {**filters, column: value})
        assert combined.context["paginator"].count == count, value


@pytest.mark.parametrize("parameter", ["bureau", "institute", "funding_scheme", "theme"])
@pytest.mark.parametrize("filters", [{}, {"kind": "education"}])
def test_record_and_theme_counts_match_the_list_they_lead_to(client, parameter, filters):
    # With no other filter the counts are those stored on each record and theme; with one,
    # they are counted over the matching measures.
    response = client.get(LIST, filters)
    options = next(f for f in response.context["facets"] if f.parameter == parameter).options
    assert options
    for option in options:
        chosen = client.get(LIST, {**filters, parameter: option.value})
        assert chosen.context["paginator"].count == option.count, option.value


def test_with_one_option_ticked_another_counts_its_own_measures_and_adds_them(client):
    # What the help above the filters says: an option's number counts the measures that have
    # it among those matching the other filters; ticking it too shows those with either.
    page = client.get(EN_LIST, {"theme": "education"})
    assert "Ticking several options of one filter shows the measures with any of them." in (
        page.content.decode()
    )
    themes = facet(page, "theme")
    other = next(slug for slug, count in themes.items() if slug != "education" and count)
    alone = client.get(LIST, {"theme": other}).context["paginator"].count
    both = set(all_slugs(client, LIST, {"theme": ["education", other]}))
    assert themes[other] == alone
    assert both == set(all_slugs(client, LIST, {"theme": "education"})) | set(
        all_slugs(client, LIST, {"theme": other})
    )


def test_amount_facet_counts(client):
    response = client.get(LIST, {"budget": "2026-27"})
    assert facet(response, "amount") == {
        "under-100m": 1,
        "100m-1b": 1,
        "1b-plus": 2,
        "none": 17,
    }
    # The HK$1 billion and HK$3 billion of earlier Budgets are in the band without the filter.
    assert facet(client.get(LIST), "amount")["1b-plus"] == 4


def test_active_filters_are_shown_and_removable_one_by_one(client):
    response = client.get(
        EN_LIST,
        {"bureau": ["drainage-services-department", "labour-department"], "amount_min": "1億"},
    )
    chips = response.context["active_filters"]
    assert len(chips) == 3
    dsd = next(chip for chip in chips if chip["value"] == "Drainage Services Department")
    assert "bureau=labour-department" in dsd["remove_url"]
    assert "drainage-services-department" not in dsd["remove_url"]
    assert "amount_min=1" in dsd["remove_url"]
    page = response.content.decode()
    assert "Remove filter" in page and "HK$100 million" in page


def test_empty_state_helps(client):
    response = client.get(EN_LIST, {"q": "no such words anywhere"})
    assert response.context["paginator"].count == 0
    assert "No measures match these filters" in response.content.decode()


def test_pagination_keeps_the_filters(client):
    make_measures(30)
    response = client.get(LIST, {"bureau": "drainage-services-department"})
    assert response.context["paginator"].count == 31
    page = response.content.decode()
    assert re.search(r'href="\?bureau=drainage-services-department&amp;page=2"', page)
    second = client.get(LIST, {"bureau": "drainage-services-department", "page": 2})
    assert len(slugs(second)) == 11
    assert not set(slugs(second)) & set(slugs(response))
    # The first page has one address: the links back to it carry no page number.
    back = second.content.decode()
    assert 'href="?bureau=drainage-services-department" rel="prev"' in back
    assert 'href="?bureau=drainage-services-department">1</a>' in back
    assert "page=1" not in back


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ({}, "Measures"),
        ({"sort": "-amount", "page": "1"}, "Measures"),
        ({"kind": "education"}, "Measures (filtered)"),
        ({"kind": "bogus", "amount_min": "abc", "q": "!!"}, "Measures"),
    ],
)
def test_the_title_says_filtered_only_when_a_filter_is_chosen(client, query, title):
    page = client.get("/en/measures/", query).content.decode()
    assert re.search(r"<title>(.*?) · ", page, re.S)[1] == title


def test_the_first_page_of_the_whole_list_is_the_list_s_own_address(client):
    make_measures(30)
    page = client.get("/en/measures/", {"page": 2}).content.decode()
    assert 'href="/en/measures/" rel="prev"' in page


def test_page_past_the_end_shows_the_last_page_with_a_message(client):
    make_measures(30)
    response = client.get(EN_LIST, {"page": 99})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 3  # 50 measures, 20 a page
    assert "There is no page 99: showing page 3 of 3." in response.content.decode()
    assert client.get(EN_LIST, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize("number", ["0", "-2"])
def test_page_below_one_shows_the_first_page_with_a_message(client, number):
    make_measures(30)
    response = client.get(EN_LIST, {"page": number})
    assert response.context["page_obj"].number == 1
    assert f"There is no page {number}: showing page 1 of 3." in response.content.decode()


def test_a_long_page_number_is_shown_cut_short_not_as_another_number(client):
    response = client.get(EN_LIST, {"page": "9" * 25})
    page = response.content.decode()
    assert f"There is no page {'9' * 20}…: showing page 2 of 2." in page


def test_a_page_that_exists_has_no_message(client):
    response = client.get(EN_LIST, {"page": "2"})
    assert response.context["page_message"] is None
    assert "There is no page" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/en/developments/",
        "/en/bureaux/hksar-government/",
        "/en/measures/options/theme/",
    ],
)
def test_every_paged_page_says_when_it_shows_another_page_than_asked(client, url):
    response = client.get(url, {"page": "99"})
    assert response.status_code == 200
    assert "There is no page 99: showing page 1 of 1." in response.content.decode()


# --- Detail pages ---------------------------------------------------------------------------


def test_measure_detail_shows_everything_in_chinese(client):
    page = client.get("/measures/ai-subsidy-scheme/").content.decode()
    assert "HK$30億" in page
    assert "政府推出的30億元「人工智能資助計劃」" in page
    assert "AI Subsidy Scheme" in page  # the other language's name
    assert "財政預算案演辭" in page and "第37段" in page  # the Budget Speech paragraph
    assert 'href="https://www.budget.gov.hk/2026/eng/budget07.html"' in page
    assert "/funding-schemes/ai-subsidy-scheme/" in page
    assert 'lang="zh-Hant-HK"' in page


@pytest.mark.parametrize("prefix, end", [("", "，第3段。"), ("/en", ", paragraph 3.")])
def test_the_quoted_sentence_s_source_ends_with_its_paragraph_and_a_full_stop(client, prefix, end):
    page = client.get(f"{prefix}/measures/hk-ai-rnd-institute/").content.decode()
    caption = re.search(r"<figcaption>(.*?)</figcaption>", page, re.DOTALL).group(1)
    assert re.sub(r"<[^>]+>", "", caption).endswith(end)


def test_measure_detail_in_english(client):
    response = client.get("/en/measures/ai-subsidy-scheme/")
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "HK$3 billion" in page
    assert "Budget Speech" in page and "paragraph 37" in page
    count = response.context["measure"].counts.get()
    assert count.approximation == "nearly" and count.value == 30  # 近30 in the article
    assert f"<li>nearly <strong>30</strong> {count.unit_en}</li>" in page  # the stated count
    chinese = client.get("/measures/ai-subsidy-scheme/").content.decode()
    assert f"<li>近 <strong>30</strong> {count.unit_zh}</li>" in chinese
    related = response.context["related"]
    assert related, "measures sharing its scheme or themes are suggested"
    for other in related:
        assert f'href="/en/measures/{other.slug}/"' in page


def test_record_page_lists_its_measures_roles_and_money(client):
    page = client.get("/en/bureaux/hksar-government/").content.decode()
    for measure in Measure.objects.filter(record_links__record__slug="hksar-government"):
        assert f"/en/measures/{measure.slug}/" in page
    assert "Leads" in page and "Funds" in page


@pytest.mark.parametrize(
    ("prefix", "public_body", "department", "committee", "government"),
    [
        ("/en", "Public body", "Government department", "Committee", "The Government as a whole"),
        ("", "公營機構", "政府部門", "委員會", "特區政府整體"),
    ],
)
def test_a_record_is_called_by_its_kind_of_body_where_stated(
    client, prefix, public_body, department, committee, government
):
    # Cyberport is in the bureaux and departments' section, but is no bureau.
    page = client.get(f"{prefix}/bureaux/cyberport/").content.decode()
    assert f'<span class="kind">{public_body}</span>' in page
    page = client.get(f"{prefix}/bureaux/drainage-services-department/").content.decode()
    assert f'<span class="kind">{department}</span>' in page
    page = client.get(f"{prefix}/committees/ai-plus-industry-strategy-committee/").content.decode()
    assert f'<span class="kind">{committee}</span>' in page
    page = client.get(f"{prefix}/measures/hkma-cyberport-ai-sandbox/").content.decode()
    involved = page[page.index('id="links-heading"') : page.index("</table>")]
    assert involved.count(f"<td>{public_body}</td>") == 2  # Cyberport and the HKMA
    # The Government is none of its bureaux, departments or public bodies.
    page = client.get(f"{prefix}/bureaux/hksar-government/").content.decode()
    assert f'<span class="kind">{government}</span>' in page


def test_renaming_shows_on_both_bodies(client):
    assert (
        "Upskill Hong Kong"
        in client.get("/en/bureaux/employees-retraining-board/").content.decode()
    )
    assert (
        "Employees Retraining Board"
        in client.get("/en/bureaux/upskill-hong-kong/").content.decode()
    )


def test_department_index_lists_every_body_with_counts(client):
    response = client.get("/en/bureaux/")
    records = {record.slug: record for record in response.context["records"]}
    assert records["drainage-services-department"].measure_count == 1
    assert records["hksar-government"].total_amount_hkd == 3_150_000_000


# --- Languages -------------------------------------------------------------------------------


def test_chinese_is_the_default_and_english_is_under_en(client):
    assert '<html lang="zh-Hant-HK">' in client.get(LIST).content.decode()
    assert '<html lang="en">' in client.get(EN_LIST).content.decode()


def test_language_switcher_keeps_page_and_filters(client):
    response = client.get(LIST, {"bureau": "drainage-services-department"})
    links = {link["code"]: link["url"] for link in response.context["language_links"]}
    assert links["en"] == "/en/measures/?bureau=drainage-services-department"
    back = client.get(links["en"])
    links = {link["code"]: link["url"] for link in back.context["language_links"]}
    assert links["zh-hant"] == "/measures/?bureau=drainage-services-department"


def test_interface_text_is_translated(client):
    chinese = client.get(LIST).content.decode()
    english = client.get(EN_LIST).content.decode()
    assert "篩選" in chinese and "Filter" not in chinese
    assert "Filter" in english
    assert "渠務署" in chinese and "Drainage Services Department" in english


# --- Query counts -----------------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/measures/?bureau=drainage-services-department&theme=flooding&status=announced",
        "/en/measures/?sort=-amount",
        "/measures/dsd-smart-flood-warning/",
        "/bureaux/drainage-services-department/",
        "/bureaux/",
        "/",
    ],
)
def test_query_count_does_not_grow_with_the_data(client, url, django_assert_max_num_queries):
    before = queries_for(client, url)
    make_measures(60, amount_hkd=5_000_000)
    assert queries_for(client, url) == before
    # Up to 20 statements besides: the facets' time limit, set before each count (PostgreSQL).
    with django_assert_max_num_queries(60):
        client.get(url)


def test_empty_form_fields_are_dropped_from_the_address(client):
    response = client.get(
        LIST, {"q": "", "bureau": "labour-department", "amount_min": "", "sort": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == "/measures/?bureau=labour-department"
    assert client.get(LIST, {"q": ""})["Location"] == "/measures/"


def test_blank_form_fields_are_dropped_like_empty_ones(client):
    """A search or an amount of only spaces chooses nothing: no empty "Search:" chip."""
    response = client.get(EN_LIST, {"q": "  ", "amount_min": " ", "kind": "\t", "sort": "name"})
    assert response.status_code == 302
    assert response["Location"] == "/en/measures/?sort=name"
    page = client.get(response["Location"])
    assert page.context["active_filters"] == [
        {
            "parameter": "Sort by",
            "value": "Name, A to Z",
            "invalid": False,
            "remove_url": "?",
        }
    ]


def test_an_error_of_a_filter_without_a_control_on_the_page_is_said_in_the_notice(client):
    page = client.get(EN_LIST, {"source": "no-such-source", "kind": "nope"}).content.decode()
    notice = page[page.index('<div class="notice" role="alert">') :]
    notice = notice[: notice.index("</div>")]
    assert "<li>Source: “no-such-source” is not one of this filter’s options.</li>" in notice
    assert "nope" not in notice  # the kind's message is beside the kind's options


def test_health_check_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_health_check_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503


def records_with_measures(model, count, measures_of=lambda number: 1, **fields):
    """``count`` new records of ``model`` (``extra-body-<n>``), the n-th leading
    ``measures_of(n)`` new measures."""
    for number in range(count):
        record = model.objects.create(
            slug=f"extra-body-{number}",
            name_zh=f"機構{number}",
            name_en=f"Body {number}",
            **fields,
        )
        make_measures(measures_of(number), bureau=record)


def test_a_long_facet_lists_the_most_frequent_options_and_links_to_all(client):
    from measures.listing.facets import OPTION_LIMIT
    from measures.models import Bureau

    records_with_measures(Bureau, OPTION_LIMIT + 3, kind="office")
    response = client.get(EN_LIST, {"bureau": "extra-body-17"})
    bureaux = next(f for f in response.context["facets"] if f.parameter == "bureau")
    assert len(bureaux.options) == OPTION_LIMIT + 1
    assert bureaux.options[0].value == "extra-body-17" and bureaux.options[0].selected
    counts = [option.count for option in bureaux.options[1:]]
    assert counts == sorted(counts, reverse=True)
    see_all = "/en/measures/options/bureau/?bureau=extra-body-17"
    assert bureaux.all_options_url == see_all
    assert f'href="{see_all}"' in response.content.decode()

    # Every option is there, for the same filters, each linking to the list with it chosen.
    every = client.get(see_all)
    options = every.context["options"]
    assert {f"extra-body-{n}" for n in range(OPTION_LIMIT + 3)} <= {o.value for o in options}
    assert options[0].value == "extra-body-17" and options[0].selected
    assert options[0].url == "/en/measures/"  # un-choosing the chosen one
    for option in options[1:5]:  # choosing another adds it to the chosen one
        assert option.url == f"/en/measures/?bureau=extra-body-17&bureau={option.value}"
        assert client.get(option.url).status_code == 200


@pytest.mark.parametrize("filters", [{}, {"budget": "2026-27"}])
def test_facets_not_in_use_each_list_their_most_frequent_options(client, filters):
    """The record facets not in use but the departments' are counted together: each still
    lists the most frequent of its own type, however many another type has."""
    from measures.listing.facets import OPTION_LIMIT
    from measures.models import Committee, Institute

    records_with_measures(Institute, OPTION_LIMIT + 3, lambda number: 1 + number % 4)
    response = client.get(EN_LIST, filters)
    by_parameter = {facet.parameter: facet for facet in response.context["facets"]}
    matching = Measure.objects.filter(**filters)

    def linked_count(slug):
        return matching.filter(record_links__record__slug=slug).distinct().count()

    institutes = by_parameter["institute"]
    assert len(institutes.options) == OPTION_LIMIT and institutes.all_options_url
    counts = [option.count for option in institutes.options]
    assert counts == sorted(counts, reverse=True)
    assert counts == [linked_count(option.value) for option in institutes.options]
    # The most frequent are listed: none left out has more measures than the last listed.
    listed = {option.value for option in institutes.options}
    left_out = Institute.objects.exclude(slug__in=listed).values_list("slug", flat=True)
    assert max(linked_count(slug) for slug in left_out) <= counts[-1]
    committees = by_parameter["committee"].options
    linked = Committee.objects.filter(measures__in=matching).distinct()
    assert linked and {option.value: option.count for option in committees} == {
        committee.slug: linked_count(committee.slug) for committee in linked
    }


def test_see_them_all_keeps_the_other_filters(client):
    response = client.get(EN_LIST, {"kind": "education"})
    bureaux = next(f for f in response.context["facets"] if f.parameter == "bureau")
    every = client.get("/en/measures/options/bureau/?kind=education")
    assert every.status_code == 200
    shown = {option.value: option.count for option in every.context["options"]}
    assert shown == {option.value: option.count for option in bureaux.options}
    for option in every.context["options"]:
        assert option.url.startswith("/en/measures/?kind=education&bureau=")
        assert client.get(option.url).context["paginator"].count == option.count
    page = every.content.decode()
    assert "Kind: Education and talent" in page  # the filters it counted within
    assert 'href="/en/measures/?kind=education"' in page  # back to the same list


@pytest.mark.parametrize("parameter", ["kind", "nothing", "amount"])
def test_only_record_and_theme_filters_have_an_options_page(client, parameter):
    assert client.get(f"/en/measures/options/{parameter}/").status_code == 404


def test_a_facet_with_many_start_years_lists_them_all(client):
    import datetime

    from measures.listing.facets import OPTION_LIMIT

    for year in range(2000, 2000 + OPTION_LIMIT + 2):
        measure = make_measures(1)[0]
        measure.starts_on = datetime.date(year, 1, 1)
        measure.save()
    response = client.get(EN_LIST)
    assert response.status_code == 200
    years = next(f for f in response.context["facets"] if f.parameter == "start_year")
    assert len(years.options) >= OPTION_LIMIT + 2
    assert not years.all_options_url


@pytest.mark.parametrize(
    "url, message",
    [
        ("/measures/?bureau=a%00b", "查詢字串不可包含 NUL 字元。"),
        ("/en/measures/?q=%00", "Query strings cannot contain NUL characters."),
        ("/admin/?q=%00", "查詢字串不可包含 NUL 字元。"),
    ],
)
def test_a_nul_character_in_the_query_string_is_a_400_in_the_page_s_language(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert response.content.decode() == f"{message}\n"


@pytest.mark.parametrize(
    "url, message",
    [
        ("/api/measures/?kind=research&theme=x%00&q=%00", "查詢字串不可包含 NUL 字元。"),
        ("/en/api/bureaux/?theme=x%00&q=%00", "Query strings cannot contain NUL characters."),
    ],
)
def test_in_the_api_a_nul_character_is_a_json_400_naming_each_parameter_holding_one(
    client, url, message
):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"theme": [message], "q": [message]}


@pytest.mark.parametrize("value", ["<script>", "a b", "x" * 101, "水浸"])
def test_a_value_that_cannot_be_a_slug_is_refused_before_the_database(client, value):
    response = client.get(EN_LIST, {"bureau": value, "theme": value})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert "bureau" in errors and "theme" in errors


def test_list_cards_show_every_linked_record_with_its_role_as_the_detail_page_does(client):
    pages = [
        client.get("/en/measures/", {"sort": "name", "page": number}).content.decode()
        for number in (1, 2)
    ]
    cards = [card for page in pages for card in page.split('<article class="measure-card">')[1:]]
    assert len(cards) == Measure.objects.count()
    for card in cards:
        slug = card.split('href="/en/measures/', 1)[1].split("/", 1)[0]
        measure = Measure.objects.for_display().get(slug=slug)
        chips = card.split('<ul class="link-chips"', 1)[1].split("</ul>", 1)[0]
        expected = [
            f'<a href="{link.record.get_absolute_url()}">{escape(link.record.name_en)}</a> '
            f'<span class="role">{escape(link.get_role_display())}</span>'
            for link in measure.links()
        ]
        assert expected, slug
        shown = [chip.split("</li>", 1)[0] for chip in chips.split("<li>")[1:]]
        assert shown == expected, slug


@pytest.mark.parametrize(("prefix", "language"), [("/en/", "en"), ("/", "zh-hant")])
def test_list_cards_show_each_measures_facts_in_the_pages_language(client, prefix, language):
    pages = [
        client.get(f"{prefix}measures/", {"sort": "name", "page": number}).content.decode()
        for number in (1, 2)
    ]
    cards = [card for page in pages for card in page.split('<article class="measure-card">')[1:]]
    assert len(cards) == Measure.objects.count()
    with translation.override(language):
        for card in cards:
            card = card.split("</article>", 1)[0]
            slug = card.split(f'href="{prefix}measures/', 1)[1].split("/", 1)[0]
            measure = Measure.objects.get(slug=slug)
            assert f">{escape(measure.name)}</a></h3>" in card
            assert f">{escape(measure.other_name)}</p>" in card
            if measure.amount_hkd is None:
                assert f'<span class="muted">{translation.gettext("No amount stated")}' in card
            else:
                amount = format_amount(measure.amount_hkd, language)
                assert f"<strong>{escape(amount)}</strong>" in card
            assert f">{escape(measure.get_status_display())}</span>" in card
            as_of = translation.gettext("as of %(date)s") % {"date": measure.status_as_of}
            assert as_of in card
            badge = f'<span class="budget-badge">{escape(measure.get_budget_display())}</span>'
            assert (badge in card) == (not measure.is_current_budget), slug
            if measure.timing:
                assert f"<dd>{escape(measure.timing)}</dd>" in card
            assert f"<dd>{escape(measure.get_kind_display())}</dd>" in card
    # The curated data has both kinds of each, so both were looked at.
    assert any('class="budget-badge"' in card for card in cards)
    assert not all('class="budget-badge"' in card for card in cards)


def test_a_list_card_escapes_what_an_editor_typed(client):
    (measure,) = make_measures(1, amount_hkd=5 * 10**8)
    measure.name_en = '<img src=x onerror="alert(1)"> & more'
    measure.summary_en = "<script>alert(2)</script>"
    measure.timing_en = "<b>soon</b>"
    measure.save()
    page = client.get("/en/measures/", {"amount_min": "5億", "amount_max": "5億"}).content.decode()
    card = page.split('<article class="measure-card">', 1)[1].split("</article>", 1)[0]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; more</a></h3>" in card
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in card
    assert "&lt;b&gt;soon&lt;/b&gt;" in card
    assert "<img" not in card and "<script" not in card and "<b>" not in card


def test_linked_records_are_shown_by_kind_then_by_name_whatever_order_they_were_added(client):
    (measure,) = make_measures(1)
    course = Record.objects.filter(type=RecordType.TRAINING_COURSE).first()
    institutes = list(Record.objects.filter(type=RecordType.INSTITUTE).order_by("-name_en")[:2])
    for record in [course, *institutes]:
        MeasureLink.objects.create(measure=measure, record=record, role=Role.PARTNERS)
    expected = [
        institutes[1].name_en,
        institutes[0].name_en,
        "Drainage Services Department",
        course.name_en,
    ]
    detail = client.get(f"/en/measures/{measure.slug}/").content.decode()
    search = client.get(EN_LIST, {"q": measure.name_en}).content.decode()
    for page in (detail, search):
        positions = [page.index(f">{escape(name)}</a>") for name in expected]
        assert positions == sorted(positions)


def test_the_sort_menu_shows_the_chosen_order_and_flags_a_bad_one(client):
    page = client.get("/en/measures/", {"sort": "-amount"}).content.decode()
    assert '<option value="-amount" selected>Amount, largest first</option>' in page
    assert page.count(" selected>") == 1
    bad = client.get("/en/measures/", {"sort": "random"}).content.decode()
    assert (
        '<select name="sort" id="id_sort" aria-invalid="true" aria-describedby="sort-error">' in bad
    )
    assert '<p class="field-error" id="sort-error" role="alert">' in bad


def test_the_facets_read_from_the_bodies_to_the_amount(client):
    page = client.get(LIST, {"q": "AI"}).content.decode()
    reading_order = [
        "committee",
        "institute",
        "funding_scheme",
        "bureau",
        "training_course",
        "theme",
        "budget",
        "kind",
        "status",
        "start_year",
        "amount",
    ]
    positions = [page.index(f'id="facet-{parameter}"') for parameter in reading_order]
    assert positions == sorted(positions)


def test_record_facets_list_the_most_frequent_options_first(client):
    facets = {facet.parameter: facet for facet in client.get(LIST).context["facets"]}
    for parameter in ["bureau", "institute", "training_course", "theme"]:
        counts = [option.count for option in facets[parameter].options]
        assert len(counts) > 2
        assert counts == sorted(counts, reverse=True), parameter


def test_options_no_measure_has_stay_visible_but_cannot_be_chosen(client):
    response = client.get(LIST, {"bureau": "drainage-services-department"})
    kinds = next(facet for facet in response.context["facets"] if facet.parameter == "kind")
    assert [option.value for option in kinds.options] == [value for value, _ in MeasureKind.choices]
    page = response.content.decode()
    for option in kinds.options:
        checkbox = page.split(f'id="f-kind-{option.value}"', 1)[1].split(">", 1)[0]
        assert (" disabled" in checkbox) == (option.count == 0)
    assert any(option.count == 0 for option in kinds.options)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement time limits are PostgreSQL's"
)
# As in production, no transaction around the request. Inside one (the test's own), a count
# cut off at its time limit can leave the rollback of its savepoint cancelled too, on a busy
# machine, and the caller's transaction unusable for the rest of the request.
outside_a_transaction = pytest.mark.django_db(transaction=True)


def sleep_in_the_database(seconds):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])


def slow_column_facets(monkeypatch, seconds_by_facet):
    """Makes the counts of the column facets of ``seconds_by_facet`` that slow (the choice
    facets counted together, by the slowest); returns the list of the column facets asked, in
    order."""
    from measures.listing import facets

    choice_counts, year_counts, asked = facets.choice_counts, facets.year_counts, []

    def slowed(parameters):
        asked.extend(parameters)
        seconds = max(seconds_by_facet.get(parameter, 0) for parameter in parameters)
        if seconds:
            sleep_in_the_database(seconds)

    def slow_choices(measures, parameters, total=False):
        slowed(parameters)
        return choice_counts(measures, parameters, total)

    def slow_years(filterset):
        slowed(["start_year"])
        return year_counts(filterset)

    monkeypatch.setattr(facets, "choice_counts", slow_choices)
    monkeypatch.setattr(facets, "year_counts", slow_years)
    return asked


def slow_record_facets(monkeypatch, seconds_by_facet):
    """Makes the counts of the record and theme facets of ``seconds_by_facet`` that slow (the
    record facets not in use counted together, by the slowest); returns the lists of facets
    asked, one list per count, in order."""
    from measures.listing import facets

    linked_counts, unused_record_counts, asked = (
        facets.linked_counts,
        facets.unused_record_counts,
        [],
    )

    def slowed(parameters):
        asked.append(parameters)
        seconds = max(seconds_by_facet.get(parameter, 0) for parameter in parameters)
        if seconds:
            sleep_in_the_database(seconds)

    def slow_linked(filterset, parameter, selected_slugs):
        slowed([parameter])
        return linked_counts(filterset, parameter, selected_slugs)

    def slow_unused(filterset, parameters):
        slowed(parameters)
        return unused_record_counts(filterset, parameters)

    monkeypatch.setattr(facets, "linked_counts", slow_linked)
    monkeypatch.setattr(facets, "unused_record_counts", slow_unused)
    return asked


def slow_shared_record_count(monkeypatch, settings):
    """The record facets not in use (counted together) take half a second against a 300 ms
    facet budget, with counts kept; a second reader asks them again only with ten times the
    time the first had, which they have not unless the first spent most of its time on the
    counts before, and a count put off has 10 s. Returns the lists of facets asked."""
    from measures.listing import facets

    asked = slow_record_facets(monkeypatch, {"committee": 0.5})
    monkeypatch.setattr(facets, "RETRY_MARGIN", 10)
    monkeypatch.setattr(facets, "put_off_budget_ms", lambda: 10_000)
    settings.FACET_TIME_BUDGET_MS = 300
    settings.COUNT_CACHE_SECONDS = 3600
    return asked


def assert_no_time_limit_left():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@postgresql_only
@outside_a_transaction
def test_a_facet_out_of_time_shows_its_options_without_counts(
    client, settings, monkeypatch, load_curated_data
):
    asked = slow_column_facets(monkeypatch, {"kind": 2, "start_year": 2})
    settings.FACET_TIME_BUDGET_MS = 1000
    response = client.get("/en/measures/", {"kind": "research"})
    by_parameter = {facet.parameter: facet for facet in response.context["facets"]}
    kinds = by_parameter["kind"]
    assert kinds.counts_unavailable
    assert [option.count for option in kinds.options] == [None] * len(MeasureKind.choices)
    assert "Counting these took too long" in response.content.decode()
    # A facet after it is still asked, with the least time (a millisecond): too little for
    # this slow count.
    assert asked[-1] == "start_year"
    assert by_parameter["start_year"].counts_unavailable
    assert not by_parameter["status"].counts_unavailable  # counted before the slow one
    total = Measure.objects.filter(kind="research").count()
    assert response.context["paginator"].count == total
    assert_no_time_limit_left()


@postgresql_only
@outside_a_transaction
def test_the_facets_that_count_the_total_are_never_cut_off(
    client, settings, monkeypatch, load_curated_data
):
    """The choice facets not in use count the list's total, which the page needs anyway: their
    count has no time limit, and its time comes off the budget of the counts after it."""
    asked = slow_column_facets(monkeypatch, {"status": 1.2, "start_year": 0.5})
    settings.FACET_TIME_BUDGET_MS = 1000
    response = client.get("/en/measures/", {"kind": "research"})
    by_parameter = {facet.parameter: facet for facet in response.context["facets"]}
    for parameter in ["budget", "status", "amount"]:
        assert not by_parameter[parameter].counts_unavailable, parameter
    statuses = dict((option.value, option.count) for option in by_parameter["status"].options)
    research = Measure.objects.filter(kind="research")
    assert statuses == {
        value: research.filter(status=value).count() for value in MeasureStatus.values
    }
    assert response.context["paginator"].count == research.count()
    # Asked after it with the time left, none: too little for a count of half a second.
    assert asked[-1] == "start_year"
    assert by_parameter["start_year"].counts_unavailable
    assert_no_time_limit_left()


@postgresql_only
@outside_a_transaction
def test_out_of_time_outside_a_transaction_as_in_production(
    client, settings, monkeypatch, load_curated_data
):
    """Served as in production (no transaction around the request): a count cut off, the
    counts after it still asked, and the connection back to autocommit with no time limit."""
    asked = slow_column_facets(monkeypatch, {"kind": 2})
    settings.FACET_TIME_BUDGET_MS = 1000
    response = client.get("/en/measures/", {"kind": "research"})
    by_parameter = {facet.parameter: facet for facet in response.context["facets"]}
    assert by_parameter["kind"].counts_unavailable
    assert not by_parameter["status"].counts_unavailable  # counted before the slow one
    assert asked[-1] == "start_year"  # the counts after it are still asked
    assert response.status_code == 200 and response.context["page_obj"].object_list
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert_no_time_limit_left()


@postgresql_only
@outside_a_transaction
def test_a_count_out_of_time_is_asked_again_only_with_more_time(
    client, settings, monkeypatch, load_curated_data
):
    """A count that ran out of time is kept as such, with the time it had: a later reader on
    the same filters asks it again only with more time left, so a count too slow for anyone
    does not take every reader's time."""
    from measures.listing import counts, facets

    asked = slow_column_facets(monkeypatch, {"status": 0.6, "start_year": 1.5})
    settings.FACET_TIME_BUDGET_MS = 1000
    settings.COUNT_CACHE_SECONDS = 3600

    def start_years(sort):
        asked.clear()
        response = client.get("/en/measures/", {"status": "ongoing", "sort": sort})
        return next(f for f in response.context["facets"] if f.parameter == "start_year")

    # The first reader's statuses take most of the time: the years have what is left.
    assert start_years("name").counts_unavailable
    assert asked[-2:] == ["status", "start_year"]
    # The next has the statuses kept, so more time for the years: they are asked again, and
    # run out of it again, so they are put off until the page is sent, with more time (here
    # 1.3 s: too little for 1.5 s)...
    monkeypatch.setattr(counts, "OUT_OF_TIME_SECONDS", 2)  # (for a few minutes, really)
    monkeypatch.setattr(facets, "put_off_budget_ms", lambda: 1300)
    assert start_years("-name").counts_unavailable
    assert asked == ["start_year", "start_year"]
    # ...and then no reader asks them again, nor puts them off: there is no more time...
    assert start_years("amount").counts_unavailable
    assert asked == []
    # ...for a while: a count cut off while the machine was busy is tried afresh later.
    time.sleep(2.5)
    assert start_years("start").counts_unavailable
    assert asked == ["start_year"]
    # Without a time limit, every count is made, whatever an earlier reader ran out of.
    settings.FACET_TIME_BUDGET_MS = 0
    assert not start_years("-start").counts_unavailable
    assert_no_time_limit_left()


@postgresql_only
@outside_a_transaction
def test_a_count_put_off_is_made_once_the_page_is_sent_for_the_next_reader(
    client, settings, monkeypatch, load_curated_data
):
    """A count too slow for two readers' pages is made once the second page is sent: the
    third reader has it. Pages without it are not kept in the page cache, nor confirmed by
    ETag; the first page with it is."""
    asked = slow_shared_record_count(monkeypatch, settings)
    settings.PAGE_CACHE_SECONDS = 3600

    filters = {"kind": "education"}
    shared = ["committee", "institute", "funding_scheme", "training_course"]

    def read(sort):
        asked.clear()
        response = client.get("/en/measures/", {**filters, "sort": sort})
        by_parameter = {facet.parameter: facet for facet in response.context["facets"]}
        return [by_parameter[parameter] for parameter in shared], response

    first, response = read("name")
    assert all(facet.counts_unavailable for facet in first) and shared in asked
    assert "ETag" not in response
    # The second reader has no more time: the page goes without, and the count is put off
    # until the page is sent, when it has the time it needs.
    second, response = read("-name")
    assert all(facet.counts_unavailable for facet in second)
    assert asked.count(shared) == 1 and asked[-1] == shared
    assert "Counting these took too long" in response.content.decode()
    third, response = read("amount")
    assert shared not in asked and not any(facet.counts_unavailable for facet in third)
    assert "ETag" in response
    options = [(facet.parameter, option) for facet in third for option in facet.options]
    assert len(options) >= 3
    # The page with every count is kept: the same address is answered from the cache. The
    # second reader's was not: it is rendered again, with the counts.
    cached = client.get("/en/measures/", {**filters, "sort": "amount"})
    assert cached.context is None and cached.content == response.content
    again = client.get("/en/measures/", {**filters, "sort": "-name"})
    assert (
        again.context is not None and "Counting these took too long" not in again.content.decode()
    )
    # Each count is that of the list with the option chosen.
    for parameter, option in options:
        listed = client.get("/en/measures/", {**filters, parameter: option.value})
        assert option.count == listed.context["paginator"].count > 0, option.value


@postgresql_only
@outside_a_transaction
def test_a_page_missing_counts_too_slow_even_when_put_off_is_kept_only_a_while(
    client, settings, monkeypatch, load_curated_data
):
    """Once a count has run out of the time after a page too, no reader waits for it: the page
    without it is kept in the page cache, without an ETag, for as long as the count is known
    to be out of time."""
    from measures.listing import facets, views

    slow_column_facets(monkeypatch, {"start_year": 1.5})
    monkeypatch.setattr(facets, "put_off_budget_ms", lambda: 1300)
    monkeypatch.setattr(views, "OUT_OF_TIME_SECONDS", 1)  # (five minutes, really)
    settings.FACET_TIME_BUDGET_MS = 1000
    settings.COUNT_CACHE_SECONDS = 3600
    settings.PAGE_CACHE_SECONDS = 3600

    def read(sort):
        response = client.get("/en/measures/", {"status": "ongoing", "sort": sort})
        years = re.search(r'id="facet-start_year">.*?</fieldset>', response.content.decode(), re.S)
        return response, "took too long" in years.group()

    # Cut off for the first reader, then put off by the second and cut off after its page.
    assert read("name")[1] and read("-name")[1]
    third, missing = read("amount")
    assert missing and third.context is not None and "ETag" not in third
    again, missing = read("amount")
    assert missing and again.context is None and "ETag" not in again  # from the cache
    time.sleep(1.1)
    assert read("amount")[0].context is not None  # rendered afresh


@postgresql_only
@outside_a_transaction
def test_put_off_counts_are_made_by_one_page_of_the_site_at_a_time(
    client, settings, monkeypatch, load_curated_data
):
    from django.core.cache import cache

    from measures.listing import counts

    asked = slow_shared_record_count(monkeypatch, settings)
    shared = ["committee", "institute", "funding_scheme", "training_course"]

    def committees(sort):
        asked.clear()
        response = client.get("/en/measures/", {"kind": "education", "sort": sort})
        return next(f for f in response.context["facets"] if f.parameter == "committee")

    assert committees("name").counts_unavailable  # cut off: the next page puts it off
    # While another page makes the counts it put off, this one leaves its own to a later one.
    cache.add(counts.COUNTING_ALONE_KEY, True, 60)
    assert committees("-name").counts_unavailable and shared not in asked
    cache.delete(counts.COUNTING_ALONE_KEY)
    assert committees("amount").counts_unavailable and asked[-1] == shared
    assert not committees("-amount").counts_unavailable and shared not in asked


def test_a_count_put_off_is_claimed_by_one_page(settings):
    from django.http import QueryDict

    from measures.listing.counts import KeptCounts

    settings.COUNT_CACHE_SECONDS = 3600

    def kept(query):
        return KeptCounts(QueryDict(query), {"committee": ("committee", {"committee"})})

    assert kept("kind=education").claim(["committee"])
    # Another page on the same filters (sorted otherwise) finds it claimed; other filters not.
    assert not kept("kind=education&sort=name").claim(["committee"])
    assert kept("kind=research").claim(["committee"])


def test_counts_that_fail_once_the_page_is_sent_are_logged_and_the_request_still_ends(rf, caplog):
    from django.core.signals import request_finished

    from measures.listing.views import ThenCountResponse

    def fail():
        raise OperationalError("the database went away")

    finished = []

    def note_finished(**kwargs):
        finished.append(kwargs)

    response = ThenCountResponse(rf.get("/en/measures/?q=AI"), "measures/measure_list.html")
    response.after_sending = fail
    request_finished.connect(note_finished)
    try:
        response.close()
    finally:
        request_finished.disconnect(note_finished)
    assert finished and response.closed
    assert "Making the facet counts put off for /en/measures/?q=AI failed" in caplog.text
    assert "the database went away" in caplog.text


@postgresql_only
@outside_a_transaction
def test_a_late_cancellation_does_not_cost_the_next_facet_its_count(
    client, settings, load_curated_data
):
    """A count that ends just as its time runs out can have its cancellation land on the next
    statement, the next facet's time limit: that facet is still counted."""
    late = {"pending": True}

    def cancel_the_first_time_limit(execute, sql, params, many, context):
        if sql.startswith("SET LOCAL statement_timeout") and late.pop("pending", False):
            execute(sql, params, many, context)
            with connection.cursor() as cursor:
                # What a late cancellation gives: the transaction aborted, error 57014.
                try:
                    cursor.execute("SET LOCAL statement_timeout = 1; SELECT pg_sleep(0.1)")
                except OperationalError as error:
                    assert error.__cause__.sqlstate == "57014"
                    raise
        return execute(sql, params, many, context)

    settings.FACET_TIME_BUDGET_MS = 5000
    with connection.execute_wrapper(cancel_the_first_time_limit):
        response = client.get("/en/measures/", {"kind": "research"})
    assert "pending" not in late
    facets = response.context["facets"]
    assert [facet.parameter for facet in facets if facet.counts_unavailable] == []


@postgresql_only
@outside_a_transaction
def test_a_slow_record_facet_leaves_the_other_facets_their_counts(
    client, settings, monkeypatch, load_curated_data
):
    from measures.listing import facets

    slow_record_facets(monkeypatch, {"committee": 2})
    # A few milliseconds each over a search at 100,000 measures: more than the least time.
    columns = [parameter for parameter in facets.FACETS if parameter not in facets.LIMITED_FACETS]
    slow_column_facets(monkeypatch, dict.fromkeys(columns, 0.05))
    settings.FACET_TIME_BUDGET_MS = 1000
    response = client.get("/en/measures/", {"q": "AI"})
    by_parameter = {facet.parameter: facet for facet in response.context["facets"]}
    assert by_parameter["committee"].counts_unavailable
    assert not by_parameter["bureau"].counts_unavailable  # counted on its own, first
    for parameter in ["budget", "kind", "status", "start_year", "amount"]:
        assert not by_parameter[parameter].counts_unavailable, parameter
        assert sum(option.count for option in by_parameter[parameter].options) > 0


@postgresql_only
@outside_a_transaction
@pytest.mark.parametrize("filters", [{"kind": "research"}, {"bureau": "digital-policy-office"}])
def test_short_of_time_the_departments_are_counted_first_then_the_other_bodies_together(
    client, settings, monkeypatch, load_curated_data, filters
):
    from measures.listing.facets import LIMITED_FACETS

    asked = slow_record_facets(monkeypatch, dict.fromkeys(LIMITED_FACETS, 0.4))
    settings.FACET_TIME_BUDGET_MS = 700  # time for one of the counts
    response = client.get("/en/measures/", filters)
    others = ["committee", "institute", "funding_scheme", "training_course"]
    assert asked == [["bureau"], others, ["theme"]]
    by_parameter = {facet.parameter: facet for facet in response.context["facets"]}
    unavailable = {
        parameter for parameter, facet in by_parameter.items() if facet.counts_unavailable
    }
    assert unavailable == {*others, "theme"}
    # Each department's count is that of the list with it chosen alone.
    for option in by_parameter["bureau"].options:
        listed = client.get("/en/measures/", {**filters, "bureau": option.value})
        assert option.count == listed.context["paginator"].count > 0, option.value


def listed_slugs(client, filters):
    """The measures of every page of the list for ``filters``, as a reader pages through."""
    slugs, number = [], 1
    while True:
        page = client.get("/en/measures/", {**filters, "page": number}).content.decode()
        slugs += re.findall(r'<h3><a href="/en/measures/([^/]+)/">', page)
        if 'rel="next"' not in page:
            return slugs, page
        number += 1


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"q": "AI"},
        {"bureau": "digital-policy-office", "sort": "-amount"},
        # Every choice facet in use: none counts the list's measures, the list counts them.
        {"kind": "research", "status": "announced", "budget": "2026-27", "amount": "none"},
        {"kind": ["research", "infrastructure"], "amount": "1b-plus"},
    ],
)
def test_the_heading_counts_the_measures_the_pages_list(client, filters, settings):
    for counts_kept in (0, 3600):  # counted afresh, then read from the counts kept
        settings.COUNT_CACHE_SECONDS = counts_kept
        for _ in range(2):
            slugs, last_page = listed_slugs(client, filters)
            assert len(slugs) == len(set(slugs))
            total = int(re.search(r'id="results-heading"[^>]*>\s*([\d,]+) measure', last_page)[1])
            assert total == len(slugs), filters


@pytest.mark.parametrize(
    ("prefix", "heading", "downloads"),
    [
        ("/en", "{:,} measures", "Download these {:,} measures"),
        ("", "{:,}項措施", "按上述篩選條件下載這 {:,} 項措施"),
    ],
)
def test_a_list_of_thousands_counts_them_with_separators(client, prefix, heading, downloads):
    template = Measure.objects.first()
    Measure.objects.bulk_create(
        Measure(
            slug=f"many-{number}",
            name_zh=f"措施{number}",
            name_en=f"Measure {number}",
            summary_zh=template.summary_zh,
            summary_en=template.summary_en,
            kind=template.kind,
            budget=template.budget,
            status_at_announcement=template.status_at_announcement,
            status=template.status_at_announcement,
            status_as_of=template.status_as_of,
        )
        for number in range(1000)
    )
    total = Measure.objects.count()
    page = client.get(f"{prefix}/measures/").content.decode()
    assert re.search(rf'id="results-heading"[^>]*>\s*{re.escape(heading.format(total))}\s*<', page)
    assert downloads.format(total) in page


# --- Former addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new",
    [
        ("/measures/ai-subsidy-scheme/", "/measures/ai-subsidy-scheme-renamed/"),
        ("/en/measures/ai-subsidy-scheme/", "/en/measures/ai-subsidy-scheme-renamed/"),
        ("/api/measures/ai-subsidy-scheme/", "/api/measures/ai-subsidy-scheme-renamed/"),
    ],
)
def test_a_measure_s_old_address_leads_to_its_new_one_after_its_slug_changes(client, old, new):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    measure.slug = "ai-subsidy-scheme-renamed"
    measure.save()
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new
    assert client.get(new).status_code == 200


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_a_measure_s_old_feed_leads_to_its_new_feed(client, prefix):
    measure = Measure.objects.get(slug="sandy-ridge-data-facility-cluster")
    measure.slug = "sandy-ridge-renamed"
    measure.save()
    response = client.get(f"{prefix}measures/sandy-ridge-data-facility-cluster/developments.atom")
    assert response.status_code == 301
    assert response["Location"] == f"{prefix}measures/sandy-ridge-renamed/developments.atom"
    assert client.get(response["Location"]).status_code == 200
    assert client.get(f"{prefix}measures/never-was/developments.atom").status_code == 404


def test_a_record_s_old_address_leads_to_its_new_one_and_keeps_the_page(client):
    record = Record.objects.get(slug="vtc")
    record.slug = "vocational-training-council"
    record.save()
    response = client.get("/en/bureaux/vtc/", {"page": "1"})
    assert response.status_code == 301
    assert response["Location"] == "/en/bureaux/vocational-training-council/?page=1"
    assert (
        client.get("/api/bureaux/vtc/")["Location"] == "/api/bureaux/vocational-training-council/"
    )
    assert client.get("/en/committees/vtc/").status_code == 404  # not a committee's address


def test_a_list_filtered_by_a_record_s_or_theme_s_old_slug_leads_to_the_new_one(client):
    expected = [m.slug for m in client.get(EN_LIST, {"bureau": "vtc"}).context["page_obj"]]
    record = Record.objects.get(slug="vtc")
    record.slug = "vocational-training-council"
    record.save()
    theme = Theme.objects.get(slug="flooding")
    theme.slug = "floods"
    theme.save()

    response = client.get(EN_LIST, {"bureau": ["vtc", "nope"], "sort": "name"})
    assert response.status_code == 301
    assert response["Location"] == (
        "/en/measures/?bureau=vocational-training-council&bureau=nope&sort=name"
    )
    response = client.get(EN_LIST, {"bureau": "vtc"}, follow=True)
    assert [m.slug for m in response.context["page_obj"]] == expected
    assert client.get("/measures/", {"theme": "flooding"})["Location"] == "/measures/?theme=floods"
    for address in (
        "/api/measures/",
        "/measures.csv",
        "/en/measures.json",
        "/en/measures/options/theme/",
    ):
        response = client.get(address, {"bureau": "vtc"})
        assert response.status_code == 301
        assert response["Location"] == f"{address}?bureau=vocational-training-council"
    response = client.get("/en/measures/options/theme/", {"bureau": "vtc", "page": "2"})
    assert response["Location"] == (
        "/en/measures/options/theme/?bureau=vocational-training-council&page=2"
    )
    assert client.get("/api/measures/", {"bureau": "nope"}).status_code == 400

    # A slug no record ever had is refused on the page, as before, and looking up many costs
    # no more queries than looking up two.
    response = client.get(EN_LIST, {"bureau": "nope"})
    assert response.status_code == 200 and "bureau" in response.context["filter"].form.errors
    queries = []
    for count in (2, 200):
        with CaptureQueriesContext(connection) as captured:
            client.get(EN_LIST, {"bureau": [f"never-{n}" for n in range(count)]})
        queries.append(len(captured))
    assert queries[0] == queries[1]


def test_an_old_slug_taken_by_another_measure_is_that_measure_s_page(client):
    first, second = make_measures(2)
    old = first.slug
    first.slug = f"{old}-moved"
    first.save()
    second.slug = old
    second.save()
    response = client.get(f"/en/measures/{old}/")
    assert response.status_code == 200 and response.context["measure"] == second
    assert client.get("/en/measures/never-was-a-measure/").status_code == 404


def test_a_facet_s_options_page_says_which_filters_it_could_not_use(client):
    url = "/en/measures/options/theme/"
    response = client.get(url, {"start_year": ["2026", "2025"], "kind": "education"})
    assert [active["value"] for active in response.context["active_filters"]] == [
        "Education and talent"
    ]
    page = response.content.decode()
    assert "Some filters could not be used and are left out of these counts:" in page
    assert "Start year: 2026; Start year: 2025" in page
    untouched = client.get(url, {"kind": "", "theme": ""})
    assert untouched.status_code == 302 and untouched["Location"] == url


def test_a_timing_stated_without_its_year_is_shown_with_the_year_it_starts(client):
    """The article's 下半年 ("the second half") is 2026's, which a reader in 2027 cannot tell
    (the English texts state their years)."""
    undated = [
        measure
        for measure in Measure.objects.exclude(starts_on=None).exclude(timing_zh="")
        if str(measure.starts_on.year) not in measure.timing_zh
    ]
    assert undated
    for measure in undated:
        detail = client.get(f"/measures/{measure.slug}/").content.decode()
        assert f"<dd>{measure.timing_zh}（{measure.starts_on.year}年）" in detail
        assert f"<dd>{measure.timing_zh}<" not in detail


def test_a_measure_whose_status_moved_on_says_its_status_when_announced(client):
    measure = Measure.objects.exclude(status=F("status_at_announcement")).first()
    page = client.get(f"/en/measures/{measure.slug}/").content.decode()
    with translation.override("en"):
        expected = f"Status when announced: {measure.get_status_at_announcement_display()}"
    assert expected in page


def test_an_unknown_sort_order_is_explained_as_an_order_in_both_languages(client):
    english = client.get(EN_LIST, {"sort": "random"}).context["filter"].form.errors
    assert english["sort"] == ["“random” is not one of the orders this list can be sorted in."]
    chinese = client.get(LIST, {"sort": "random"}).context["filter"].form.errors
    assert chinese["sort"] == ["「random」不是這個列表的排序方式。"]
    api = client.get("/en/api/measures/", {"sort": "random"})
    assert api.status_code == 400
    assert api.json()["sort"] == english["sort"]


def test_a_facet_option_shows_its_name_as_text_with_its_count_and_state(client):
    bureau = Bureau.objects.create(
        slug="markup-office",
        name_zh="標記辦",
        name_en='Markup <img src=x onerror="alert(1)"> & Co',
        kind=BodyKind.OFFICE,
    )
    make_measures(2, bureau=bureau)
    page = client.get(EN_LIST, {"bureau": "markup-office"}).content.decode()
    option = page.split('id="f-bureau-markup-office"', 1)[1].split("</li>", 1)[0]
    assert option == (
        ' value="markup-office" checked> '
        "Markup &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co"
        ' <span class="count">2</span></label>'
    )
    assert "<img src=x" not in page
