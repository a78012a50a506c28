"""Search finds what readers type, on SQLite and PostgreSQL alike (CI runs both)."""

import pytest
from django.db.models import Q

from measures import search
from measures.models import Development, Measure, Record

pytestmark = pytest.mark.django_db

LIST = "/en/measures/"


def found(client, query, **parameters):
    response = client.get(LIST, {"q": query, **parameters})
    assert response.status_code == 200
    return [measure.slug for measure in response.context["page_obj"]]


def test_a_two_character_chinese_word_finds_its_measure(client):
    assert found(client, "水浸") == ["dsd-smart-flood-warning"]


def test_simplified_chinese_finds_traditional(client):
    traditional = found(client, "數碼港")
    assert set(traditional) == {
        "hkma-cyberport-ai-sandbox",
        "ai-subsidy-scheme-2024-25",
        "cyberport-ai-supercomputing-centre-2025-26",
    }
    assert found(client, "数码港") == traditional
    assert found(client, "培训") == found(client, "培訓")


@pytest.mark.parametrize(
    "abbreviation", ["DSD", "HKMA", "VTC", "QEF", "ERB", "SSSDP", "InnoHK", "CEDD", "DPO"]
)
def test_an_official_abbreviation_finds_the_measures_of_its_record(client, abbreviation):
    record = Record.objects.get(short_name_en=abbreviation)
    linked = set(record.measures.values_list("slug", flat=True))
    assert linked
    assert set(found(client, abbreviation)) == linked
    assert set(found(client, abbreviation.lower())) == linked


def test_a_record_s_other_name_finds_its_measures_and_shows_on_its_page(client):
    """The article says 金管局; a reader may type the full name, 香港金融管理局."""
    hkma = Record.objects.get(type="bureau", slug="hkma")
    assert hkma.other_names == "香港金融管理局"
    linked = set(hkma.measures.values_list("slug", flat=True))
    assert set(found(client, "香港金融管理局")) == linked
    assert set(found(client, "香港金融管理局")) == set(found(client, "HKMA"))
    assert "又稱： 香港金融管理局" in client.get("/bureaux/hkma/").content.decode()
    english = client.get("/en/bureaux/hkma/").content.decode()
    assert 'Also known as: <span lang="zh-Hant-HK">香港金融管理局</span>' in english


@pytest.mark.parametrize(
    "slug, other_name",
    [
        ("vtc", "職訓局"),
        ("digital-policy-office", "數字辦"),
        ("cyberport", "香港數碼港管理有限公司"),
    ],
)
def test_a_short_or_full_chinese_name_readers_use_finds_the_record_s_measures(
    client, slug, other_name
):
    """Names the bodies and the press use beside the article's: a short form (職訓局 for
    職業訓練局) or the company's full name (the one behind 數碼港)."""
    record = Record.objects.get(type="bureau", slug=slug)
    assert other_name not in record.name_zh
    linked = set(record.measures.values_list("slug", flat=True))
    assert linked
    assert set(found(client, other_name)) == linked


def test_an_english_word_finds_longer_words_it_begins(client):
    assert found(client, "flood") == ["dsd-smart-flood-warning"]  # "flooding" in its name
    assert found(client, "semiconductors") == []


def test_a_number_is_found_with_or_without_its_thousands_separators(client):
    assert (
        found(client, "5000萬") == found(client, "5,000萬") == ["ai-learning-programmes-allocation"]
    )
    assert found(client, "3000") == found(client, "３，０００") == found(client, "3,000") != []
    assert found(client, "50000") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("20億", ["qef-digital-education"]),
        ("HK$20億元", ["qef-digital-education"]),
        ("1億", ["government-digital-transformation-fund"]),
        ("10億", ["hk-ai-rnd-institute-2025-26"]),
        ("5億", []),
        ("18萬", ["sandy-ridge-data-facility-cluster"]),
    ],
)
def test_an_amount_finds_the_measures_stating_it_as_written(client, query, expected):
    # Not those stating the number and the character apart (2025 and 億, 5,000 petaFLOPS), nor
    # another number ending in it (1億 is not 10億).
    assert found(client, query) == expected


def test_a_decimal_amount_finds_its_measure_and_no_smaller_amount_does(client):
    measure = Measure.objects.get(slug="labour-ai-job-matching")
    measure.summary_zh += "另撥1.5億元。"
    measure.save()
    assert found(client, "1.5億") == found(client, "１．５億") == [measure.slug]
    assert measure.slug not in found(client, "5億")


def test_a_number_alone_still_finds_every_number_it_begins(client):
    assert {"qef-digital-education", "hk-ai-rnd-institute-2025-26"} <= set(found(client, "20"))


def test_a_year_is_found_before_its_nian_as_in_a_range_of_years(client):
    # 年 follows a range's last year (由2027／28學年起, 2025-26年度): only amounts are joined.
    assert {"sssdp-ai-priority", "ugc-steam-degree-programmes"} <= set(found(client, "2027年"))
    assert "hk-ai-rnd-institute-2025-26" in found(client, "2025年")


@pytest.mark.parametrize(
    ("plural", "singular"), [("floods", "flood"), ("robots", "robot"), ("subsidies", "subsidy")]
)
def test_an_english_plural_finds_what_its_singular_finds(client, plural, singular):
    assert set(found(client, singular)) <= set(found(client, plural))
    assert found(client, singular) != []


def test_every_word_must_match(client):
    assert found(client, "智慧 水浸") == ["dsd-smart-flood-warning"]
    assert found(client, "flood 勞工處") == []


def test_name_matches_come_before_matches_elsewhere(client):
    results = found(client, "AI")
    assert len(results) > 5
    in_names = [
        "ai" in search.tokens(measure.name_zh + " " + measure.name_en)
        for measure in (Measure.objects.get(slug=slug) for slug in results)
    ]
    assert any(in_names) and not all(in_names)
    assert in_names == sorted(in_names, reverse=True)


def test_a_chosen_sort_overrides_relevance(client):
    by_amount = found(client, "AI", sort="-amount")
    amounts = [Measure.objects.get(slug=slug).amount_hkd for slug in by_amount]
    stated = [amount for amount in amounts if amount is not None]
    assert stated == sorted(stated, reverse=True)
    assert amounts[: len(stated)] == stated  # no amount last


def test_training_in_either_language_finds_the_training_measures(client):
    chinese, english = set(found(client, "培訓")), set(found(client, "training"))
    expected = {
        "ai-training-for-teachers",
        "civil-service-ai-training",
        "upskill-hk-skills-based-training",
    }
    assert expected <= chinese and expected <= english


def test_renaming_a_record_makes_its_measures_findable_by_the_new_name(client):
    record = Record.objects.get(slug="drainage-services-department")
    record.short_name_en = "FLOODCTL"
    record.save()
    assert found(client, "floodctl") == ["dsd-smart-flood-warning"]
    assert found(client, "DSD") == []


def test_a_new_link_makes_the_measure_findable_by_the_record(client):
    measure = Measure.objects.get(slug="labour-ai-job-matching")
    assert measure.slug not in found(client, "HKMA")
    measure.record_links.create(record=Record.objects.get(slug="hkma"), role="partners")
    assert measure.slug in found(client, "HKMA")


@pytest.mark.parametrize("query", ["+++", "'\"<>", "Привет"])
def test_a_search_with_nothing_to_search_for_is_left_out_and_says_so(client, query):
    assert len(found(client, query)) == min(20, Measure.objects.count())
    page = client.get(LIST, {"q": query}).content.decode()
    assert "Search for Chinese characters or English words (letters a to z, digits)" in page
    chinese = client.get("/measures/", {"q": query}).content.decode()
    assert "請以中文字或英文字詞（字母 a 至 z、數字）搜尋" in chinese
    api = client.get("/api/measures/", {"q": query})
    assert api.status_code == 400 and list(api.json()) == ["q"]


def test_letters_typed_full_width_find_what_their_ascii_selves_find(client):
    assert found(client, "ＡＩ") == found(client, "AI")
    assert found(client, "ｆｌｏｏｄ") == found(client, "flood") != []


@pytest.mark.parametrize("name", ["陳茂波", "陈茂波", "Paul Chan", "chan mo-po"])
def test_a_chairs_name_finds_the_measures_of_what_they_chair(client, name):
    chaired = Record.objects.get(chair_en__contains="Paul Chan")
    linked = set(chaired.measures.values_list("slug", flat=True))
    assert linked
    assert set(found(client, name)) == linked


def test_a_new_chair_makes_the_measures_findable_by_their_name(client):
    record = Record.objects.get(chair_en__contains="Paul Chan")
    linked = set(record.measures.values_list("slug", flat=True))
    assert found(client, "Wong Siu-ming") == []
    record.chair_en = "Wong Siu-ming"
    record.save()
    assert set(found(client, "Wong Siu-ming")) == linked
    assert found(client, "Paul Chan") == []


@pytest.mark.parametrize(
    ("query", "written"),
    [("沈向洋", "沈向洋"), ("Harry Shum", "Harry Shum"), ("润江", "潤江")],  # 润江: Simplified
)
def test_a_name_in_a_development_finds_its_measure(client, query, written):
    developments = Development.objects.filter(
        Q(text_zh__contains=written) | Q(text_en__contains=written)
    )
    assert developments
    assert set(found(client, query)) == {d.measure.slug for d in developments}


def test_editing_or_deleting_a_development_changes_what_finds_its_measure(client):
    development = Development.objects.filter(text_en__contains="Harry Shum").first()
    measure = development.measure.slug
    development.text_en = development.text_en.replace("Harry Shum", "Lee Tai-man")
    development.save()
    assert found(client, "Harry Shum") == []
    assert found(client, "Lee Tai-man") == [measure]
    development.delete()
    assert found(client, "Lee Tai-man") == []


def test_a_development_moved_to_another_measure_finds_that_one(client):
    development = Development.objects.filter(text_en__contains="Harry Shum").first()
    before = development.measure.slug
    other = Measure.objects.exclude(pk=development.measure_id).order_by("slug").first()
    development.measure = other
    development.save()
    assert other.slug in found(client, "Harry Shum")
    assert before not in found(client, "Harry Shum")
