"""Rewrites every measure's search documents as search.py now cuts them: numbers without their
thousands separators, so that 5000萬 finds what 5,000萬 finds. No schema change; reversing it
leaves the documents as they are."""

from django.db import migrations

from measures import search


def rewrite_search_documents(apps, schema_editor):
    Measure = apps.get_model("measures", "Measure")
    search.refresh_documents(Measure.objects.using(schema_editor.connection.alias).all())


class Migration(migrations.Migration):
    dependencies = [("measures", "0024_protect_successor_and_provider")]

    operations = [
        migrations.RunPython(rewrite_search_documents, migrations.RunPython.noop, elidable=True)
    ]
