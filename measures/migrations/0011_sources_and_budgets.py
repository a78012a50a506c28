"""Articles become sources of every kind; a measure records its Budget and its status when
announced.

- ``Article`` is renamed ``Source`` (its headline becomes its title) and gains a kind, a
  language, a date (and the time where known) instead of a timestamp, and two flags. The
  articles already here are news articles in Chinese whose text we hold: their citations quote
  them verbatim.
- A citation's "Budget Speech paragraph" becomes a citation of its own, of the 2026-27 Budget
  Speech (created here when a citation names a paragraph), so the speech is a source a page
  can link to. Migrating back puts the paragraph back on the article's citation.
- Every measure already here belongs to the 2026-27 Budget; its status becomes its status
  when announced, as of Budget day, until developments move it on.
"""

import datetime
from zoneinfo import ZoneInfo

from django.db import migrations, models

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
BUDGET_DAY = datetime.date(2026, 2, 25)
SPEECH = {
    "slug": "budget-speech-2026-27-ai",
    "kind": "budget_speech",
    "language": "en",
    "publisher_zh": "香港特別行政區政府",
    "publisher_en": "Government of the Hong Kong SAR",
    "title_zh": "2026-27年度財政預算案演辭：「人工智能+」",
    "title_en": "The 2026-27 Budget Speech: Artificial Intelligence +",
    "published_on": BUDGET_DAY,
    "url": "https://www.budget.gov.hk/2026/eng/budget07.html",
    "has_numbered_paragraphs": True,
}


def forward(apps, schema_editor):
    Source = apps.get_model("measures", "Source")
    HistoricalSource = apps.get_model("measures", "HistoricalSource")
    Citation = apps.get_model("measures", "Citation")
    Measure = apps.get_model("measures", "Measure")
    HistoricalMeasure = apps.get_model("measures", "HistoricalMeasure")
    for model in (Source, HistoricalSource):
        for source in model.objects.order_by():
            local = source.published_at.astimezone(HONG_KONG)
            source.published_on, source.published_time = local.date(), local.time()
            source.full_text_held = True
            source.save(update_fields=["published_on", "published_time", "full_text_held"])
    speech_citations = Citation.objects.filter(speech_paragraph__isnull=False).order_by()
    if speech_citations.exists():
        speech, _ = Source.objects.get_or_create(slug=SPEECH["slug"], defaults=SPEECH)
        for citation in speech_citations:
            Citation.objects.get_or_create(
                source=speech, measure_id=citation.measure_id, paragraph=citation.speech_paragraph
            )
    for model in (Measure, HistoricalMeasure):
        model.objects.update(status_at_announcement=models.F("status"))
    Measure.objects.update(status_as_of=BUDGET_DAY)


def backward(apps, schema_editor):
    Source = apps.get_model("measures", "Source")
    HistoricalSource = apps.get_model("measures", "HistoricalSource")
    Citation = apps.get_model("measures", "Citation")
    for model in (Source, HistoricalSource):
        for source in model.objects.order_by():
            time = source.published_time or datetime.time(0, 0)
            source.published_at = datetime.datetime.combine(
                source.published_on, time, tzinfo=HONG_KONG
            )
            source.save(update_fields=["published_at"])
    for citation in Citation.objects.filter(source__has_numbered_paragraphs=True).order_by():
        quoted = (
            Citation.objects.filter(
                measure_id=citation.measure_id, source__has_numbered_paragraphs=False
            )
            .order_by("pk")
            .first()
        )
        if quoted is not None and citation.paragraph:
            quoted.speech_paragraph = citation.paragraph
            quoted.save(update_fields=["speech_paragraph"])
        citation.delete()
    Citation.objects.filter(
        models.Q(measure__isnull=True) | models.Q(paragraph__isnull=True)
    ).order_by().delete()
    apps.get_model("measures", "HistoricalCitation").objects.filter(
        paragraph__isnull=True
    ).order_by().delete()
    Source.objects.exclude(
        pk__in=Citation.objects.order_by().values("source")
    ).order_by().delete()


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
        # Nullable first, so that migrating back can add the column to rows before filling it.
        *historical_twins(
            migrations.AlterField,
            "source",
            name="published_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(forward, backward),
        *historical_twins(migrations.RemoveField, "source", name="published_at"),
        *historical_twins(migrations.RemoveField, "citation", name="speech_paragraph"),
        *historical_twins(
            migrations.AlterField, "source", name="published_on", field=models.DateField()
        ),
    ]
