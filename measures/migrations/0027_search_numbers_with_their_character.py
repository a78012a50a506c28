"""Rewrites every measure's search documents as search.py now makes them: a number written
against a unit of money (萬, 億, 元, 千, 百) is also one token with it (20億 → 20亿, 1.5億 →
1.5亿), so that 20億 finds the measures stating 20億 and not those stating a 2025 and a 億
apart. No schema change; reversing it leaves the documents as they are."""

from django.db import migrations

from measures import search


def rewrite_search_documents(apps, schema_editor):
    Measure = apps.get_model("measures", "Measure")
    search.refresh_documents(Measure.objects.using(schema_editor.connection.alias).all())


class Migration(migrations.Migration):
    dependencies = [("measures", "0026_search_chairs_and_developments")]

    operations = [
        migrations.RunPython(rewrite_search_documents, migrations.RunPython.noop, elidable=True)
    ]
