"""Articles become sources of every kind; a measure records its Budget and its status when
announced.

- ``Article`` is renamed ``Source`` (its headline becomes its title) and gains a kind, a
  language, a date (and the time where known) instead of a timestamp, and two flags. The
  articles already here are news articles in Chinese whose text we hold: their citations quote
  them verbatim.
- A citation's "Budget Speech paragraph" becomes a citation of its own, of the 2026-27 Budget
  Speech (created by 0012 when a citation names a paragraph), so the speech is a source a page
  can link to. Migrating back puts the paragraph back on the article's citation.
- Every measure already here belongs to the 2026-27 Budget; its status becomes its status
  when announced, as of Budget day, until developments move it on.
"""

from django.db import migrations, models


def historical_twins(operation_class, model_name, **kwargs):
    """The operation on a model and on its django-simple-history table."""
    return [
        operation_class(model_name=model_name, **kwargs),
        operation_class(model_name=f"historical{model_name}", **kwargs),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0010_versions_for_every_edited_record"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="citation", name="citation_has_quote"),
        migrations.RemoveConstraint(model_name="citation", name="citation_unique_paragraph"),
        migrations.RenameModel("Article", "Source"),
        migrations.RenameModel("HistoricalArticle", "HistoricalSource"),
        *historical_twins(
            migrations.RenameField, "source", old_name="headline_zh", new_name="title_zh"
        ),
        *historical_twins(
            migrations.RenameField, "source", old_name="headline_en", new_name="title_en"
        ),
        *historical_twins(
            migrations.RenameField, "citation", old_name="article", new_name="source"
        ),
        migrations.AlterModelOptions(
            name="citation",
            options={
                "ordering": ["measure", "source", "paragraph"],
                "verbose_name": "citation",
                "verbose_name_plural": "citations",
            },
        ),
        *historical_twins(
            migrations.AddField,
            "source",
            name="kind",
            field=models.CharField(default="news_article", max_length=20),
            preserve_default=False,
        ),
        *historical_twins(
            migrations.AddField,
            "source",
            name="language",
            field=models.CharField(default="zh-hant", max_length=10),
            preserve_default=False,
        ),
        *historical_twins(
            migrations.AddField, "source", name="published_on", field=models.DateField(null=True)
        ),
        *historical_twins(
            migrations.AddField, "source", name="published_time", field=models.TimeField(null=True)
        ),
        *historical_twins(
            migrations.AddField,
            "source",
            name="has_numbered_paragraphs",
            field=models.BooleanField(default=False),
        ),
        *historical_twins(
            migrations.AddField,
            "source",
            name="full_text_held",
            field=models.BooleanField(default=False),
        ),
        *historical_twins(
            migrations.AddField,
            "measure",
            name="budget",
            field=models.CharField(default="2026-27", max_length=7),
        ),
        *historical_twins(
            migrations.AddField,
            "measure",
            name="status_at_announcement",
            field=models.CharField(default="announced", max_length=20),
            preserve_default=False,
        ),
        *historical_twins(
            migrations.AddField, "measure", name="status_as_of", field=models.DateField(null=True)
        ),
        *historical_twins(
            migrations.AlterField,
            "citation",
            name="paragraph",
            field=models.PositiveSmallIntegerField(null=True, blank=True),
        ),
        *historical_twins(
            migrations.AlterField,
            "source",
            name="url",
            field=models.URLField(max_length=500, verbose_name="address"),
        ),
        # Nullable, so that migrating back can add the column to rows before 0012 fills it.
        *historical_twins(
            migrations.AlterField,
            "source",
            name="published_at",
            field=models.DateTimeField(null=True),
        ),
    ]
