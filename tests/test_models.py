"""The rules of the data hold in the database itself, not only in forms."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import translation

from measures.models import (
    Budget,
    Bureau,
    DataRevision,
    Development,
    Measure,
    MeasureLink,
    Record,
    Role,
    Source,
    Theme,
)

pytestmark = pytest.mark.django_db


def new_measure(**fields):
    values = {
        "slug": "test-measure",
        "name_zh": "測試措施",
        "name_en": "Test measure",
        "summary_zh": "摘要",
        "summary_en": "Summary",
        "kind": "research",
        "status_at_announcement": "announced",
    }
    values.update(fields)
    return Measure(**values)


def assert_database_refuses(instance):
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def test_negative_amount_is_refused_by_the_database():
    assert_database_refuses(new_measure(amount_hkd=-1, amount_type="new_allocation"))


def test_amount_without_its_type_is_refused():
    assert_database_refuses(new_measure(amount_hkd=5, amount_type=""))


def test_unknown_status_is_refused_by_the_database():
    assert_database_refuses(new_measure(status_at_announcement="abandoned"))


def test_unknown_budget_is_refused_by_the_database():
    assert_database_refuses(new_measure(budget="2099-00"))


def test_unknown_kind_is_refused_by_the_database():
    assert_database_refuses(new_measure(kind="magic"))


def test_duplicate_slug_is_refused_by_the_database():
    existing = Measure.objects.first()
    assert_database_refuses(new_measure(slug=existing.slug))


def test_end_before_start_is_refused():
    import datetime

    assert_database_refuses(
        new_measure(starts_on=datetime.date(2027, 1, 1), ends_on=datetime.date(2026, 1, 1))
    )


def test_unknown_link_role_is_refused_by_the_database():
    measure = new_measure()
    measure.save()
    bureau = Bureau.objects.first()
    assert_database_refuses(MeasureLink(measure=measure, record=bureau, role="owns"))


def test_same_role_twice_is_refused():
    measure = new_measure()
    measure.save()
    bureau = Bureau.objects.first()
    MeasureLink.objects.create(measure=measure, record=bureau, role=Role.LEADS)
    assert_database_refuses(MeasureLink(measure=measure, record=bureau, role=Role.LEADS))


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"amount_hkd": 5, "amount_type": ""}, "amount_type", "Give an amount and say what it is"),
        ({"amount_type": "new_allocation"}, "amount_hkd", "Give an amount and say what it is"),
        (
            {"starts_on": datetime.date(2026, 12, 31), "ends_on": datetime.date(2026, 1, 1)},
            "ends_on",
            "A measure cannot end before it starts.",
        ),
    ],
)
def test_full_clean_shows_a_rule_between_fields_on_the_field_to_change(fields, field, message):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            new_measure(**fields).full_clean()
        assert list(error.value.message_dict) == [field]
        (shown,) = error.value.message_dict[field]
        assert shown.startswith(message)


def new_record(**fields):
    return Record(**{"slug": "test-record", "name_zh": "測試", "name_en": "Test", **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "institute", "chair_en": "Someone"},
        {"type": "bureau", "kind": ""},
        {"type": "committee", "kind": "department"},
        {"type": "funding_scheme", "audience_zh": "學生"},
        {"type": "magic"},
    ],
)
def test_a_field_of_another_kind_of_record_is_refused_by_the_database(fields):
    assert_database_refuses(new_record(**fields))


def test_a_slug_is_unique_within_its_kind_only():
    new_record(type="committee", slug="hkma").save()  # a bureau has this slug
    assert_database_refuses(new_record(type="bureau", kind="department", slug="hkma"))


def test_a_record_reads_back_as_its_kind():
    assert type(Record.objects.get(slug="hkma")) is Bureau
    assert type(Record.objects.get(slug="hk-ai-rnd-institute")).__name__ == "Institute"
    assert Bureau.objects.get(slug="hkma").get_absolute_url() == "/bureaux/hkma/"


def test_version_rises_on_every_save():
    measure = Measure.objects.first()
    before = measure.version
    measure.save()
    measure.save()
    assert Measure.objects.get(pk=measure.pk).version == before + 2


def test_localized_name_follows_the_language():
    measure = new_measure()
    assert measure.localized("name", "en") == "Test measure"
    assert measure.localized("name", "zh-hant") == "測試措施"


def test_choice_labels_follow_the_language_and_an_unknown_value_reads_as_itself():
    measure = Measure(status="ongoing")
    link = MeasureLink(role="leads")
    with translation.override("en"):
        assert (measure.get_status_display(), link.get_role_display()) == ("Ongoing", "Leads")
    with translation.override("zh-hant"):
        assert (measure.get_status_display(), link.get_role_display()) == ("持續進行", "牽頭")
    measure.status = "no-such-status"
    assert measure.get_status_display() == "no-such-status"


def test_bureau_succession_is_data():
    erb = Bureau.objects.get(slug="employees-retraining-board")
    assert erb.successor.slug == "upskill-hong-kong"
    assert list(erb.successor.predecessors.all()) == [erb]


def test_record_totals_count_each_measure_once_and_money_of_todays_budget_only():
    for bureau in Bureau.objects.all():
        measures = Measure.objects.filter(record_links__record=bureau).distinct()
        assert bureau.measure_count == measures.count()
        assert bureau.total_amount_hkd == (
            sum(
                m.amount_hkd
                for m in measures
                if m.amount_hkd is not None and m.budget == Budget.current()
            )
            or None
        )


def test_related_measures_come_closest_first_and_exclude_itself():
    from measures.models import Theme

    from .factories import make_measures

    dsd = Bureau.objects.get(slug="drainage-services-department")
    flooding = Theme.objects.get(slug="flooding")
    shares_most = make_measures(1, bureau=dsd, theme=flooding)[0]
    both = Theme.objects.filter(slug__in=["public-service", "digital-government"])
    shares_most.themes.add(*both)
    measure = Measure.objects.for_display().get(slug="dsd-smart-flood-warning")
    related = measure.related_measures()
    assert related[0] == shares_most
    # Each shared record and theme counts one over its number of measures, now one more.
    shared = [Bureau.objects.get(pk=dsd.pk), *Theme.objects.filter(measures=shares_most)]
    assert [record.measure_count for record in shared[:1]] == [2]
    expected = sum(1 / record_or_theme.measure_count for record_or_theme in shared)
    assert related[0].closeness == pytest.approx(expected)
    assert measure not in related
    assert len(related) == 5


def test_a_record_linked_in_two_roles_brings_a_measure_no_closer():
    from .factories import make_measures

    labour = Bureau.objects.get(slug="labour-department")
    first, second = make_measures(2, bureau=labour)
    closeness = Measure.objects.for_display().get(pk=first.pk).related_measures()[0].closeness
    MeasureLink.objects.create(measure=second, record=labour, role=Role.FUNDS)
    related = Measure.objects.for_display().get(pk=first.pk).related_measures()
    assert related[0] == second and related[0].closeness == pytest.approx(closeness)


def test_a_theme_of_few_measures_relates_them_more_than_a_record_of_many():
    # Sandy Ridge shares the Government, linked to many measures, with most of them, and its
    # computing-power theme with few: those few come first.
    from measures.models import Theme

    measure = Measure.objects.for_display().get(slug="sandy-ridge-data-facility-cluster")
    government = Record.objects.get(slug="hksar-government")
    assert government.measure_count > 3
    computing = set(Theme.objects.get(slug="computing-power").measures.exclude(pk=measure.pk))
    assert 0 < len(computing) < 5
    related = measure.related_measures()
    assert set(related[: len(computing)]) == computing
    assert len(related) == 5  # the rest share the Government


def test_a_record_in_very_many_measures_does_not_make_them_related(monkeypatch):
    from measures.models import Theme

    from .factories import make_measures

    monkeypatch.setattr("measures.models.RELATED_THROUGH_AT_MOST", 3)
    labour = Bureau.objects.get(slug="labour-department")  # in 1 curated measure
    rare = Theme.objects.create(slug="rare-theme", name_zh="罕見", name_en="Rare")
    first, second = make_measures(2, bureau=labour, theme=rare)
    related = Measure.objects.for_display().get(pk=first.pk).related_measures()
    # The department (3 measures) and the theme (2) bring it closer by a third and a half.
    assert related[0] == second
    assert related[0].closeness == pytest.approx(1 / 3 + 1 / 2)

    make_measures(1, bureau=labour)  # the department is now in 4 measures: too common
    related = Measure.objects.for_display().get(pk=first.pk).related_measures()
    assert related == [second]
    assert related[0].closeness == pytest.approx(1 / 2)  # the theme alone


def recounted_record(record):
    measures = Measure.objects.filter(record_links__record=record).distinct()
    money = [m.amount_hkd for m in measures if m.amount_hkd is not None and m.budget == "2026-27"]
    return measures.count(), (sum(money) if money else None)


def stored_record(record):
    stored = Record.objects.get(pk=record.pk)
    return stored.measure_count, stored.total_amount_hkd


def recounted_theme(theme):
    measures = list(theme.measures.prefetch_related("themes"))
    money = [m for m in measures if m.amount_hkd is not None and m.budget == "2026-27"]
    shared = [m.amount_hkd for m in money if m.themes.count() > 1]
    return (
        len(measures),
        len(money),
        sum(m.amount_hkd for m in money) if money else None,
        sum(shared) if shared else None,
    )


def stored_theme(theme):
    stored = Theme.objects.get(pk=theme.pk)
    return (
        stored.measure_count,
        stored.measures_with_amount,
        stored.total_amount_hkd,
        stored.shared_amount_hkd,
    )


def test_record_and_theme_totals_follow_every_kind_of_edit():
    dsd = Bureau.objects.get(slug="drainage-services-department")
    labour = Bureau.objects.get(slug="labour-department")
    flooding, education = Theme.objects.get(slug="flooding"), Theme.objects.get(slug="education")
    measure = new_measure(amount_hkd=70_000_000, amount_type="new_allocation")
    measure.save()
    link = MeasureLink.objects.create(measure=measure, record=dsd, role=Role.LEADS)
    measure.themes.add(flooding, education)
    assert stored_record(dsd) == recounted_record(dsd) == (2, 70_000_000)
    assert stored_theme(flooding) == recounted_theme(flooding)
    assert stored_theme(education)[3] == 70_000_000 + 50_000_000  # shared with another theme

    measure.amount_hkd = 90_000_000
    measure.save()
    assert stored_record(dsd) == (2, 90_000_000)
    link.record = labour  # moved to another body: both are counted again
    link.save()
    assert stored_record(dsd) == recounted_record(dsd)
    assert stored_record(labour) == recounted_record(labour) == (2, 90_000_000)
    measure.budget = "2025-26"  # money of another Budget leaves the totals, the count stays
    measure.save()
    assert stored_record(labour) == (2, None)
    assert stored_theme(flooding) == recounted_theme(flooding)

    measure.themes.clear()
    assert stored_theme(flooding) == recounted_theme(flooding)
    flooding.measures.add(measure)  # from the theme's side
    assert stored_theme(flooding) == recounted_theme(flooding)
    measure.delete()
    assert stored_record(labour) == recounted_record(labour) == (1, None)
    assert stored_theme(flooding) == recounted_theme(flooding)
    assert stored_theme(education) == recounted_theme(education)


def test_a_bulk_change_writes_totals_search_and_revision_once_at_the_end():
    from measures.signals import changes_written_at_end

    dsd = Bureau.objects.get(slug="drainage-services-department")
    revision = DataRevision.from_database().number
    with changes_written_at_end():
        for number in range(3):
            measure = new_measure(slug=f"bulk-{number}", amount_hkd=1, amount_type="earmark")
            measure.name_en = f"Bulkhead trial {number}"
            measure.save()
            MeasureLink.objects.create(measure=measure, record=dsd, role=Role.FUNDS)
        assert stored_record(dsd) == (1, None)  # not yet
        assert not Measure.objects.search("bulkhead").exists()
        assert DataRevision.from_database().number == revision
    assert stored_record(dsd) == recounted_record(dsd) == (4, 3)
    assert set(Measure.objects.search("bulkhead").values_list("slug", flat=True)) == {
        "bulk-0",
        "bulk-1",
        "bulk-2",
    }
    assert DataRevision.from_database().number == revision + 1


def test_a_development_slug_the_measure_already_has_is_refused_on_the_slug():
    taken = Development.objects.first()
    again = Development(
        measure=taken.measure,
        slug=taken.slug,
        happened_on=taken.happened_on,
        text_zh="再一次",
        text_en="Again",
    )
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            again.full_clean()
        assert error.value.message_dict == {
            "slug": ["This measure already has a development with this slug."]
        }


@pytest.mark.parametrize(
    ("model", "slug", "field", "value", "message"),
    [
        (Measure, "ai-subsidy-scheme", "ends_on", datetime.date(9999, 12, 31), "from 1950 to 2100"),
        (Measure, "ai-subsidy-scheme", "starts_on", datetime.date(1, 1, 1), "from 1950 to 2100"),
        (Development, "tender-opened", "happened_on", datetime.date(2099, 6, 1), "after today"),
        (
            Source,
            "singtao-2026-02-25-budget-ai",
            "published_on",
            datetime.date(2099, 1, 1),
            "after today",
        ),
        (
            Source,
            "singtao-2026-02-25-budget-ai",
            "published_on",
            datetime.date(1, 1, 1),
            "from 1950",
        ),
    ],
)
def test_a_date_typed_wrong_is_refused_on_its_field(model, slug, field, value, message):
    instance = model.objects.get(slug=slug)
    setattr(instance, field, value)
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            instance.full_clean()
        messages = error.value.message_dict[field]
    assert any(message in text for text in messages), messages


def test_deleting_a_theme_updates_its_measures_search_and_their_other_themes_totals(client):
    measure = (
        Measure.objects.of_budget()
        .with_amount()
        .annotate(theme_count=Count("themes"))
        .filter(theme_count=1)
        .first()
    )
    (other,) = measure.themes.all()
    before = other.shared_amount_hkd or 0
    passing = Theme.objects.create(slug="passing-theme", name_zh="過渡主題", name_en="Zqxfoo")
    measure.themes.add(passing)
    other.refresh_from_db()
    assert other.shared_amount_hkd == before + measure.amount_hkd  # now shared
    assert client.get("/en/api/measures/", {"q": "Zqxfoo"}).json()["count"] == 1

    passing.delete()

    assert client.get("/en/api/measures/", {"q": "Zqxfoo"}).json()["count"] == 0
    other.refresh_from_db()
    assert (other.shared_amount_hkd or 0) == before


@pytest.mark.parametrize(
    ("model", "slug", "field"),
    [
        (Development, "tender-opened", "text_en"),
        (Measure, "ai-subsidy-scheme", "summary_zh"),
        (Record, "vtc", "name_en"),
        (Theme, "education", "name_zh"),
    ],
)
def test_a_control_character_pasted_into_a_text_is_refused_on_its_field(model, slug, field):
    instance = model.objects.get(slug=slug)
    setattr(instance, field, getattr(instance, field) + "\x0bpasted")
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            instance.full_clean()
        messages = error.value.message_dict
    assert list(messages) == [field]
    assert "control character" in messages[field][0]
    setattr(instance, field, getattr(instance, field).replace("\x0b", "\n"))
    instance.full_clean()  # a line break is text


@pytest.mark.parametrize(
    ("stated", "shown"),
    [
        ("下半年", "下半年（2026年）"),
        ("2027年內", "2027年內"),  # another year named: left as stated
        ("自2025／26起的3個學年", "自2025／26起的3個學年"),
        ("２０２８年前", "２０２８年前"),  # full-width digits are a year too
    ],
)
def test_a_timing_is_shown_with_its_start_year_only_when_it_names_no_year(stated, shown):
    measure = Measure(timing_zh=stated, starts_on=datetime.date(2026, 7, 1))
    with translation.override("zh-hant"):
        assert measure.timing == shown
