"""Downloads: the filtered list as CSV or JSON, and the whole knowledge base.

Every file is streamed row by row (``StreamingHttpResponse``), so a large result never sits in
memory. CSV files start with a byte-order mark: without it, Excel on Windows reads UTF-8 as the
local code page and garbles the Chinese.
"""

import csv
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from rest_framework.utils import encoders

from ..api.serializers import MeasureSerializer
from ..caching import cached_by_revision
from ..listing.filters import MeasureFilter
from ..listing.views import current_slugs_redirect
from ..models import (
    RECORD_MODELS,
    AmountType,
    Budget,
    Citation,
    DataRevision,
    Development,
    DevelopmentFigure,
    Measure,
    MeasureCount,
    MeasureKind,
    MeasureLink,
    MeasureRelation,
    MeasureStatus,
    Record,
    Role,
    Source,
    SourceKind,
    Theme,
    in_record_type_order,
)

CHUNK_SIZE = 500
BYTE_ORDER_MARK = "\ufeff"
FILE_PREFIX = "budget2026-ai-measures"
LIST_SEPARATOR = "; "


class Echo:
    """A file-like object whose ``write`` hands back what it is given, for ``csv.writer``."""

    def write(self, value):
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """Text a spreadsheet will not run as a formula: a leading ' on text starting like one."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_lines(header, rows):
    writer = csv.writer(Echo())
    yield BYTE_ORDER_MARK
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([inert(value) for value in row])


def download_name(suffix):
    edited = timezone.localdate(DataRevision.current().changed_at)
    return f"{FILE_PREFIX}{suffix}-{edited:%Y%m%d}"


def csv_response(name, header, rows):
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{download_name(name)}.csv"'
    return response


def role_labels(language):
    with translation.override(language):
        return {role.value: str(role.label) for role in Role}


def cell(value):
    """A value as CSV text: dates in ISO format and Hong Kong time, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# One row per measure -----------------------------------------------------------------------------


# Measure fields holding a code, each followed in the CSV by its label in the page's language.
CODE_LABELS = {
    "kind": MeasureKind,
    "status": MeasureStatus,
    "status_at_announcement": MeasureStatus,
    "budget": Budget,
    "amount_type": AmountType,
}


class MeasureRows:
    """The measure CSV: both languages' columns, linked records joined as "name (role)"."""

    MEASURE_FIELDS = [*Measure.DESCRIPTION_FIELDS, *Measure.AMOUNT_FIELDS, *Measure.TIMING_FIELDS]
    MEASURE_COLUMNS = [
        column
        for name in MEASURE_FIELDS
        for column in ([name, f"{name}_label"] if name in CODE_LABELS else [name])
    ]
    JOINED_COLUMNS = [
        "themes_zh",
        "themes_en",
        *(
            f"{record_type}_{language}"
            for record_type in RECORD_MODELS
            for language in ("zh", "en")
        ),
    ]
    SOURCE_COLUMNS = [
        "source_article",
        "source_paragraph",
        "source_quote",
        "source_speech_paragraph",
        "source_urls",
    ]
    header = [*MEASURE_COLUMNS, *JOINED_COLUMNS, *SOURCE_COLUMNS, "url"]

    def __init__(self, request):
        self.request = request
        self.roles = {"zh": role_labels("zh-hant"), "en": role_labels("en")}
        self.labels = {
            name: {value: str(label) for value, label in choices.choices}
            for name, choices in CODE_LABELS.items()
        }

    def rows(self, measures):
        """Rows for ``measures``, fetched a chunk at a time: one query per relation per chunk
        (not per measure), so a 100,000-row export streams quickly in flat memory."""
        # Why values() and not model instances with prefetch_related: Django (4.1 and later)
        # prefetches per chunk with iterator(chunk_size=...), and that export wrote the same
        # bytes, but building ~7 model instances per row (measure, themes, links and records,
        # citations and articles) made it much slower. Full export of 100,000 measures on
        # PostgreSQL, one process (python -m bench.export): values() 7.1-7.8 s (12,800-14,100
        # rows/s), peak RSS 82 MB; instances with Prefetch(..., to_attr=...) 12.6-13.8 s
        # (7,300-7,900 rows/s), 97 MB; with plain prefetch_related (a related manager per row)
        # 21.2 s (4,700 rows/s), 99 MB. Memory stayed flat either way (71.8 MB before).
        detail = self.request.build_absolute_uri(reverse("measures:measure-detail", args=["-"]))
        url_prefix = detail[: -len("-/")]
        values = measures.prefetch_related(None).values("pk", *self.MEASURE_FIELDS)
        for chunk in chunks(values.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            related = self.related([measure["pk"] for measure in chunk])
            for measure in chunk:
                yield self.row(measure, related, url_prefix)

    def related(self, measure_ids):
        """``{column group: {measure id: [cell texts]}}`` for one chunk of measures."""
        grouped = defaultdict(lambda: defaultdict(list))
        themes = (
            Measure.themes.through.objects.filter(measure_id__in=measure_ids)
            .order_by("theme__name_en")
            .values_list("measure_id", "theme__name_zh", "theme__name_en")
        )
        for measure_id, name_zh, name_en in themes:
            grouped["themes_zh"][measure_id].append(name_zh)
            grouped["themes_en"][measure_id].append(name_en)
        links = (
            MeasureLink.objects.filter(measure_id__in=measure_ids)
            .order_by("record__name_en", "role")
            .values_list("measure_id", "record__type", "record__name_zh", "record__name_en", "role")
        )
        for measure_id, record_type, name_zh, name_en, role in links:
            grouped[f"{record_type}_zh"][measure_id].append(
                f"{name_zh}（{self.roles['zh'][role]}）"
            )
            grouped[f"{record_type}_en"][measure_id].append(f"{name_en} ({self.roles['en'][role]})")
        citations = (
            Citation.objects.filter(measure_id__in=measure_ids)
            .order_by("source__published_on", "source__slug", "paragraph")
            .values_list(
                "measure_id",
                "source__slug",
                "source__url",
                "source__full_text_held",
                "source__kind",
                "paragraph",
                "quote_zh",
            )
        )
        for measure_id, source, url, held, kind, paragraph, quote in citations:
            if url not in grouped["source_urls"][measure_id]:
                grouped["source_urls"][measure_id].append(url)
            if held:
                grouped["source_article"][measure_id].append(source)
                grouped["source_paragraph"][measure_id].append(cell(paragraph))
                grouped["source_quote"][measure_id].append(quote)
            elif kind == SourceKind.BUDGET_SPEECH and paragraph:
                grouped["source_speech_paragraph"][measure_id].append(cell(paragraph))
        return grouped

    def row(self, measure, related, url_prefix):
        return [
            *(
                self.labels[code].get(measure[code], "")
                if (code := column.removesuffix("_label")) != column
                else cell(measure[column])
                for column in self.MEASURE_COLUMNS
            ),
            *(
                LIST_SEPARATOR.join(related[name][measure["pk"]])
                for name in [*self.JOINED_COLUMNS, *self.SOURCE_COLUMNS]
            ),
            f"{url_prefix}{measure['slug']}/",
        ]


def chunks(iterable, size):
    """Lists of up to ``size`` items from ``iterable``, in order."""
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def filtered_measures(request):
    """The filterset of the request's query over ``for_display()`` measures."""
    return MeasureFilter(request.GET, queryset=Measure.objects.for_display())


def filter_errors_text(filterset):
    return "\n".join(f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items())


@cached_by_revision
def measure_csv(request):
    """The measures matching the list's filters, one row each; 400 naming any bad filter."""
    filterset = filtered_measures(request)
    if not filterset.is_valid():
        if renamed := current_slugs_redirect(request, filterset):
            return renamed
        return HttpResponse(
            filter_errors_text(filterset), status=400, content_type="text/plain; charset=utf-8"
        )
    rows = MeasureRows(request)
    return csv_response("", rows.header, rows.rows(filterset.qs))


def json_page_chunks(request, measures):
    """``{"count", "next", "previous", "results"}`` as the API has it, all in one page."""
    header = {"count": measures.count(), "next": None, "previous": None}
    yield json.dumps(header)[:-1] + ', "results": ['
    context = {"request": request}
    for position, measure in enumerate(measures.iterator(chunk_size=CHUNK_SIZE)):
        data = MeasureSerializer(measure, context=context).data
        text = json.dumps(data, ensure_ascii=False, cls=encoders.JSONEncoder)
        yield ("," if position else "") + "\n" + text
    yield "\n]}\n"


@cached_by_revision
def measure_json(request):
    """The measures matching the list's filters, as the API shows them but in one file."""
    filterset = filtered_measures(request)
    if not filterset.is_valid():
        if renamed := current_slugs_redirect(request, filterset):
            return renamed
        return JsonResponse(
            {name: list(messages) for name, messages in filterset.errors.items()},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    response = StreamingHttpResponse(
        json_page_chunks(request, filterset.qs), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{download_name("")}.json"'
    return response


# Records as rows ---------------------------------------------------------------------------------


def natural_reference(related):
    """How a CSV cell names another object: by its natural key; a record (always of the kind
    the column says) by its slug alone."""
    if related is None:
        return ""
    if isinstance(related, Record):
        return related.slug
    return "/".join(str(part) for part in related.natural_key())


def model_columns(model):
    """Every stored field but the database id, the edit counter, the search documents and the
    totals (derived from the rest); a kind of record's: the fields every record has, then its
    own."""
    if getattr(model, "TYPE", ""):
        names = [*Record.SHARED_FIELDS, "updated_at", *Record.TYPE_FIELDS[model.TYPE]]
        return [model._meta.get_field(name) for name in names]
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.name not in ("search_names", "search_text", "search_vector", "version")
        and field.name not in getattr(model, "TOTALS_FIELDS", ())
    ]


def model_rows(model, queryset, extra=()):
    """``(header, rows)`` for ``queryset``: one column per field, then ``extra`` columns.

    ``extra`` holds ``(name, function of the object)`` pairs.
    """
    columns = model_columns(model)
    header = [field.name for field in columns] + [name for name, _value in extra]

    def rows():
        for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
            values = [
                natural_reference(getattr(obj, field.name))
                if field.is_relation
                else cell(getattr(obj, field.attname))
                for field in columns
            ]
            yield values + [value(obj) for _name, value in extra]

    return header, rows()


def related_fields(model):
    """The relations to read with each row: its foreign keys and, for a development (named by
    its measure's slug and its own), the development's measure."""
    relations = [field for field in model_columns(model) if field.is_relation]
    return [field.name for field in relations] + [
        f"{field.name}__measure" for field in relations if field.related_model is Development
    ]


# The whole knowledge base ------------------------------------------------------------------------


def knowledge_base_models():
    """Every model of the knowledge base, each after the models it refers to."""
    app_config = apps.get_app_config("measures")
    models = [
        model
        for model in app_config.get_models()
        if model is not DataRevision
        and not model._meta.proxy
        and not model.__name__.startswith("Historical")
    ]
    return serializers.sort_dependencies([(app_config, models)])


def plain_many_to_many(model):
    """The many-to-many fields a fixture lists (those with a link model of their own do not)."""
    return [
        field.name
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]


def fixture_chunks():
    """The knowledge base as a ``loaddata`` fixture, keyed by natural keys, object by object."""
    yield "["
    first = True
    for model in knowledge_base_models():
        objects = (
            model._default_manager.select_related(*related_fields(model))
            .prefetch_related(*plain_many_to_many(model))
            .order_by("pk")
        )
        fields = [field.name for field in model_columns(model)] if model is Measure else None
        for obj in objects.iterator(chunk_size=CHUNK_SIZE):
            # A record is read as its kind's proxy; the fixture names the table's model.
            obj.__class__ = model
            (data,) = serializers.serialize(
                "python",
                [obj],
                fields=fields and [*fields, "themes"],
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
            text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            yield ("" if first else ",") + "\n" + text
            first = False
    yield "\n]\n"


@cached_by_revision
def full_json(request):
    response = StreamingHttpResponse(fixture_chunks(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{download_name("-full")}.json"'
    return response


# One CSV file per kind of record -----------------------------------------------------------------


def record_measures(record):
    links = record.measure_links.all()
    return LIST_SEPARATOR.join(f"{link.measure.slug} ({link.role})" for link in links)


def record_table(model):
    links = MeasureLink.objects.with_measures().order_by("measure__slug", "role")
    queryset = (
        model.objects.select_related(*related_fields(model))
        .prefetch_related(Prefetch("measure_links", links))
        .order_by("slug")
    )
    return model_rows(model, queryset, extra=[("measures", record_measures)])


def links_table():
    header = ["measure", "record_type", "record", "role", "note_zh", "note_en"]
    links = MeasureLink.objects.order_by(
        in_record_type_order("record__type"), "measure__slug", "record__slug", "role"
    ).values_list("measure__slug", "record__type", "record__slug", "role", "note_zh", "note_en")
    return header, (list(row) for row in links.iterator(chunk_size=CHUNK_SIZE))


def plain_table(model, order):
    queryset = model._default_manager.select_related(*related_fields(model)).order_by(*order)
    return model_rows(model, queryset)


def theme_table():
    queryset = Theme.objects.prefetch_related(
        Prefetch("measures", Measure.objects.order_by("slug").only("slug"))
    ).order_by("slug")
    return model_rows(
        Theme,
        queryset,
        extra=[
            (
                "measures",
                lambda theme: LIST_SEPARATOR.join(measure.slug for measure in theme.measures.all()),
            )
        ],
    )


@dataclass(frozen=True)
class Table:
    """One CSV file of the data page."""

    name: str  # the file name and URL segment
    label: str
    count: object  # () -> number of rows
    contents: object  # (request) -> (header, rows)


def measure_table(request):
    rows = MeasureRows(request)
    return rows.header, rows.rows(Measure.objects.for_display().order_by("slug"))


TABLES = {
    table.name: table
    for table in [
        Table("measures", _("Measures"), Measure.objects.count, measure_table),
        *(
            Table(
                model.url_segment,
                model._meta.verbose_name_plural,
                model.objects.count,
                lambda request, model=model: record_table(model),
            )
            for model in RECORD_MODELS.values()
        ),
        Table(
            "links",
            _("Links between measures and records, with roles"),
            MeasureLink.objects.count,
            lambda request: links_table(),
        ),
        Table(
            "themes",
            _("Themes"),
            Theme.objects.count,
            lambda request: theme_table(),
        ),
        Table(
            "citations",
            _("Citations: the sentences each measure was curated from"),
            Citation.objects.count,
            lambda request: plain_table(
                Citation,
                ["source__slug", "measure__slug", "development__measure__slug", "paragraph"],
            ),
        ),
        Table(
            "developments",
            _("Developments: what happened to each measure since, with dates"),
            Development.objects.count,
            lambda request: plain_table(Development, ["-happened_on", "measure__slug", "slug"]),
        ),
        Table(
            "development-figures",
            _("Figures stated in developments (never Government spending)"),
            DevelopmentFigure.objects.count,
            lambda request: plain_table(
                DevelopmentFigure, ["development__measure__slug", "development__slug", "pk"]
            ),
        ),
        Table(
            "relations",
            _("Relations between measures"),
            MeasureRelation.objects.count,
            lambda request: plain_table(
                MeasureRelation, ["from_measure__slug", "to_measure__slug", "kind"]
            ),
        ),
        Table(
            "counts",
            _("Numbers stated about measures"),
            MeasureCount.objects.count,
            lambda request: plain_table(MeasureCount, ["measure__slug", "unit_en"]),
        ),
        Table(
            "sources",
            _("Sources: articles, speeches, press releases"),
            Source.objects.count,
            lambda request: plain_table(Source, ["published_on", "slug"]),
        ),
    ]
}


@cached_by_revision
def table_csv(request, table):
    if table not in TABLES:
        raise Http404(f"No table {table!r}")
    header, rows = TABLES[table].contents(request)
    return csv_response(f"-{table}", header, rows)


@method_decorator(cached_by_revision, name="dispatch")
class DataView(TemplateView):
    """Every download on one page, with the date of the last edit."""

    template_name = "measures/data.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            revision=DataRevision.current(),
            tables=[
                {"name": table.name, "label": table.label, "count": table.count()}
                for table in TABLES.values()
            ],
            measure_count=Measure.objects.count(),
            full_json_name=f"{download_name('-full')}.json",
        )
