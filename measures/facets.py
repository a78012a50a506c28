"""Facets and active filters: what the list page shows about its filters.

Facets are the options of each filter with how many measures each would show.

Each facet's counts reflect every other active filter but its own (as Datasette's facets do),
so a reader sees what choosing an option would give. A fixed number of queries per page.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BigIntegerField, Case, CharField, Count, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, ExtractYear
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import get_language

from .filters import AMOUNT_BANDS, RECORD_FILTERS, MeasureFilter
from .models import (
    LINK_MODELS,
    LINKED_RECORD_MODELS,
    Measure,
    MeasureKind,
    MeasureStatus,
    Theme,
    in_language,
)
from .money import format_amount

FACETS = [*RECORD_FILTERS, "theme", "kind", "status", "start_year", "amount"]
# Record and theme facets list this many options (the most frequent), so a list of thousands
# of bodies stays usable; the record-type index pages list them all.
OPTION_LIMIT = 15
LIMITED_FACETS_IN_ORDER = [*RECORD_FILTERS, "theme"]
LIMITED_FACETS = set(LIMITED_FACETS_IN_ORDER)
COLUMN_FACETS = ["kind", "status", "start_year", "amount"]
SINGLE_VALUE_FACETS = {"start_year", "amount"}


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""


@dataclass
class Facet:
    parameter: str
    label: str
    options: list[FacetOption] = field(default_factory=list)
    # Where to see every option when only the most frequent are listed.
    all_options_url: str = ""


@dataclass
class FacetBase:
    """A set of measures, and what is counted over it (see ``facet_counts``)."""

    measures: QuerySet
    linked: list = field(default_factory=list)  # record and theme facets
    columns: list = field(default_factory=list)  # column facets
    sized: bool = False  # count the measures themselves too


def facet_rows_for(filterset):
    """``({facet: rows}, number of matching measures)``: every facet, each over the measures
    matching all other filters, and the length of the list.

    Facets whose own parameter is not in use share one base set: every filter. When the
    filters narrow it to a few measures, already read (``few_matching()``), their ids stand
    for it and the column facets sharing it are counted from what was read; otherwise one
    pass over it counts those and the list itself. At most three queries, whatever the filters
    and the size of the data: the matching measures (none without a filter), every count, and
    the names shown.
    """
    active = filterset.active_parameters()
    matching = filterset.few_matching()
    if matching is None:
        shared = filterset.filtered(leave_out={"sort"}).order_by()
    else:
        shared = Measure.objects.filter(pk__in=filterset.few_matching_ids())
    bases = [
        FacetBase(filterset.without(facet), linked=[facet])
        for facet in LIMITED_FACETS_IN_ORDER
        if facet in active
    ]
    bases += [
        FacetBase(filterset.without(facet), columns=[facet])
        for facet in COLUMN_FACETS
        if facet in active
    ]
    sharing_columns = [facet for facet in COLUMN_FACETS if facet not in active]
    bases.append(
        FacetBase(
            shared,
            linked=[facet for facet in LIMITED_FACETS_IN_ORDER if facet not in active],
            columns=sharing_columns if matching is None else [],
            sized=matching is None,
        )
    )
    linked_counts, column_counts, sizes = facet_counts(bases)
    if matching is None:
        total = sizes[-1]
    else:
        total = len(matching)
        for _pk, kind, status, starts_on, amount_hkd in matching:
            year = starts_on.year if starts_on else None
            band = next(band.value for band in AMOUNT_BANDS if band.contains(amount_hkd))
            add_column_counts(column_counts, sharing_columns, kind, status, year, band, 1)
    selected_ids = {
        facet: {record.pk for record in filterset.valid_data()[facet]}
        for facet in LIMITED_FACETS_IN_ORDER
        if facet in active
    }
    rows = linked_facet_rows(linked_counts, selected_ids)
    rows.update({facet: column_options(facet, column_counts[facet]) for facet in COLUMN_FACETS})
    return rows, total


def facet_counts(bases):
    """Every count over ``bases`` (``[FacetBase]``), in one statement: ``(linked, columns,
    sizes)``, where ``linked`` is ``{facet: [(record id, measures)]}``, ``columns`` is
    ``{facet: {value: measures}}`` and ``sizes`` the number of measures in each base that
    is ``sized`` (0 for the others).

    Each base is a WITH query, so one shared by several facets is evaluated once (PostgreSQL
    materialises a WITH query used more than once), and a record facet's branch is a few lines
    instead of the filters' SQL again. The ORM has no WITH, hence the SQL here; the bases and
    the column passes are compiled by the ORM.
    """
    connection = connections[Measure.objects.db]
    quote = connection.ops.quote_name
    withs, with_params = [], []
    # The column passes come first: their typed columns give the types of the UNION's columns,
    # which the NULLs of the record branches then take (PostgreSQL resolves them pairwise).
    column_branches, column_params, linked_branches, linked_params = [], [], [], []
    for number, base in enumerate(bases):
        name = f"base_{number}"
        withs.append(f"{name} (id) AS ({base_sql(base.measures, connection, with_params)})")
        if base.columns or base.sized:
            sql, params = column_pass_sql(name, number, connection.alias)
            column_branches.append(sql)
            column_params.extend(params)
        for facet in base.linked:
            link_model, target = link_table(facet)
            table = quote(link_model._meta.db_table)
            measure = quote(link_model._meta.get_field("measure").column)
            record = quote(link_model._meta.get_field(target).column)
            # A record may play two roles in one measure: count the measure once.
            counted = measure if facet == "theme" else f"DISTINCT {measure}"
            linked_branches.append(
                f"SELECT %s, {record}, NULL, NULL, NULL, NULL, COUNT({counted}) FROM {table} "
                f"WHERE {measure} IN (SELECT id FROM {name}) GROUP BY {record}"
            )
            linked_params.append(facet)
    linked, columns = defaultdict(list), defaultdict(lambda: defaultdict(int))
    sizes = [0] * len(bases)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(withs)} {' UNION ALL '.join([*column_branches, *linked_branches])}",
            [*with_params, *column_params, *linked_params],
        )
        for tag, record_id, kind, status, start_year, amount, n in cursor.fetchall():
            if tag in LIMITED_FACETS:
                linked[tag].append((record_id, n))
                continue
            base = int(tag)
            sizes[base] += n
            year = None if start_year is None else int(start_year)
            add_column_counts(columns, bases[base].columns, kind, status, year, amount, n)
    return linked, columns, sizes


@functools.lru_cache(maxsize=64)
def column_pass_sql(base, tag, database):
    """The SQL grouping the measures of the WITH query ``base`` by the column facets' values
    (kind, status, start year, amount band), its rows tagged ``tag``. The same for every page:
    compiled once per process."""
    bands = Case(
        *(When(band.condition(), then=Value(band.value)) for band in AMOUNT_BANDS),
        output_field=CharField(),
    )
    grouped = (
        Measure.objects.filter(pk__in=RawSQL(f"SELECT id FROM {base}", ()))
        .order_by()
        .annotate(
            tag=Value(str(tag)),
            record=Cast(Value(None), BigIntegerField()),  # typed: see facet_counts
            start_year=ExtractYear("starts_on"),
            amount=bands,
        )
        .values_list("tag", "record", "kind", "status", "start_year", "amount")
        .annotate(n=Count("pk"))
    )
    sql, params = grouped.query.get_compiler(using=database).as_sql()
    return sql, tuple(params)


def add_column_counts(counts, facets, kind, status, start_year, amount, n):
    values = {"kind": kind, "status": status, "start_year": start_year, "amount": amount}
    for facet in facets:
        if values[facet] is not None:
            counts[facet][str(values[facet])] += n


def base_sql(measures, connection, params):
    """The SQL selecting the ids of ``measures`` (its parameters appended to ``params``)."""
    try:
        sql, base_params = (
            measures.order_by().values("pk").query.get_compiler(connection=connection).as_sql()
        )
    except EmptyResultSet:  # a filter that can match nothing, such as an empty list of ids
        quote = connection.ops.quote_name
        pk, table = quote(Measure._meta.pk.column), quote(Measure._meta.db_table)
        return f"SELECT {pk} FROM {table} WHERE 1 = 0"
    params.extend(base_params)
    return sql


def linked_facet_rows(counts, selected_ids):
    """``{facet: [(value, count, name_zh, name_en)]}`` for record and theme facets, from
    their ``counts`` (see ``facet_counts``): the ``OPTION_LIMIT`` most frequent options of
    each, after its ``selected_ids`` (``{facet: ids}``)."""
    shown = {}
    for facet in LIMITED_FACETS_IN_ORDER:
        selected = selected_ids.get(facet, set())
        by_selection_then_count = sorted(
            counts[facet], key=lambda row: (row[0] not in selected, -row[1], row[0])
        )
        shown[facet] = by_selection_then_count[: OPTION_LIMIT + len(selected)]
    names = record_names({facet: [pk for pk, _n in rows] for facet, rows in shown.items()})
    return {
        facet: [(names[facet, pk][0], n, *names[facet, pk][1:]) for pk, n in rows]
        for facet, rows in shown.items()
    }


def record_names(ids):
    """``{(facet, id): (slug, name_zh, name_en)}`` for the records ``ids`` (``{facet: ids}``),
    in one UNION ALL query (always one, even for no ids, so a page makes the same number of
    queries whatever its results). Written out: compiling it with the ORM cost more than
    running it."""
    connection = connections[Measure.objects.db]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in ("id", "slug", "name_zh", "name_en"))
    branches, params = [], []
    for facet, record_ids in ids.items():
        record_ids = record_ids or [0]  # id 0 never exists
        table = quote(facet_model(facet)._meta.db_table)
        placeholders = ", ".join(["%s"] * len(record_ids))
        branches.append(
            f"SELECT %s, {columns} FROM {table} WHERE {quote('id')} IN ({placeholders})"
        )
        params += [facet, *record_ids]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        return {(facet, pk): names for facet, pk, *names in cursor.fetchall()}


def link_table(facet):
    """The link model of a record or theme facet and the name of its field for the record."""
    if facet == "theme":
        return Measure.themes.through, "theme"
    return LINK_MODELS[facet], "record"


def facet_model(facet):
    return Theme if facet == "theme" else LINKED_RECORD_MODELS[facet]


def column_options(facet, counts):
    if facet == "amount":
        return [(band.value, counts[band.value], band.label, band.label) for band in AMOUNT_BANDS]
    if facet == "start_year":
        return [(year, counts[year], year, year) for year in sorted(counts)]
    # In the order of the choices, whatever order the counts came in.
    choices = (MeasureKind if facet == "kind" else MeasureStatus).choices
    return [(value, counts[value], label, label) for value, label in choices if value in counts]


def facet_label(facet):
    if facet in LINKED_RECORD_MODELS:
        return LINKED_RECORD_MODELS[facet]._meta.verbose_name
    return MeasureFilter.base_filters[facet].label


def all_options_url(parameter):
    if parameter == "theme":
        return reverse("measures:theme-list")
    return LINKED_RECORD_MODELS[parameter].get_list_url()


def toggled(query, parameter, value):
    """The query string with ``value`` of ``parameter`` switched on or off (page reset).

    ``query`` is ``{parameter: [values]}`` in the order of the request (see ``facets``):
    a page has a hundred or so options, so this avoids copying a QueryDict for each.
    """
    values = query.get(parameter, [])
    if value in values:
        values = [other for other in values if other != value]
    elif parameter in SINGLE_VALUE_FACETS:
        values = [value]
    else:
        values = [*values, value]
    pairs = [(key, each) for key, chosen in {**query, parameter: values}.items() for each in chosen]
    return f"?{urlencode(pairs)}"


def facets(filterset):
    """Every facet with its options, counts and toggle links, for the list page; and the
    number of measures in the list (see ``facet_rows_for``)."""
    query = filterset.data if isinstance(filterset.data, QueryDict) else QueryDict(mutable=True)
    result = []
    selections = {parameter: sorted(set(query.getlist(parameter))) for parameter in FACETS}
    without_page = {key: values for key, values in query.lists() if key != "page"}
    all_rows, matching = facet_rows_for(filterset)
    for parameter in FACETS:
        selected = set(selections[parameter])
        options = []
        rows = all_rows[parameter]
        for value, count, name_zh, name_en in rows:
            if not count and value not in selected:
                continue
            label = in_language(name_zh, name_en)
            options.append(
                FacetOption(
                    value=value,
                    label=str(label),
                    count=count,
                    selected=value in selected,
                    url=toggled(without_page, parameter, value),
                )
            )
        facet = Facet(parameter, facet_label(parameter), options)
        if parameter in LIMITED_FACETS and len(rows) >= OPTION_LIMIT + len(selected):
            facet.all_options_url = all_options_url(parameter)
        result.append(facet)
    return result, matching


def active_filters(filterset, query):
    """Each active filter value with a label and a link that removes just that value."""
    form = filterset.form
    result = []
    for parameter in query:
        if parameter not in filterset.filters:
            continue
        for value in query.getlist(parameter):
            if value == "":
                continue
            remaining = query.copy()
            remaining.setlist(parameter, [v for v in query.getlist(parameter) if v != value])
            label = display_value(filterset, parameter, value)
            result.append(
                {
                    "parameter": form.fields[parameter].label,
                    "value": label,
                    "invalid": parameter in form.errors,
                    "remove_url": "?" + remaining.urlencode(),
                }
            )
    return result


def display_value(filterset, parameter, value):
    """A reader's label for one value of a filter parameter."""
    form = filterset.form
    cleaned = None if parameter in form.errors else form.cleaned_data.get(parameter)
    if parameter in LINK_MODELS or parameter == "theme":
        for record in cleaned or []:
            if record.slug == value:
                return record.name
        return value
    choices = getattr(form.fields[parameter], "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if parameter in ("amount_min", "amount_max") and cleaned is not None:
        return format_amount(cleaned, get_language())
    return value
