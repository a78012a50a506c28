"""Nothing to do going forward. Migrating back, before 0014 makes a citation's measure
required again, the citations of developments (which have no measure) are deleted, in a
transaction of their own: PostgreSQL refuses to alter a table in the transaction that changed
its rows."""

from django.db import migrations


def delete_citations_of_developments(apps, schema_editor):
    Citation = apps.get_model("measures", "Citation")
    Citation.objects.filter(measure__isnull=True).order_by().delete()
    apps.get_model("measures", "HistoricalCitation").objects.filter(
        measure__isnull=True
    ).order_by().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0014_developments_relations_and_citations"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, delete_citations_of_developments),
    ]
