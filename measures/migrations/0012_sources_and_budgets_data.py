"""The data side of 0011: each source's date and time from its timestamp, the 2026-27 Budget
Speech as a source of its own with a citation per "Budget Speech paragraph", and each
measure's status when announced (see 0011's docstring). Apart from 0011 and 0013 because
PostgreSQL refuses to alter a table in the transaction that changed its rows."""

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


# The article the knowledge base was curated from; its address was not known before.
SEED = {
    "slug": "singtao-2026-02-25-budget-ai",
    "url": (
        "https://www.stheadline.com/society/3547353/%E8%B2%A1%E6%94%BF%E9%A0%90%E7%AE%97%E6%A1"
        "%882026%E6%8E%A8%E5%85%A8%E6%B0%91AI%E5%9F%B9%E8%A8%93-%E6%92%A5%E6%AC%BE5000%E8%90"
        "%AC%E6%8E%A8AI%E5%AD%B8%E7%BF%92%E8%AA%B2%E7%A8%8B-%E5%86%8D%E5%9F%B9%E8%A8%93%E5%B1"
        "%80%E5%8D%87%E6%A0%BC%E7%82%BA%E6%8A%80%E8%83%BD%E6%8F%90%E5%8D%87%E5%B1%80"
    ),
}


def forward(apps, schema_editor):
    Source = apps.get_model("measures", "Source")
    HistoricalSource = apps.get_model("measures", "HistoricalSource")
    Citation = apps.get_model("measures", "Citation")
    Measure = apps.get_model("measures", "Measure")
    HistoricalMeasure = apps.get_model("measures", "HistoricalMeasure")
    for model in (Source, HistoricalSource):
        for source in model.objects.order_by():
            if source.slug == SEED["slug"] and not source.url:
                source.url = SEED["url"]  # now known, and every source needs its address
            local = source.published_at.astimezone(HONG_KONG)
            source.published_on, source.published_time = local.date(), local.time()
            source.full_text_held = True
            source.save(
                update_fields=["published_on", "published_time", "full_text_held", "url"]
            )
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



class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0011_sources_and_budgets"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
