"""A kind of body for the HKSAR Government as a whole, which is none of a bureau, a department, an
office, a public body or an office holder. No data here: the curated fixtures give the
Government's record this kind (``import_data`` brings it to a database curated before). Going
back, a record of that kind becomes a public body again, as it was before, so that the narrower
constraint holds."""

from django.db import migrations, models

KINDS = [
    ("government", "The Government as a whole"),
    ("bureau", "Policy bureau"),
    ("department", "Government department"),
    ("office", "Government office or unit"),
    ("public_body", "Public body"),
    ("post", "Public office holder"),
]


def government_as_public_body(apps, schema_editor):
    for name in ["Record", "HistoricalRecord"]:
        apps.get_model("measures", name).objects.filter(kind="government").update(
            kind="public_body"
        )


class Migration(migrations.Migration):
    dependencies = [("measures", "0029_record_other_names")]

    operations = [
        migrations.RemoveConstraint(
            model_name="record", name="record_body_fields_only_for_bureaux"
        ),
        migrations.RunPython(migrations.RunPython.noop, government_as_public_body),
        *[
            migrations.AlterField(
                model_name=name,
                name="kind",
                field=models.CharField(
                    blank=True, choices=KINDS, max_length=20, verbose_name="kind of body"
                ),
            )
            for name in ["historicalrecord", "record"]
        ],
        migrations.AddConstraint(
            model_name="record",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", [kind for kind, _ in KINDS]), ("type", "bureau"))
                | models.Q(
                    models.Q(("type", "bureau"), _negated=True),
                    ("kind", ""),
                    ("succession_note_en", ""),
                    ("succession_note_zh", ""),
                    ("successor__isnull", True),
                ),
                name="record_body_fields_only_for_bureaux",
                violation_error_message="A bureau or department needs a kind of body from the "
                "list; other records have no kind, successor or succession note.",
            ),
        ),
    ]
