"""Moves the five record tables and their five link tables into Record and MeasureLink.

What is kept: every record with all its fields, every link with its role and notes, and every
history entry of both (with its date, type, user and reason). Measures keep their ids. Records
and links get new ids, because the five old tables numbered their rows independently (a
committee and a bureau could both be number 1); the pages, the API and the fixtures name records
by type and slug, which are unchanged. History entries of a record or link deleted before this
migration point at no current row: they keep negative ids, which no new row can take.

Then every measure's search documents are written, and on PostgreSQL their full-text vector
and its index (see measures/search.py).
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from measures import search

# Old record model, old link model and the type each becomes, in RecordType order.
OLD_TABLES = [
    ("Committee", "MeasureCommittee", "committee"),
    ("Institute", "MeasureInstitute", "institute"),
    ("FundingScheme", "MeasureFundingScheme", "funding_scheme"),
    ("Bureau", "MeasureBureau", "bureau"),
    ("TrainingCourse", "MeasureTrainingCourse", "training_course"),
]
SHARED = [
    "slug",
    "name_zh",
    "name_en",
    "short_name_en",
    "description_zh",
    "description_en",
    "updated_at",
]
OWN = {
    "committee": ["chair_zh", "chair_en"],
    "bureau": ["kind", "succession_note_zh", "succession_note_en"],
    "training_course": ["audience_zh", "audience_en"],
}
HISTORY = ["history_date", "history_change_reason", "history_type", "history_user_id"]
SEARCH_INDEX = "measure_search_idx"


class IdMap:
    """Old ids to new ones, per type; unknown old ids (deleted rows) get negative ids."""

    def __init__(self):
        self.ids, self.next_missing = {}, -1

    def __setitem__(self, key, value):
        self.ids[key] = value

    def __getitem__(self, key):
        if key[1] is None:
            return None
        if key not in self.ids:
            self.ids[key] = self.next_missing
            self.next_missing -= 1
        return self.ids[key]


def move(apps, schema_editor):
    Record = apps.get_model("measures", "Record")
    MeasureLink = apps.get_model("measures", "MeasureLink")
    HistoricalRecord = apps.get_model("measures", "HistoricalRecord")
    HistoricalMeasureLink = apps.get_model("measures", "HistoricalMeasureLink")
    record_ids, link_ids = IdMap(), IdMap()

    for model_name, _link_name, record_type in OLD_TABLES:
        for old in apps.get_model("measures", model_name).objects.order_by("pk"):
            fields = {name: getattr(old, name) for name in SHARED + OWN.get(record_type, [])}
            new = Record.objects.create(type=record_type, **fields)
            Record.objects.filter(pk=new.pk).update(updated_at=old.updated_at)
            record_ids[record_type, old.pk] = new.pk
    for old in apps.get_model("measures", "Bureau").objects.exclude(successor=None):
        Record.objects.filter(pk=record_ids["bureau", old.pk]).update(
            successor_id=record_ids["bureau", old.successor_id]
        )
    for old in apps.get_model("measures", "TrainingCourse").objects.exclude(provider=None):
        Record.objects.filter(pk=record_ids["training_course", old.pk]).update(
            provider_id=record_ids["bureau", old.provider_id]
        )

    for _model_name, link_name, record_type in OLD_TABLES:
        for old in apps.get_model("measures", link_name).objects.order_by("pk"):
            new = MeasureLink.objects.create(
                measure_id=old.measure_id,
                record_id=record_ids[record_type, old.record_id],
                role=old.role,
                note_zh=old.note_zh,
                note_en=old.note_en,
            )
            link_ids[record_type, old.pk] = new.pk

    for model_name, link_name, record_type in OLD_TABLES:
        own = [name for name in OWN.get(record_type, [])]
        history = apps.get_model("measures", f"Historical{model_name}").objects.order_by(
            "history_date", "history_id"
        )
        for old in history:
            extra = {}
            if record_type == "bureau":
                extra["successor_id"] = record_ids["bureau", old.successor_id]
            if record_type == "training_course":
                extra["provider_id"] = record_ids["bureau", old.provider_id]
            HistoricalRecord.objects.create(
                id=record_ids[record_type, old.id],
                type=record_type,
                **{name: getattr(old, name) for name in SHARED + own + HISTORY},
                **extra,
            )
        history = apps.get_model("measures", f"Historical{link_name}").objects.order_by(
            "history_date", "history_id"
        )
        for old in history:
            HistoricalMeasureLink.objects.create(
                id=link_ids[record_type, old.id],
                measure_id=old.measure_id,
                record_id=record_ids[record_type, old.record_id],
                role=old.role,
                note_zh=old.note_zh,
                note_en=old.note_en,
                **{name: getattr(old, name) for name in HISTORY},
            )

    write_search_documents(apps)


def write_search_documents(apps):
    Measure = apps.get_model("measures", "Measure")
    Record = apps.get_model("measures", "Record")
    Theme = apps.get_model("measures", "Theme")
    MeasureLink = apps.get_model("measures", "MeasureLink")
    record_texts = {
        pk: (name_zh, name_en, short_name_en)
        for pk, name_zh, name_en, short_name_en in Record.objects.values_list(
            "pk", "name_zh", "name_en", "short_name_en"
        )
    }
    theme_texts = dict(
        (pk, (name_zh, name_en))
        for pk, name_zh, name_en in Theme.objects.values_list("pk", "name_zh", "name_en")
    )
    linked = {}
    for measure_id, record_id in MeasureLink.objects.values_list("measure_id", "record_id"):
        linked.setdefault(measure_id, []).extend(record_texts[record_id])
    for measure_id, theme_id in Measure.themes.through.objects.values_list(
        "measure_id", "theme_id"
    ):
        linked.setdefault(measure_id, []).extend(theme_texts[theme_id])
    for measure in Measure.objects.iterator():
        names = (measure.name_zh, measure.name_en)
        Measure.objects.filter(pk=measure.pk).update(
            search_names=search.document(*names),
            search_text=search.document(
                *names,
                measure.summary_zh,
                measure.summary_en,
                measure.timing_zh,
                measure.timing_en,
                *linked.get(measure.pk, []),
            ),
        )


def search_index():
    # On PostgreSQL only: SQLite has no GIN indexes (and searches the documents with LIKE).
    return GinIndex(fields=["search_vector"], name=SEARCH_INDEX)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        Measure = apps.get_model("measures", "Measure")
        Measure.objects.update(search_vector=search.search_vector())
        schema_editor.add_index(Measure, search_index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("measures", "Measure"), search_index())


class Migration(migrations.Migration):
    dependencies = [("measures", "0006_record_and_measurelink")]

    operations = [
        migrations.RunPython(move, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
