"""The JSON API: the same measures as the HTML list, every promised field, 400s, ETags."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.api.docs import EXAMPLE_QUERY
from measures.api.serializers import MeasureSerializer
from measures.listing.filters import MeasureFilter
from measures.models import RECORD_MODELS, Measure, Source, Theme

from .factories import make_measures

pytestmark = pytest.mark.django_db

API = "/api/measures/"
EN_API = "/en/api/measures/"

FILTER_COMBINATIONS = [
    "",
    "kind=education",
    "kind=education&kind=workforce",
    "theme=education&sort=-amount",
    "q=AI&sort=name",
    "q=水浸",
    "bureau=hksar-government",
    "bureau=hksar-government&theme=education",
    "funding_scheme=quality-education-fund",
    "amount=none&sort=-name",
    "amount=1b-plus",
    "amount_min=5,000萬&amount_max=30億",
    "amount_min=HK$100 million&sort=amount",
    "start_year=2026",
    "status=ongoing&sort=-start",
    "sort=start",
    "q=no-such-words-anywhere",
]


def html_slugs(client, prefix, query):
    response = client.get(f"{prefix}measures/?{query}")
    assert response.status_code == 200
    return [measure.slug for measure in response.context["paginator"].object_list]


def api_slugs(client, prefix, query):
    response = client.get(f"{prefix}api/measures/?{query}&page_size=500")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return [measure["slug"] for measure in body["results"]]


@pytest.mark.parametrize("prefix", ["/", "/en/"])
@pytest.mark.parametrize("query", FILTER_COMBINATIONS)
def test_the_api_lists_the_same_measures_in_the_same_order_as_the_html_list(client, prefix, query):
    assert api_slugs(client, prefix, query) == html_slugs(client, prefix, query)


def test_the_filter_combinations_are_not_all_alike(client):
    results = {tuple(api_slugs(client, "/", query)) for query in FILTER_COMBINATIONS}
    assert len(results) > 10
    assert () in results  # one combination matches nothing


MEASURE_FIELDS = {
    "slug",
    "url",
    "name_zh",
    "name_en",
    "summary_zh",
    "summary_en",
    "kind",
    "status",
    "amount_hkd",
    "amount_type",
    "timing",
    "themes",
    "links",
    "source",
}
LINK_FIELDS = {"type", "slug", "name_zh", "name_en", "role"}
SOURCE_FIELDS = {"source", "paragraph", "quote"}


def test_every_measure_has_every_promised_field(client):
    results = client.get(API, {"page_size": 500}).json()["results"]
    assert len(results) == Measure.objects.count()
    link_types = set()
    for measure in results:
        assert set(measure) >= MEASURE_FIELDS
        assert measure["amount_hkd"] is None or isinstance(measure["amount_hkd"], int)
        assert set(measure["timing"]) >= {"zh", "en", "starts_on", "ends_on"}
        assert measure["source"], measure["slug"]
        for citation in measure["source"]:
            assert set(citation) >= SOURCE_FIELDS
            assert citation["source"]["url"].startswith("http")
            held = Source.objects.get(slug=citation["source"]["slug"]).full_text_held
            assert bool(citation["quote"]) == held
        for link in measure["links"]:
            assert set(link) >= LINK_FIELDS
            link_types.add(link["type"])
    assert link_types == set(RECORD_MODELS)


def test_a_measure_in_the_api_matches_the_database(client):
    measure = Measure.objects.for_display().get(slug="ai-subsidy-scheme")
    data = client.get(f"{API}ai-subsidy-scheme/").json()
    assert data["name_zh"] == measure.name_zh
    assert data["amount_hkd"] == 3_000_000_000
    assert data["amount_type"] == "scheme_size"
    assert data["amount_text"] == {"zh": "HK$30億", "en": "HK$3 billion"}
    assert data["url"] == "http://testserver/measures/ai-subsidy-scheme/"
    assert [theme["slug"] for theme in data["themes"]] == [
        theme.slug for theme in measure.themes.all()
    ]
    assert [(link["type"], link["slug"], link["role"]) for link in data["links"]] == [
        (link.record_type, link.record.slug, link.role) for link in measure.links()
    ]
    article, speech = measure.citations.order_by("-source__full_text_held")
    assert data["source"] == [
        {
            "source": {
                "slug": citation.source.slug,
                "kind": citation.source.kind,
                "language": citation.source.language,
                "publisher_zh": citation.source.publisher_zh,
                "publisher_en": citation.source.publisher_en,
                "title_zh": citation.source.title_zh,
                "title_en": citation.source.title_en,
                "published_on": citation.source.published_on.isoformat(),
                "url": citation.source.url,
            },
            "paragraph": citation.paragraph,
            "quote": citation.quote_zh,
        }
        for citation in measure.citations.all()
    ]
    assert {citation["source"]["slug"] for citation in data["source"]} == {
        "singtao-2026-02-25-budget-ai",
        "budget-speech-2026-27-ai",
    }
    assert (article.paragraph, speech.paragraph) == (5, 37)
    assert speech.quote_zh == ""
    assert speech.source.url == "https://www.budget.gov.hk/2026/eng/budget07.html"


def test_a_measure_without_an_amount_says_null(client):
    data = client.get(f"{API}hk-ai-rnd-institute/").json()
    assert data["amount_hkd"] is None
    assert data["amount_type"] is None
    assert data["timing"] == {
        "zh": "下半年",
        "en": "second half of 2026",
        "starts_on": "2026-07-01",
        "ends_on": "2026-12-31",  # a half-year ends with it
    }


def test_both_languages_give_the_same_content_but_their_own_addresses(client):
    chinese = client.get(f"{API}ai-subsidy-scheme/").json()
    english = client.get(f"{EN_API}ai-subsidy-scheme/").json()
    assert english["url"] == "http://testserver/en/measures/ai-subsidy-scheme/"
    assert english["api_url"] == "http://testserver/en/api/measures/ai-subsidy-scheme/"
    assert english["links"][0]["url"].startswith("http://testserver/en/")

    def without_addresses(value):
        if isinstance(value, dict):
            return {
                key: without_addresses(item)
                for key, item in value.items()
                if key not in ("url", "api_url")
            }
        if isinstance(value, list):
            return [without_addresses(item) for item in value]
        return value

    assert without_addresses(chinese) == without_addresses(english)


def test_pages_link_to_each_other(client):
    first = client.get(API, {"page_size": 4, "kind": "education"}).json()
    assert first["count"] == Measure.objects.filter(kind="education").count()
    assert first["previous"] is None
    assert "page=2" in first["next"] and "kind=education" in first["next"]
    second = client.get(first["next"]).json()
    assert "page_size=4" in second["previous"]
    slugs = [m["slug"] for m in first["results"] + second["results"]]
    assert slugs == api_slugs(client, "/", "kind=education")


def test_the_default_page_holds_fifty(client):
    make_measures(45)
    body = client.get(API).json()
    assert body["count"] == Measure.objects.count()
    assert len(body["results"]) == 50
    assert body["next"].endswith("page=2")


@pytest.mark.parametrize(
    ("query", "bad_fields"),
    [
        ("amount_min=lots", {"amount_min"}),
        ("amount_min=-5", {"amount_min"}),
        ("kind=magic", {"kind"}),
        ("status=abandoned", {"status"}),
        ("bureau=no-such-body", {"bureau"}),
        ("theme=no-such-theme", {"theme"}),
        ("start_year=soon", {"start_year"}),
        ("start_year=99999", {"start_year"}),
        ("sort=sideways", {"sort"}),
        ("amount=some", {"amount"}),
        ("amount_min=30億&amount_max=1億", {"amount_max"}),
        ("q=" + "x" * 201, {"q"}),
        ("page=0", {"page"}),
        ("page=-1", {"page"}),
        ("page=abc", {"page"}),
        ("page=1.5", {"page"}),
        ("page=last", {"page"}),
        ("page=99", {"page"}),
        ("page_size=0", {"page_size"}),
        ("page_size=501", {"page_size"}),
        ("page_size=ten", {"page_size"}),
        ("page_size=1&page_size=2", {"page_size"}),
        ("page=1&page=2", {"page"}),
        (
            "kind=magic&amount_min=lots&page_size=0&page=x",
            {"kind", "amount_min", "page_size", "page"},
        ),
    ],
)
def test_bad_parameters_answer_400_naming_each_field(client, query, bad_fields):
    for prefix in (API, EN_API):
        response = client.get(f"{prefix}?{query}")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert set(body) == bad_fields
        for messages in body.values():
            assert messages and all(isinstance(m, str) and m for m in messages)


def test_a_page_past_the_end_says_how_many_pages_there_are(client):
    pages = -(-Measure.objects.count() // 10)
    body = client.get(EN_API, {"page": pages + 1, "page_size": 10}).json()
    assert body == {"page": [f"There is no page {pages + 1}: there are {pages} pages."]}


def test_an_empty_result_still_has_a_first_page(client):
    body = client.get(API, {"q": "no-such-words-anywhere"}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_unknown_parameters_are_ignored_as_on_the_html_list(client):
    assert api_slugs(client, "/", "utm_source=newsletter") == api_slugs(client, "/", "")


@pytest.mark.parametrize(
    "query, same_as",
    [
        ("kind=", ""),
        ("bureau=&status=", ""),
        ("kind=&kind=education", "kind=education"),
        ("q=&start_year=&theme=", ""),
    ],
)
def test_a_parameter_given_empty_filters_nothing_as_on_the_html_list(client, query, same_as):
    assert api_slugs(client, "/", query) == api_slugs(client, "/", same_as)
    csv = client.get(f"/measures.csv?{query}")
    assert csv.status_code == 200
    assert csv.getvalue() == client.get(f"/measures.csv?{same_as}").getvalue()


@pytest.mark.parametrize(
    "query, bad_fields",
    [
        ("start_year=2026&start_year=2027", {"start_year"}),
        ("sort=amount&sort=name", {"sort"}),
        ("q=ai&q=flood&amount_min=1&amount_min=2", {"q", "amount_min"}),
    ],
)
def test_a_filter_that_takes_one_value_given_several_is_a_400(client, query, bad_fields):
    response = client.get(f"/en/api/measures/?{query}")
    assert response.status_code == 400
    assert response.json() == dict.fromkeys(bad_fields, ["This filter takes one value, not 2."])


def test_a_repeatable_filter_takes_several_values(client):
    both = set(api_slugs(client, "/", "kind=education&kind=research"))
    assert both == set(api_slugs(client, "/", "kind=education")) | set(
        api_slugs(client, "/", "kind=research")
    )


def test_detail_ignores_list_filters(client):
    response = client.get(f"{API}ai-subsidy-scheme/", {"kind": "education"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [f"{API}no-such-measure/", f"{EN_API}no-such-measure/"]
    + [f"/api/{model.url_segment}/no-such-record/" for model in RECORD_MODELS.values()],
)
def test_an_unknown_slug_is_a_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        (f"{API}no-such-measure/", "這個地址沒有措施。"),
        (f"{EN_API}no-such-measure/", "There is no measure at this address."),
        ("/api/bureaux/no-such-record/", "這個地址沒有政策局或部門。"),
        ("/en/api/bureaux/no-such-record/", "There is no bureau or department at this address."),
    ],
)
def test_an_unknown_slug_is_explained_in_the_language_of_the_api(client, url, detail):
    assert client.get(url).json() == {"detail": detail}


@pytest.mark.parametrize("url", [API, f"{API}ai-subsidy-scheme/", "/api/bureaux/", "/api/themes/"])
def test_etag_last_modified_and_304(client, url):
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304

    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    measure.summary_en += " Edited."
    measure.save()
    changed = client.get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_an_edit_shows_in_the_api_at_once(client):
    client.get(f"{API}ai-subsidy-scheme/")
    Measure.objects.filter(slug="ai-subsidy-scheme").first().themes.clear()
    assert client.get(f"{API}ai-subsidy-scheme/").json()["themes"] == []


def test_the_etag_differs_by_query_and_language(client):
    etags = {client.get(url)["ETag"] for url in (API, EN_API, f"{API}?kind=education")}
    assert len(etags) == 3


def test_the_list_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(13) as few:
        client.get(API)
    make_measures(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(API, {"page_size": 100}).json()
    assert len(body["results"]) == Measure.objects.count()


@pytest.mark.parametrize("url", ["/api/bureaux/", "/en/api/bureaux/drainage-services-department/"])
def test_records_take_a_fixed_number_of_queries(client, url):
    # Each measure a record lists is read with its link (only the columns it shows): one more
    # measure of the department is no query more.
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    make_measures(30)
    with CaptureQueriesContext(connection) as after:
        body = client.get(url).json()
    assert len(after) == len(before)
    records = body.get("results", [body])
    drainage = next(r for r in records if r["slug"] == "drainage-services-department")
    assert len(drainage["measures"]) == drainage["measure_count"] > 30


@pytest.mark.parametrize("record_type", RECORD_MODELS)
def test_each_record_type_lists_its_records_with_their_measures(client, record_type):
    model = RECORD_MODELS[record_type]
    body = client.get(f"/api/{model.url_segment}/", {"page_size": 500}).json()
    assert body["count"] == model.objects.count()
    assert [record["slug"] for record in body["results"]] == list(
        model.objects.order_by("name_en", "pk").values_list("slug", flat=True)
    )
    for record in body["results"]:
        assert record["type"] == record_type
        instance = model.objects.get(slug=record["slug"])
        linked = set(instance.measure_links.values_list("measure__slug", flat=True))
        assert {measure["slug"] for measure in record["measures"]} == linked
        assert record["measure_count"] == len(linked)
        amounts = Measure.objects.of_budget().filter(slug__in=linked, amount_hkd__isnull=False)
        assert record["total_amount_hkd"] == (
            sum(amounts.values_list("amount_hkd", flat=True)) if amounts else None
        )
        detail = client.get(record["api_url"])
        assert detail.status_code == 200
        assert detail.json() == record


def test_a_record_lists_each_measure_once_with_all_its_roles(client):
    bureau = RECORD_MODELS["bureau"].objects.get(slug="upskill-hong-kong")
    data = client.get(f"/api/bureaux/{bureau.slug}/").json()
    roles = {measure["slug"]: measure["roles"] for measure in data["measures"]}
    assert roles == {
        "erb-renamed-upskill-hong-kong": ["subject"],
        "upskill-hk-skills-based-training": ["provides_training"],
    }


def test_record_type_specific_fields(client):
    assert "chair_zh" in client.get("/api/committees/").json()["results"][0]
    bureau = client.get("/api/bureaux/hkma/").json()
    assert {"kind", "successor", "succession_note_en"} <= set(bureau)
    course = client.get("/api/training-courses/").json()["results"][0]
    assert {"provider", "audience_zh"} <= set(course)


def test_themes_list_the_slugs_the_theme_filter_takes(client):
    body = client.get("/api/themes/", {"page_size": 500}).json()
    assert {theme["slug"] for theme in body["results"]} == set(
        Theme.objects.values_list("slug", flat=True)
    )


def test_route_names():
    assert reverse("measures:api-measure-list") == "/api/measures/"
    assert reverse("measures:api-measure-detail", args=["x"]) == "/api/measures/x/"
    for record_type, model in RECORD_MODELS.items():
        assert reverse(f"measures:api-{record_type}-list") == f"/api/{model.url_segment}/"
        assert (
            reverse(f"measures:api-{record_type}-detail", args=["x"])
            == f"/api/{model.url_segment}/x/"
        )
    assert reverse("measures:api-docs") == "/api/"
    assert reverse("measures:api-schema") == "/api/openapi.json"


def test_the_openapi_description_lists_every_endpoint_and_parameter(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/measures/" in schema["paths"]
    assert "/api/measures/{slug}/" in schema["paths"]
    for model in RECORD_MODELS.values():
        assert f"/api/{model.url_segment}/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/measures/"]["get"]["parameters"]}
    assert set(MeasureFilter.base_filters) | {"page", "page_size"} <= parameters


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_docs_page_documents_every_parameter_and_field(client, prefix):
    response = client.get(f"{prefix}api/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in [*MeasureFilter.base_filters, "page", "page_size"]:
        assert f"<code>{name}</code>" in page
    for name in MeasureSerializer().fields:
        assert f"<code>{name}</code>" in page or f"<code>{name}[]</code>" in page
    for path in ("links[].type", "links[].role", "source[].quote", "source[].paragraph"):
        assert f"<code>{path}</code>" in page
    assert reverse("measures:api-schema") in page
    assert 'style="' not in page


def test_the_docs_example_is_what_the_api_answers(client):
    response = client.get("/api/")
    example = json.loads(response.context["example_response"])
    live = client.get(f"{API}?{EXAMPLE_QUERY}").json()
    assert example == live
    assert example["results"], "the example should show a measure"


def test_the_footer_links_to_the_api_docs(client):
    assert 'href="/en/api/"' in client.get("/en/").content.decode()


@pytest.mark.parametrize("typed", ["5%", "%s", "%(x)s", "100%d"])
def test_an_amount_with_a_percent_sign_is_a_400_not_a_500(client, typed):
    response = client.get("/api/measures/", {"amount_min": typed})
    assert response.status_code == 400
    assert "amount_min" in response.json()


def test_a_record_lists_its_first_links_and_where_to_find_every_measure(client, monkeypatch):
    monkeypatch.setattr("measures.api.views.RECORD_MEASURES_SHOWN", 2)
    record = client.get("/api/bureaux/hksar-government/").json()
    assert record["measure_count"] > 2
    assert len(record["measures"]) == 2
    assert record["measures_url"] == "http://testserver/api/measures/?bureau=hksar-government"
    every = client.get(record["measures_url"] + "&page_size=500").json()
    assert every["count"] == record["measure_count"]
    assert {m["slug"] for m in record["measures"]} <= {m["slug"] for m in every["results"]}
    # The list of records gives each the same first links, in the same order, as its own page.
    listed = client.get("/api/bureaux/", {"page_size": 500}).json()["results"]
    assert next(r for r in listed if r["slug"] == "hksar-government") == record
