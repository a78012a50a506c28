"""Search that finds what readers type: Chinese in either script, English words, abbreviations.

A measure keeps two search documents, written when it or anything it links to is saved:
``search_names`` (its own names) and ``search_text`` (those names again, its summaries and
timing, the names, abbreviations and chairs of the records it links to, its themes, its
developments' texts). Both hold the same kind of tokens, so the database only has to compare
whole tokens:

- Chinese is converted to Simplified (OpenCC), so 数码港 and 數碼港 are the same text, and cut
  into single characters and overlapping pairs (數碼港 → 数 码 港 数码 码港): the usual way to
  index a language written without spaces.
- Other text is lower-cased and cut into words of letters and digits (AI+ → ai); letters and
  digits typed full-width, as a Chinese input method may (ＡＩ), are read as their ASCII selves,
  and a number's thousands separators are dropped (5,000萬 → 5000 万), so a number is found
  however it was written.
- A number written against a unit of money after it (萬, 億, 元, 千, 百: 20億, 5,000萬, 5.81億)
  is also kept as one token with it (20亿, 5000万, 5.81亿), so that an amount is found as
  written: 20億 finds 20億, not a measure that states a 2025 here and a 億 there, and 5億 does
  not find 5.81億. A year is not joined to its 年: 2027年 still finds 2027／28學年.

A query is cut the same way, but an amount is only its joined token. Every token must match:
an amount, a Chinese pair or character exactly, an English word as the start of a word
(``train`` finds training). An English plural is looked for by the part it shares with its
singular (``subsidies`` as the start of a word ``subsid``, which finds subsidy and subsidies;
``floods``, ``flood``). PostgreSQL matches the tokens in ``search_vector``, ``search_text`` as
a stored full-text vector with a GIN index; SQLite, for development, with LIKE on the document
itself, which gives the same matches. Both rank a match in the names first, looking for each
token in ``search_names`` (``STRPOS``, ``INSTR``).
"""

import functools
import re

import opencc
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[{CJK}]+|[a-z0-9]+")
AMOUNT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?[万亿元千百]")  # read after OpenCC: 萬 is 万
IS_CJK = re.compile(rf"[{CJK}]")
# Full-width ASCII (U+FF01-FF5E) to ASCII: ＡＩ２０２６ → AI2026.
ASCII_OF_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# A comma between digits that groups thousands: 5,000 and 1,000,000 (not 2024,2025).
THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# Plural endings, longest first, and the shortest stem a word may be cut to.
PLURAL_ENDINGS = ("ies", "es", "s")
SHORTEST_STEM = 3


@functools.cache
def to_simplified():
    return opencc.OpenCC("t2s")


def comparable(text):
    """``text`` lower-cased, its full-width letters and digits made ASCII, its numbers without
    thousands separators."""
    return THOUSANDS_SEPARATOR.sub("", text.translate(ASCII_OF_FULL_WIDTH).lower())


def shared_with_singular(word):
    """The start of an English ``word`` that its singular shares, if it looks plural
    (robots → robot, classes → class, subsidies → subsid); else ``word``."""
    if not word.isalpha() or word.endswith("ss"):
        return word
    for ending in PLURAL_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= SHORTEST_STEM:
            return word[: -len(ending)]
    return word


def tokens(text):
    """The search tokens of ``text``, in order (a Chinese run gives characters, then pairs),
    then its amounts."""
    text = to_simplified().convert(comparable(text))
    result = []
    for run in TOKEN.findall(text):
        if IS_CJK.match(run):
            result.extend(run)
            result.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            result.append(run)
    result.extend(AMOUNT.findall(text))
    return result


def document(*texts):
    """A search document: the tokens of ``texts``, each once, with a space either side."""
    unique = dict.fromkeys(token for text in texts if text for token in tokens(text))
    return f" {' '.join(unique)} " if unique else ""


@functools.cache
def query_tokens(query):
    """``[(token, is_prefix)]``: what every match must contain. An amount (a number with its
    unit of money) needs that token; a Chinese word of two or more characters, its pairs; a
    single character, itself; any other word, a word it begins (a plural, a word its
    singular's start begins)."""
    text = to_simplified().convert(comparable(query))
    result = [(token, False) for token in AMOUNT.findall(text)]
    for run in TOKEN.findall(AMOUNT.sub(" ", text)):
        if not IS_CJK.match(run):
            result.append((shared_with_singular(run), True))
        elif len(run) == 1:
            result.append((run, False))
        else:
            result.extend((run[i : i + 2], False) for i in range(len(run) - 1))
    return tuple(dict.fromkeys(result))


def search_vector():
    """The full-text vector of ``search_text`` (which holds the names too)."""
    return SearchVector("search_text", config="simple")


def measure_documents(measure):
    """``(search_names, search_text)`` of ``measure`` from its names, summaries and timing, the
    records it links to (with their chairs, so that a person's name finds what they chair), its
    themes and what has happened to it since (its developments, which name people, companies
    and places), all prefetched or read here."""
    names = (measure.name_zh, measure.name_en)
    records = sorted((link.record for link in measure.record_links.all()), key=lambda r: r.pk)
    text = document(
        *names,
        measure.summary_zh,
        measure.summary_en,
        measure.timing_zh,
        measure.timing_en,
        *(
            value
            for record in records
            for value in (
                record.name_zh,
                record.name_en,
                record.short_name_en,
                # A migration's record from before 0029 has none.
                getattr(record, "other_names", ""),
                record.chair_zh,
                record.chair_en,
            )
        ),
        *(value for theme in measure.themes.all() for value in (theme.name_zh, theme.name_en)),
        *(
            value
            for development in sorted(measure.developments.all(), key=lambda d: d.pk)
            for value in (development.text_zh, development.text_en)
        ),
    )
    return document(*names), text


def refresh_documents(measures, chunk_size=1000):
    """Rewrites the search documents of ``measures`` (a queryset) that differ from what this
    module makes of them now. Written for the model and for a migration's historical model
    alike, as a migration runs it when the way documents are cut changes."""
    every_measure = measures.model._default_manager.using(measures.db).all()
    measures = (
        measures.defer(None)
        .prefetch_related("themes", "record_links__record", "developments")
        .order_by("pk")
    )
    changed = []
    for measure in measures.iterator(chunk_size=chunk_size):
        documents = measure_documents(measure)
        if documents != (measure.search_names, measure.search_text):
            measure.search_names, measure.search_text = documents
            changed.append(measure)
        if len(changed) >= chunk_size:
            write_documents(every_measure, changed)
            changed = []
    write_documents(every_measure, changed)


def write_documents(measures, changed):
    """Saves the search documents of the ``changed`` measures (and on PostgreSQL their
    vector, computed from the saved documents)."""
    if not changed:
        return
    measures.bulk_update(changed, ["search_names", "search_text"])
    if connections[measures.db].vendor == "postgresql":
        measures.filter(pk__in=[measure.pk for measure in changed]).update(
            search_vector=search_vector()
        )


def postgres_query(pairs):
    terms = " & ".join(f"'{token}'" + (":*" if prefix else "") for token, prefix in pairs)
    return SearchQuery(terms, config="simple", search_type="raw")


def needle(token, prefix):
    """What a document holds where it has ``token`` (as the start of a word if ``prefix``)."""
    return f" {token}" if prefix else f" {token} "


def contains_all(field, pairs):
    condition = Q()
    for token, prefix in pairs:
        condition &= Q(**{f"{field}__contains": needle(token, prefix)})
    return condition


def in_names(pairs):
    """Whether a measure's names hold every token: ``STRPOS`` (SQLite: ``INSTR``) rather than
    ``LIKE``, which is slower to scan a whole document for a word it does not hold."""
    condition = Q()
    for token, prefix in pairs:
        condition &= Q(GreaterThan(StrIndex("search_names", Value(needle(token, prefix))), 0))
    return condition


def matching(queryset, query):
    """``queryset`` narrowed to the measures matching every token of ``query``."""
    pairs = query_tokens(query)
    if not pairs:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return queryset.filter(search_vector=postgres_query(pairs))
    return queryset.filter(contains_all("search_text", pairs))


def by_relevance(queryset, query, *then):
    """``queryset`` best match first (a match in a measure's names before one elsewhere),
    then in the order ``then``. The names are a short document stored in the row; ranking by
    the full-text vector instead (``ts_rank``) reads every match's vector, kept out of the row
    (TOAST) for its size: 480-500 ms against 400-510 ms this way for a word in 100,000 measures
    when PostgreSQL scans the table, 150 ms when it uses the index."""
    pairs = query_tokens(query)
    if not pairs:
        return queryset.order_by(*then)
    rank = Case(
        When(in_names(pairs), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return queryset.annotate(search_rank=rank).order_by("-search_rank", *then)
