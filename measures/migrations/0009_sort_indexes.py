"""Indexes for every order of the list (see SortFilter), so a page deep into any order is read
from an index instead of sorting every measure.

The descending amount and start orders put empty values last (``DESC NULLS LAST``), which an
ascending index read backwards cannot give; SQLite cannot declare that in an index, and a
development copy of the data does not need it: those two are created on PostgreSQL only.
"""

from django.db import migrations, models

DESCENDING = {
    "measure_amount_desc_idx": "amount_hkd DESC NULLS LAST, id DESC",
    "measure_starts_desc_idx": "starts_on DESC NULLS LAST, id DESC",
}


def add_descending_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in DESCENDING.items():
            schema_editor.execute(f"CREATE INDEX {name} ON measures_measure ({columns})")


def remove_descending_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in DESCENDING:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("measures", "0008_remove_per_type_tables")]

    operations = [
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(fields=["name_zh", "id"], name="measure_name_zh_idx"),
        ),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(fields=["name_en", "id"], name="measure_name_en_idx"),
        ),
        migrations.RunPython(add_descending_indexes, remove_descending_indexes),
    ]
