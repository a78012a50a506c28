"""The columns 0012 read from: an article's timestamp and a citation's Budget Speech paragraph
(now a citation of its own)."""

from django.db import migrations, models


def historical_twins(operation_class, model_name, **kwargs):
    """The operation on a model and on its django-simple-history table."""
    return [
        operation_class(model_name=model_name, **kwargs),
        operation_class(model_name=f"historical{model_name}", **kwargs),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0012_sources_and_budgets_data"),
    ]

    operations = [
        *historical_twins(migrations.RemoveField, "source", name="published_at"),
        *historical_twins(migrations.RemoveField, "citation", name="speech_paragraph"),
        *historical_twins(
            migrations.AlterField, "source", name="published_on", field=models.DateField()
        ),
    ]
