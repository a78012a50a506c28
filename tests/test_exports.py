"""Downloads: the filtered CSV and JSON, the CSV per table, and the full JSON fixture."""

import codecs
import csv
import io
import json

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_datetime

from measures.exports.views import TABLES, knowledge_base_models
from measures.models import (
    RECORD_MODELS,
    Development,
    Measure,
    MeasureLink,
    Record,
    Source,
    Theme,
)

from .factories import make_measures

pytestmark = pytest.mark.django_db

MEASURE_HEADER = [
    "slug",
    "name_zh",
    "name_en",
    "summary_zh",
    "summary_en",
    "kind",
    "kind_label",
    "status",
    "status_label",
    "status_as_of",
    "status_at_announcement",
    "status_at_announcement_label",
    "budget",
    "budget_label",
    "amount_hkd",
    "amount_type",
    "amount_type_label",
    "timing_zh",
    "timing_en",
    "starts_on",
    "ends_on",
    "themes_zh",
    "themes_en",
    "committee_zh",
    "committee_en",
    "institute_zh",
    "institute_en",
    "funding_scheme_zh",
    "funding_scheme_en",
    "bureau_zh",
    "bureau_en",
    "training_course_zh",
    "training_course_en",
    "source_article",
    "source_paragraph",
    "source_quote",
    "source_speech_paragraph",
    "source_urls",
    "url",
]


def content(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def csv_rows(response):
    raw = content(response)
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def html_slugs(client, query):
    response = client.get(f"/measures/?{query}")
    return [measure.slug for measure in response.context["paginator"].object_list]


def test_the_csv_starts_with_a_byte_order_mark_and_has_the_header(client):
    response = client.get("/measures.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="budget2026-ai-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = csv_rows(response)
    assert rows[0] == MEASURE_HEADER
    assert len(rows) == 1 + Measure.objects.count()


@pytest.mark.parametrize(
    "query",
    [
        "kind=education",
        "theme=education&sort=-amount",
        "bureau=hksar-government",
        "amount=none",
        "q=AI&sort=name",
        "amount_min=5,000萬",
        "q=no-such-words-anywhere",
    ],
)
def test_the_csv_holds_the_filtered_list_in_its_order(client, query):
    rows = csv_rows(client.get(f"/measures.csv?{query}"))
    assert rows[0] == MEASURE_HEADER
    assert [row[0] for row in rows[1:]] == html_slugs(client, query)


def test_the_csv_round_trips_chinese_text(client):
    rows = csv_rows(client.get("/measures.csv"))
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    for measure in Measure.objects.prefetch_related("themes", "citations"):
        record = next(r for r in records if r["slug"] == measure.slug)
        assert record["name_zh"] == measure.name_zh
        assert record["summary_zh"] == measure.summary_zh
        assert record["timing_zh"] == measure.timing_zh
        quoted = measure.citations.filter(source__full_text_held=True)
        assert record["source_quote"] == "; ".join(c.quote_zh for c in quoted)
        assert record["themes_zh"] == "; ".join(t.name_zh for t in measure.themes.all())
        assert record["amount_hkd"] == (
            "" if measure.amount_hkd is None else str(measure.amount_hkd)
        )


def test_the_csv_joins_linked_records_readably_in_both_languages(client):
    rows = csv_rows(client.get("/en/measures.csv?funding_scheme=quality-education-fund"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["slug"] == "qef-digital-education"
    assert record["funding_scheme_en"] == "Quality Education Fund (Funds)"
    assert record["funding_scheme_zh"].startswith("優質教育基金（")
    assert record["url"] == "http://testserver/en/measures/qef-digital-education/"


# Cells of three rows of the curated data, as the export writes them (however it reads the
# data): several themes and records of one type joined in English name order, codes followed by
# labels in the address's language, dates, empty cells, a Budget Speech paragraph.
KNOWN_ROWS = {
    "/measures.csv": {
        "slug": "ai-subsidy-scheme",
        "name_zh": "30億元「人工智能資助計劃」",
        "name_en": "HK$3 billion AI Subsidy Scheme",
        "kind": "research",
        "kind_label": "研發",
        "status": "ongoing",
        "status_label": "持續進行",
        "amount_hkd": "3000000000",
        "amount_type": "scheme_size",
        "amount_type_label": "現有計劃規模",
        "timing_zh": "",
        "starts_on": "",
        "themes_zh": "生物醫學; 大語言模型; 新材料",
        "themes_en": "Biomedicine; Large language models; New materials",
        "committee_zh": "",
        "institute_en": "",
        "funding_scheme_zh": "人工智能資助計劃（措施本身）",
        "funding_scheme_en": "AI Subsidy Scheme (Subject of the measure)",
        "bureau_zh": "香港特區政府（牽頭）",
        "bureau_en": "Hong Kong SAR Government (Leads)",
        "training_course_en": "",
        "source_article": "singtao-2026-02-25-budget-ai",
        "source_paragraph": "5",
        "source_quote": "政府推出的30億元「人工智能資助計劃」，已批出近30個涉及"
        "大語言模型、新材料、生物醫學等領域的科研項目，強化本地AI的研究及應用。",
        "source_speech_paragraph": "37",
        "url": "http://testserver/measures/ai-subsidy-scheme/",
    },
    "/en/measures.csv": {
        "slug": "hkma-cyberport-ai-sandbox",
        "kind_label": "Industry adoption",
        "status": "in_operation",
        "status_label": "In operation",
        "amount_hkd": "",
        "amount_type": "",
        "amount_type_label": "",
        "themes_zh": "銀行業",
        "themes_en": "Banking",
        "bureau_zh": "數碼港（合作）; 金管局（牽頭）",
        "bureau_en": "Cyberport (Partners); Hong Kong Monetary Authority (Leads)",
        "funding_scheme_en": "",
        "source_paragraph": "3",
        "source_speech_paragraph": "",
        "url": "http://testserver/en/measures/hkma-cyberport-ai-sandbox/",
    },
    "/en/measures.csv?funding_scheme=sssdp": {
        "slug": "sssdp-ai-priority",
        "starts_on": "2027-09-01",
        "ends_on": "",
        "timing_en": "from the 2027/28 academic year",
        "institute_zh": "自資專上院校（推行）",
        "institute_en": "Self-financing post-secondary institutions (Delivers)",
        "funding_scheme_en": "Study Subsidy Scheme for Designated Professions/Sectors (Funds)",
        "training_course_en": "AI-related programmes of self-financing post-secondary "
        "institutions (Subject of the measure)",
    },
}


@pytest.mark.parametrize("url", KNOWN_ROWS)
def test_the_csv_writes_known_rows_cell_for_cell(client, url):
    expected = KNOWN_ROWS[url]
    rows = csv_rows(client.get(url))
    assert rows[0] == MEASURE_HEADER
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    (record,) = [record for record in records if record["slug"] == expected["slug"]]
    assert {name: record[name] for name in expected} == expected


def test_a_bad_filter_gives_a_plain_400_naming_it(client):
    response = client.get("/measures.csv?amount_min=lots&kind=magic")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "amount_min:" in text and "kind:" in text


def test_the_csv_streams_many_measures(client, django_assert_max_num_queries):
    make_measures(60)
    with django_assert_max_num_queries(15):
        rows = csv_rows(client.get("/measures.csv"))
    assert len(rows) == 1 + Measure.objects.count()


def test_the_csv_has_an_etag(client):
    first = client.get("/measures.csv?kind=education")
    assert first["ETag"]
    repeat = client.get("/measures.csv?kind=education", headers={"if-none-match": first["ETag"]})
    assert repeat.status_code == 304


def test_the_json_export_holds_what_the_api_holds(client):
    response = client.get("/en/measures.json?theme=education")
    assert response["Content-Disposition"].endswith('.json"')
    exported = json.loads(content(response))
    api = client.get("/en/api/measures/?theme=education&page_size=500").json()
    assert exported == api


def test_the_json_export_answers_400_for_a_bad_filter(client):
    response = client.get("/measures.json?start_year=soon")
    assert response.status_code == 400
    assert set(response.json()) == {"start_year"}


# The list page offers the downloads ----------------------------------------------------------


def test_the_list_offers_the_filtered_downloads(client):
    page = client.get("/en/measures/?kind=education&sort=-amount").content.decode()
    assert "Download these 6 measures" in page
    assert 'href="/en/measures.csv?kind=education&amp;sort=-amount"' in page
    assert 'href="/en/measures.json?kind=education&amp;sort=-amount"' in page
    assert 'href="/en/api/measures/?kind=education&amp;sort=-amount"' in page


def test_the_downloads_leave_out_the_page_number(client):
    make_measures(25)
    page = client.get("/en/measures/?page=2").content.decode()
    assert 'href="/en/measures.csv"' in page


def test_with_a_bad_filter_the_list_asks_to_correct_it_before_downloading(client):
    page = client.get("/en/measures/?amount_min=lots").content.decode()
    assert "Correct or remove the filters marked above" in page
    assert "measures.csv?" not in page


# The data page -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_data_page_lists_every_download_and_the_last_edit(client, prefix):
    response = client.get(f"{prefix}data/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in TABLES:
        assert f'href="{prefix}data/{name}.csv"' in page
    assert f'href="{prefix}data/budget2026-ai-measures.json"' in page
    assert "<time datetime=" in page
    assert 'style="' not in page


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_downloads_with_one_row_per_record(client, name):
    response = client.get(f"/data/{name}.csv")
    assert response.status_code == 200
    rows = csv_rows(response)
    assert len(rows) == 1 + TABLES[name].count()
    assert all(len(row) == len(rows[0]) for row in rows)


RECORD_COLUMNS = ["slug", "name_zh", "name_en", "short_name_en", "other_names", "description_zh"]


@pytest.mark.parametrize(
    ("name", "record_type", "own_columns"),
    [
        ("committees", "committee", ["chair_zh", "chair_en"]),
        ("institutes", "institute", []),
        ("funding-schemes", "funding_scheme", []),
        ("bureaux", "bureau", ["kind", "successor", "succession_note_zh", "succession_note_en"]),
        ("training-courses", "training_course", ["provider", "audience_zh", "audience_en"]),
    ],
)
def test_each_kind_of_record_has_a_table_with_its_own_columns(
    client, name, record_type, own_columns
):
    assert f'href="/en/data/{name}.csv"' in client.get("/en/data/").content.decode()
    rows = csv_rows(client.get(f"/data/{name}.csv"))
    assert rows[0] == [
        *RECORD_COLUMNS,
        "description_en",
        "updated_at",
        *own_columns,
        "measures",
    ]
    model = RECORD_MODELS[record_type]
    assert [row[0] for row in rows[1:]] == list(
        model.objects.order_by("slug").values_list("slug", flat=True)
    )


def test_the_links_table_has_every_link(client):
    rows = csv_rows(client.get("/data/links.csv"))
    assert rows[0][:4] == ["measure", "record_type", "record", "role"]
    expected = {
        (link.measure.slug, link.record.type, link.record.slug, link.role)
        for link in MeasureLink.objects.select_related("measure", "record")
    }
    assert {tuple(row[:4]) for row in rows[1:]} == expected


def test_references_in_table_csvs_are_slugs(client):
    rows = csv_rows(client.get("/data/citations.csv"))
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    of_measure = next(record for record in records if record["measure"])
    assert Measure.objects.filter(slug=of_measure["measure"]).exists()
    assert Source.objects.filter(slug=of_measure["source"]).exists()
    of_development = next(record for record in records if record["development"])
    measure_slug, development_slug = of_development["development"].split("/")
    assert Development.objects.filter(measure__slug=measure_slug, slug=development_slug).exists()
    assert of_development["measure"] == ""


def test_an_unknown_table_is_404(client):
    assert client.get("/data/no-such-table.csv").status_code == 404


# The full JSON download --------------------------------------------------------------------


def test_the_full_download_is_a_fixture_of_every_model_but_history(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(len(knowledge_base_models()) + 5):
        data = json.loads(content(client.get("/data/budget2026-ai-measures.json")))
    models = {item["model"] for item in data}
    assert "measures.datarevision" not in models
    assert not any(".historical" in model for model in models)
    assert {f"measures.{model._meta.model_name}" for model in knowledge_base_models()} == models
    assert all("pk" not in item for item in data), "natural keys, not database ids"


def delete_the_knowledge_base():
    Measure.objects.all().delete()  # with its links, citations and counts
    # A body named as another's successor or a course's provider cannot be deleted first.
    Record.objects.update(successor=None, provider=None)
    for model in [*RECORD_MODELS.values(), Source, Theme]:
        model.objects.all().delete()


def with_times_read(objects):
    """The downloaded ``objects`` with their times read as times: Django writes a time to the
    millisecond, and 23:42:19.000Z, loaded and written again, comes back as 23:42:19Z."""
    return [
        {
            **entry,
            "fields": {
                name: parse_datetime(value) if name.endswith("_at") and value else value
                for name, value in entry["fields"].items()
            },
        }
        for entry in objects
    ]


def test_the_full_download_loads_into_an_empty_database_and_reproduces_everything(client, tmp_path):
    make_measures(2, amount_hkd=123_000_000)
    bureau_model = RECORD_MODELS["bureau"]
    # A body succeeded by one saved after it: the fixture refers forward to a later object.
    first, *_others, last = bureau_model.objects.order_by("pk")
    first.successor = last
    first.save()
    before = json.loads(content(client.get("/data/budget2026-ai-measures.json")))

    delete_the_knowledge_base()
    assert not any(model.objects.exists() for model in knowledge_base_models())
    fixture = tmp_path / "knowledge-base.json"
    fixture.write_text(json.dumps(before, ensure_ascii=False), encoding="utf-8")
    call_command("loaddata", str(fixture), verbosity=0)

    after = json.loads(content(client.get("/data/budget2026-ai-measures.json")))
    assert len(after) == len(before)
    assert with_times_read(after) == with_times_read(before)
    assert bureau_model.objects.get(slug=first.slug).successor.slug == last.slug


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client):
    import csv
    import io

    from measures.models import Measure

    Measure.objects.filter(slug="ai-subsidy-scheme").update(name_en='=HYPERLINK("http://x")')
    response = client.get("/measures.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["ai-subsidy-scheme"]["name_en"] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("prefix", "kind", "status", "amount_type"),
    [("/en", "Research and development", "Ongoing", "Size of an existing scheme"),
     ("", "研發", "持續進行", "現有計劃規模")],
)  # fmt: skip
def test_the_csv_labels_its_codes_in_the_pages_language(client, prefix, kind, status, amount_type):
    rows = csv_rows(client.get(f"{prefix}/measures.csv"))
    header, by_slug = rows[0], {row[0]: row for row in rows[1:]}
    row = dict(zip(header, by_slug["ai-subsidy-scheme"], strict=True))
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    assert (row["kind"], row["status"], row["amount_type"]) == (
        measure.kind,
        measure.status,
        measure.amount_type,
    )
    assert (row["kind_label"], row["status_label"], row["amount_type_label"]) == (
        kind,
        status,
        amount_type,
    )
    no_amount = dict(zip(header, by_slug["ai-plus-industry-strategy-committee"], strict=True))
    assert no_amount["amount_type"] == no_amount["amount_type_label"] == ""


@pytest.mark.parametrize(
    ("prefix", "spreadsheets", "programs"),
    [("/en", "Spreadsheets: one CSV file", "for programs"), ("", "試算表", "供程式使用")],
)
def test_the_data_page_offers_spreadsheets_first_in_plain_words(
    client, prefix, spreadsheets, programs
):
    page = client.get(f"{prefix}/data/").content.decode()
    main = page.split("<main", 1)[1]
    assert main.count('id="full-heading"') == 1 and main.count('id="csv-heading"') == 1
    assert main.index(spreadsheets) < main.index(programs)
    assert "fixture" not in main and "loaddata" not in main
    assert "_label" in main  # the columns that explain the codes
    head = page.split("<main", 1)[0]
    assert "full-heading" not in head
