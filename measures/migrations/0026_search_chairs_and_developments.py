"""Rewrites every measure's search documents as search.py now makes them: with the chairs of the
records a measure links to (陳茂波 or Paul Chan finds the committee he chairs) and the texts of
its developments (沈向洋, Harry Shum or 潤江 finds the measure they are part of). No schema
change; reversing it leaves the documents as they are."""

from django.db import migrations

from measures import search


def rewrite_search_documents(apps, schema_editor):
    Measure = apps.get_model("measures", "Measure")
    search.refresh_documents(Measure.objects.using(schema_editor.connection.alias).all())


class Migration(migrations.Migration):
    dependencies = [("measures", "0025_search_numbers_without_separators")]

    operations = [
        migrations.RunPython(rewrite_search_documents, migrations.RunPython.noop, elidable=True)
    ]
