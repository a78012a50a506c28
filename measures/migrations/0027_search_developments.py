"""Rewrites every measure's search documents as search.py now makes them: with the texts of the
measure's developments, so that the people, companies and places they name (沈向洋, Harry Shum,
潤江) find the measure. No schema change; reversing it leaves the documents as they are."""

from django.db import migrations

from measures import search


def rewrite_search_documents(apps, schema_editor):
    Measure = apps.get_model("measures", "Measure")
    search.refresh_documents(Measure.objects.using(schema_editor.connection.alias).all())


class Migration(migrations.Migration):
    dependencies = [("measures", "0026_search_records_chairs")]

    operations = [
        migrations.RunPython(rewrite_search_documents, migrations.RunPython.noop, elidable=True)
    ]
