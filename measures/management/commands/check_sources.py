from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from measures.models import Citation, Measure
from measures.money import find_amounts


def article_paragraphs(text):
    """The article's body paragraphs, counted from 1 as ``Citation.paragraph`` counts them.

    A body paragraph is a non-empty line ending in 「。」; headlines, sub-headings, dates and
    link lists do not end that way and are not counted.
    """
    return [line.strip() for line in text.splitlines() if line.strip().endswith("。")]


class Command(BaseCommand):
    """``manage.py check_sources ARTICLE``: every fact traced back to the sentence it came from."""

    help = (
        "Checks the knowledge base against the source text it was curated from: every measure "
        "curated from it has a quote, every quote appears verbatim in the stated paragraph, and "
        "every amount in a quote is the measure's amount (and a stated amount is quoted); "
        "every other measure cites a source of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="The source article as a UTF-8 text file.")

    def handle(self, *args, source, **options):
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {source}: {error}") from None
        paragraphs = article_paragraphs(text)
        problems = []
        measures = Measure.objects.prefetch_related(
            Prefetch("citations", Citation.objects.select_related("source"))
        ).order_by("slug")
        quoted = 0
        for measure in measures:
            if measure.from_held_source:
                quoted += 1
                problems.extend(self.check_measure(measure, text, paragraphs))
            elif not measure.citations.all():
                problems.append(f"{measure.slug}: cites no source.")
        if problems:
            for problem in problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"{len(problems)} problem(s) found in {len(measures)} measures.")
        self.stdout.write(
            self.style.SUCCESS(
                f"All {quoted} measures curated from {source.name} are quoted verbatim from it "
                f"and their amounts match; the other {len(measures) - quoted} cite their own "
                "sources."
            )
        )

    def check_measure(self, measure, text, paragraphs):
        quoted_amounts = set()
        for citation in measure.citations.all():
            if not citation.source.full_text_held:
                continue
            where = f"{measure.slug} ¶{citation.paragraph}"
            if not citation.quote_zh:
                yield f"{where}: no quote from the source."
            elif citation.quote_zh not in text:
                yield f"{where}: the quote is not in the source verbatim: {citation.quote_zh!r}"
            elif not (
                citation.paragraph
                and 1 <= citation.paragraph <= len(paragraphs)
                and citation.quote_zh in paragraphs[citation.paragraph - 1]
            ):
                yield f"{where}: the quote is in the source, not in paragraph {citation.paragraph}."
            quoted_amounts.update(find_amounts(citation.quote_zh))
        if measure.amount_hkd is None:
            if quoted_amounts:
                yield (
                    f"{measure.slug}: its quotes state {sorted(quoted_amounts)} but the measure "
                    "has no amount."
                )
        elif quoted_amounts != {measure.amount_hkd}:
            yield (
                f"{measure.slug}: amount {measure.amount_hkd} but its quotes state "
                f"{sorted(quoted_amounts) or 'no amount'}."
            )
