"""A stated number says how the source words it: exact, about (約) or nearly (近), instead of
only whether it is approximate. Every number marked approximate was worded "about" until now
but one: the curated count of the AI Subsidy Scheme's research projects, which the article
words 近30, becomes "nearly" (the fixtures say so too).
"""

from django.db import migrations, models

TABLES = [
    "measurecount",
    "developmentfigure",
    "historicalmeasurecount",
    "historicaldevelopmentfigure",
]


def approximate_as_about(apps, schema_editor):
    for name in TABLES:
        model = apps.get_model("measures", name)
        model.objects.filter(is_approximate=True).update(approximation="about")
    apps.get_model("measures", "MeasureCount").objects.filter(
        measure__slug="ai-subsidy-scheme", unit_en="research projects", value=30, is_approximate=True
    ).update(approximation="nearly")


def approximation_field():
    return models.CharField(
        choices=[("exact", "as stated"), ("about", "about"), ("nearly", "nearly")],
        default="exact",
        help_text="As the source words the number: about (約) or nearly (近)",
        max_length=10,
        verbose_name="approximation",
    )


def about_or_nearly_as_approximate(apps, schema_editor):
    for name in TABLES:
        model = apps.get_model("measures", name)
        model.objects.exclude(approximation="exact").update(is_approximate=True)


class Migration(migrations.Migration):
    dependencies = [("measures", "0027_search_numbers_with_their_character")]

    operations = [
        *(
            migrations.AddField(
                model_name=name, name="approximation", field=approximation_field()
            )
            for name in TABLES
        ),
        migrations.RunPython(approximate_as_about, about_or_nearly_as_approximate),
        *(migrations.RemoveField(model_name=name, name="is_approximate") for name in TABLES),
    ]
