"""Migrations that move data lose nothing: the five record tables into one (0006-0008), articles
into sources and Budget Speech paragraphs into citations (0011-0013), forward and back."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("measures", "0005_filter_indexes_cover_compared_columns")]
AFTER = [("measures", "0008_remove_per_type_tables")]
WHEN = datetime.datetime(2026, 2, 25, 3, 53, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest_migration():
    """Each test leaves the schema as the models expect it, so the database can be emptied
    after it (PostgreSQL cannot empty tables the models do not know)."""
    yield
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_records_links_and_history_move_to_one_table():
    call_command("flush", interactive=False, verbosity=0)  # only the rows made here
    old = migrate(BEFORE)
    Measure = old.get_model("measures", "Measure")
    for model_name in ["Measure", "Committee", "Bureau", "TrainingCourse", "Institute"]:
        old.get_model("measures", model_name).objects.all().delete()
    measure = Measure.objects.create(
        slug="m",
        name_zh="措施",
        name_en="Measure",
        summary_zh="摘要",
        summary_en="Summary",
        kind="research",
        status="announced",
    )
    # Two records with the same id in different tables: both must survive.
    erb = old.get_model("measures", "Bureau").objects.create(
        pk=1, slug="erb", name_zh="僱員再培訓局", name_en="ERB", kind="public_body",
        short_name_en="ERB", updated_at=WHEN,
    )  # fmt: skip
    upskill = old.get_model("measures", "Bureau").objects.create(
        pk=2, slug="upskill", name_zh="技能提升局", name_en="Upskill", kind="public_body",
        updated_at=WHEN,
    )  # fmt: skip
    erb.successor = upskill
    erb.save()
    committee = old.get_model("measures", "Committee").objects.create(
        pk=1, slug="committee", name_zh="委員會", name_en="Committee", chair_en="FS",
        updated_at=WHEN,
    )  # fmt: skip
    course = old.get_model("measures", "TrainingCourse").objects.create(
        pk=1, slug="course", name_zh="課程", name_en="Course", provider=upskill,
        audience_en="Workers", updated_at=WHEN,
    )  # fmt: skip
    old.get_model("measures", "MeasureBureau").objects.create(
        measure=measure, record=erb, role="leads", note_en="Leads it"
    )
    old.get_model("measures", "MeasureCommittee").objects.create(
        measure=measure, record=committee, role="coordinates"
    )
    old.get_model("measures", "MeasureTrainingCourse").objects.create(
        measure=measure, record=course, role="benefits"
    )
    old.get_model("measures", "HistoricalCommittee").objects.create(
        id=committee.pk, slug="committee", name_zh="委員會", name_en="Old name",
        updated_at=WHEN, history_date=WHEN, history_type="+",
    )  # fmt: skip

    new = migrate(AFTER)
    Record = new.get_model("measures", "Record")
    assert Record.objects.count() == 4
    erb, upskill = Record.objects.get(slug="erb"), Record.objects.get(slug="upskill")
    assert (erb.type, erb.kind, erb.short_name_en) == ("bureau", "public_body", "ERB")
    assert erb.successor_id == upskill.pk
    committee = Record.objects.get(slug="committee")
    assert (committee.type, committee.chair_en) == ("committee", "FS")
    course = Record.objects.get(slug="course")
    assert (course.type, course.provider_id, course.audience_en) == (
        "training_course",
        upskill.pk,
        "Workers",
    )
    links = new.get_model("measures", "MeasureLink").objects.filter(measure__slug="m")
    assert {(link.record.slug, link.role, link.note_en) for link in links} == {
        ("erb", "leads", "Leads it"),
        ("committee", "coordinates", ""),
        ("course", "benefits", ""),
    }
    history = new.get_model("measures", "HistoricalRecord").objects.get(slug="committee")
    assert (history.id, history.type, history.name_en) == (committee.pk, "committee", "Old name")
    measure = new.get_model("measures", "Measure").objects.get(slug="m")
    assert " erb " in measure.search_text and " committee " in measure.search_text


BEFORE_SOURCES = [("measures", "0010_versions_for_every_edited_record")]
AFTER_SOURCES = [("measures", "0016_record_and_theme_totals")]


@pytest.mark.django_db(transaction=True)
def test_articles_become_sources_and_speech_paragraphs_become_citations_of_the_speech():
    call_command("flush", interactive=False, verbosity=0)  # only the rows made here
    old = migrate(BEFORE_SOURCES)
    for model_name in ["Measure", "Article"]:
        old.get_model("measures", model_name).objects.all().delete()
    measure = old.get_model("measures", "Measure").objects.create(
        slug="m", name_zh="措施", name_en="Measure", summary_zh="摘要", summary_en="Summary",
        kind="research", status="ongoing",
    )  # fmt: skip
    article = old.get_model("measures", "Article").objects.create(
        slug="paper", publisher_zh="報", publisher_en="Paper", headline_zh="標題",
        headline_en="Headline", published_at=WHEN, url="https://example.org/a",
    )  # fmt: skip
    seed = old.get_model("measures", "Article").objects.create(
        slug="singtao-2026-02-25-budget-ai", publisher_zh="星島", publisher_en="Sing Tao",
        headline_zh="標題", headline_en="Headline", published_at=WHEN, url="",
    )  # fmt: skip
    old.get_model("measures", "Citation").objects.create(
        measure=measure, article=article, paragraph=4, quote_zh="句子。", speech_paragraph=37
    )

    new = migrate(AFTER_SOURCES)
    source = new.get_model("measures", "Source").objects.get(slug="paper")
    assert (source.title_zh, source.title_en, source.kind, source.full_text_held) == (
        "標題",
        "Headline",
        "news_article",
        True,
    )
    # 03:53 UTC is 11:53 in Hong Kong.
    assert (source.published_on, source.published_time) == (
        datetime.date(2026, 2, 25),
        datetime.time(11, 53),
    )
    seed_source = new.get_model("measures", "Source").objects.get(pk=seed.pk)
    assert seed_source.url.startswith("https://www.stheadline.com/society/3547353/")
    citations = new.get_model("measures", "Citation").objects.filter(measure__slug="m")
    assert {(c.source.slug, c.paragraph, c.quote_zh) for c in citations} == {
        ("paper", 4, "句子。"),
        ("budget-speech-2026-27-ai", 37, ""),
    }
    moved = new.get_model("measures", "Measure").objects.get(slug="m")
    assert (moved.budget, moved.status_at_announcement, moved.status_as_of) == (
        "2026-27",
        "ongoing",
        datetime.date(2026, 2, 25),
    )

    seed_source.delete()  # its address is longer than an article's address could be
    back = migrate(BEFORE_SOURCES)
    (citation,) = back.get_model("measures", "Citation").objects.filter(measure__slug="m")
    assert (citation.article.slug, citation.paragraph, citation.speech_paragraph) == (
        "paper",
        4,
        37,
    )
    assert back.get_model("measures", "Article").objects.get(slug="paper").published_at == WHEN


@pytest.mark.django_db(transaction=True)
def test_search_documents_are_rewritten_with_numbers_whole():
    call_command("flush", interactive=False, verbosity=0)  # only the rows made here
    old = migrate([("measures", "0024_protect_successor_and_provider")])
    Measure = old.get_model("measures", "Measure")
    Measure.objects.create(
        slug="m", name_zh="撥款5,000萬元", name_en="HK$50 million", summary_zh="摘要",
        summary_en="Summary", kind="research", status="announced",
        status_at_announcement="announced",
        search_names=" 拨 款 拨款 5 000 万 元 万元 hk 50 million ",
        search_text=" 拨 款 拨款 5 000 万 元 万元 hk 50 million 摘 要 摘要 summary ",
    )  # fmt: skip

    new = migrate([("measures", "0025_search_numbers_without_separators")])
    measure = new.get_model("measures", "Measure").objects.get(slug="m")
    assert " 5000 " in measure.search_names and " 000 " not in measure.search_names
    assert " 5000 " in measure.search_text and " summary " in measure.search_text
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_vector @@ to_tsquery('simple', '5000') FROM measures_measure"
            )
            assert cursor.fetchone() == (True,)


@pytest.mark.django_db(transaction=True)
def test_the_government_s_own_kind_of_body_goes_back_to_public_body():
    call_command("flush", interactive=False, verbosity=0)  # only the rows made here
    new = migrate([("measures", "0030_government_as_a_kind_of_body")])
    new.get_model("measures", "Record").objects.create(
        type="bureau", slug="hksar-government", name_zh="香港特區政府",
        name_en="Hong Kong SAR Government", kind="government",
    )  # fmt: skip

    old = migrate([("measures", "0029_record_other_names")])
    government = old.get_model("measures", "Record").objects.get(slug="hksar-government")
    assert government.kind == "public_body"
