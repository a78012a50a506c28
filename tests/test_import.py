"""Importing a file of records: all or nothing, with problems named by record and field."""

import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from measures.models import DataRevision, Measure, Record, Theme

from .conftest import PROJECT_ROOT

pytestmark = pytest.mark.django_db

CURATED = PROJECT_ROOT / "fixtures" / "budget2026.json"


def curated_records():
    return json.loads(CURATED.read_text(encoding="utf-8"))


def find(records, model, slug):
    return next(r for r in records if r["model"] == model and r["fields"].get("slug") == slug)


def snapshot():
    return {
        model.__name__: sorted(map(str, model.objects.values_list()))
        for model in apps.get_app_config("measures").get_models()
        if not model.__name__.startswith("Historical") and model.__name__ != "DataRevision"
    }


def import_file(tmp_path, content):
    path = tmp_path / "import.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    call_command("import_data", str(path), verbosity=0)


def test_the_curated_file_imports_cleanly_over_itself(tmp_path):
    before = snapshot()
    call_command("import_data", str(CURATED), verbosity=0)
    assert snapshot() == before


def test_a_valid_change_is_imported(tmp_path):
    records = curated_records()
    find(records, "measures.measure", "ai-subsidy-scheme")["fields"]["name_en"] = "Renamed"
    import_file(tmp_path, records)
    assert Measure.objects.get(slug="ai-subsidy-scheme").name_en == "Renamed"


def edited_then_broken(records):
    """An early valid edit (which must not survive) before the broken record."""
    find(records, "measures.theme", "flooding")["fields"]["name_en"] = "Should not be saved"
    return records


def test_a_negative_amount_is_refused_naming_record_and_field(tmp_path):
    records = edited_then_broken(curated_records())
    find(records, "measures.measure", "ai-subsidy-scheme")["fields"]["amount_hkd"] = -5
    before = snapshot()
    with pytest.raises(CommandError) as error:
        import_file(tmp_path, records)
    message = str(error.value)
    assert "nothing imported" in message
    assert "measures.measure [ai-subsidy-scheme]" in message
    assert "field amount_hkd" in message
    assert snapshot() == before
    assert Theme.objects.get(slug="flooding").name_en != "Should not be saved"


@pytest.mark.parametrize(
    "model, slug, change, message",
    [
        ("measures.record", "hkma", {"chair_en": "Someone"}, "Only a committee has a chair."),
        (
            "measures.record",
            "cyberport",
            {"audience_en": "Everyone"},
            "Only a training course has a provider and audience.",
        ),
    ],
)
def test_a_record_breaking_a_rule_between_fields_is_refused_naming_the_rule(
    tmp_path, model, slug, change, message
):
    records = edited_then_broken(curated_records())
    find(records, model, slug)["fields"].update(change)
    before = snapshot()
    with pytest.raises(CommandError) as error:
        import_file(tmp_path, records)
    problems = [line for line in str(error.value).splitlines() if line.startswith("- ")]
    assert len(problems) == 1
    assert f"({model} [" in problems[0] and f"{slug}]): " in problems[0]
    assert message in problems[0] and "constraint" not in problems[0].lower()
    assert snapshot() == before


def test_an_unknown_status_is_refused(tmp_path):
    records = curated_records()
    find(records, "measures.measure", "labour-ai-job-matching")["fields"][
        "status_at_announcement"
    ] = "abandoned"
    before = snapshot()
    with pytest.raises(CommandError, match="labour-ai-job-matching.*field status_at_announcement"):
        import_file(tmp_path, records)
    assert snapshot() == before


def test_a_link_to_an_unknown_body_is_refused(tmp_path):
    records = edited_then_broken(curated_records())
    link = next(r for r in records if r["model"] == "measures.measurelink")
    link["fields"]["record"] = ["bureau", "no-such-department"]
    before = snapshot()
    with pytest.raises(CommandError) as error:
        import_file(tmp_path, records)
    assert "measures.measurelink" in str(error.value)
    assert "no-such-department" in str(error.value)
    assert snapshot() == before


def test_broken_json_is_refused(tmp_path):
    before = snapshot()
    with pytest.raises(CommandError, match="nothing imported"):
        import_file(tmp_path, CURATED.read_text(encoding="utf-8")[:5000])
    assert snapshot() == before


def test_an_unknown_field_is_refused(tmp_path):
    records = curated_records()
    find(records, "measures.measure", "ai-subsidy-scheme")["fields"]["budget"] = 1
    with pytest.raises(CommandError, match="budget"):
        import_file(tmp_path, records)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_data", str(tmp_path / "nothing.json"))


def download(client):
    response = client.get("/data/budget2026-ai-measures.json")
    return json.loads(b"".join(response.streaming_content))


def test_the_full_download_imports_into_an_empty_database(client, tmp_path):
    before = download(client)
    # A body named as another's successor or a course's provider cannot be deleted first.
    Record.objects.update(successor=None, provider=None)
    for model in reversed(list(apps.get_app_config("measures").get_models())):
        if not model.__name__.startswith("Historical"):
            model.objects.all().delete()
    assert Measure.objects.count() == 0
    import_file(tmp_path, before)
    assert download(client) == before


def test_an_import_is_kept_in_the_history(tmp_path):
    records = curated_records()
    find(records, "measures.measure", "ai-subsidy-scheme")["fields"]["name_en"] = "Renamed"
    history = Measure.history.filter(slug="ai-subsidy-scheme")
    before = history.count()
    import_file(tmp_path, records)
    assert history.count() == before + 1
    assert history.latest("history_date").name_en == "Renamed"


def assert_refused(tmp_path, content, *expected):
    """The import fails naming ``expected``, and the database is exactly as it was."""
    before, users, groups = snapshot(), User.objects.count(), Group.objects.count()
    revision = DataRevision.from_database().number
    with pytest.raises(CommandError) as error:
        import_file(tmp_path, content)
    for text in expected:
        assert text in str(error.value)
    assert snapshot() == before
    assert (User.objects.count(), Group.objects.count()) == (users, groups)
    assert DataRevision.from_database().number == revision
    return str(error.value)


@pytest.mark.parametrize(
    "entry",
    [
        {"model": "auth.user", "fields": {"username": "mallory", "is_superuser": True,
                                           "is_staff": True, "password": "x"}},
        {"model": "auth.group", "fields": {"name": "editors", "permissions": []}},
        {"model": "sessions.session", "fields": {"session_data": "x", "expire_date": "2030-01-01"}},
        {"model": "measures.datarevision", "pk": 1, "fields": {"number": 0}},
        {"model": "measures.bureau", "fields": {"slug": "x", "name_zh": "x", "name_en": "x"}},
    ],
)  # fmt: skip
def test_only_knowledge_base_models_can_be_imported(tmp_path, entry):
    message = assert_refused(tmp_path, [*curated_records()[:3], entry], "record 4")
    assert f"model {entry['model']} cannot be imported" in message


def test_a_database_id_of_an_existing_row_is_refused(tmp_path):
    records = curated_records()
    theme = find(records, "measures.theme", "flooding")
    theme["pk"] = Theme.objects.exclude(slug="flooding").first().pk
    assert_refused(tmp_path, records, "measures.theme", "field pk", "natural keys")


def test_two_entries_for_one_record_are_refused(tmp_path):
    records = curated_records()
    twice = dict(find(records, "measures.measure", "ai-subsidy-scheme"))
    message = assert_refused(tmp_path, [*records, twice], "the same record as record")
    assert "ai-subsidy-scheme" in message


@pytest.mark.parametrize("entry", [None, 3, "text", [], {"model": "measures.theme"}])
def test_an_entry_that_is_not_a_record_is_refused(tmp_path, entry):
    assert_refused(tmp_path, [*curated_records()[:2], entry], "record 3: not a record")


def test_a_succession_that_goes_round_in_a_circle_is_refused(tmp_path):
    records = curated_records()
    erb = find(records, "measures.record", "employees-retraining-board")
    upskill = find(records, "measures.record", "upskill-hong-kong")
    upskill["fields"]["successor"] = ["bureau", "employees-retraining-board"]
    assert_refused(tmp_path, records, "field successor", "round in a circle")
    erb["fields"]["successor"] = ["bureau", "employees-retraining-board"]  # itself
    assert_refused(tmp_path, records, "field successor", "round in a circle")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_MEGABYTES", "1")
    padding = [{"model": "measures.theme", "fields": {"slug": f"t{n}", "name_zh": "主題" * 50,
                                                      "name_en": "x" * 100}}
               for n in range(5000)]  # fmt: skip
    assert_refused(tmp_path, padding, "over the limit of 1 MB", "IMPORT_MAX_MEGABYTES")
