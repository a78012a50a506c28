"""Facets and active filters: what the list page shows about its filters.

Facets are the options of each filter with how many measures each would show.

Each facet's counts reflect every other active filter but its own (as Datasette's facets do),
so a reader sees what choosing an option would give. A fixed number of queries per page.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, CharField, Count, Value, When
from django.db.models.functions import ExtractYear
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


def linked_facet_rows(bases, selected_ids):
    """``{facet: [(value, count, name_zh, name_en)]}`` for record and theme facets: the
    ``OPTION_LIMIT`` most frequent options of each, after its ``selected_ids``
    (``{facet: ids}``). ``bases`` is ``[(facets, measures)]``: the facets of one entry are
    counted over its measures.

    Two queries in all, whatever the number of facets: the counts (``linked_facet_counts``),
    then the names of the options shown.
    """
    counts = linked_facet_counts(bases)
    shown = {}
    for facets, _measures in bases:
        for facet in facets:
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
    queries whatever its results)."""
    branches = [
        facet_model(facet)
        .objects.filter(pk__in=record_ids or [0])  # id 0 never exists
        .order_by()
        .annotate(facet=Value(facet))
        .values_list("facet", "pk", "slug", "name_zh", "name_en")
        for facet, record_ids in ids.items()
    ]
    return {
        (facet, pk): (slug, name_zh, name_en)
        for facet, pk, slug, name_zh, name_en in branches[0].union(*branches[1:], all=True)
    }


def linked_facet_counts(bases):
    """``{facet: [(record id, number of measures)]}`` for record and theme facets, in one query.

    Each base set of measures is a WITH query, so one shared by several facets is evaluated
    once (PostgreSQL materialises a WITH query used more than once), and the per-facet
    branches compile to a few lines each instead of repeating the filters' SQL. The ORM has
    no WITH, hence the SQL here; the base sets themselves are compiled by the ORM.
    """
    connection = connections[Measure.objects.db]
    quote = connection.ops.quote_name
    withs, branches, params, branch_params = [], [], [], []
    for number, (facets, measures) in enumerate(bases):
        base = f"base_{number}"
        withs.append(f"{base} (id) AS ({base_sql(measures, connection, params)})")
        for facet in facets:
            link_model, target = link_table(facet)
            table = quote(link_model._meta.db_table)
            measure = quote(link_model._meta.get_field("measure").column)
            record = quote(link_model._meta.get_field(target).column)
            # A record may play two roles in one measure: count the measure once.
            counted = measure if facet == "theme" else f"DISTINCT {measure}"
            branches.append(
                f"SELECT %s, {record}, COUNT({counted}) FROM {table} "
                f"WHERE {measure} IN (SELECT id FROM {base}) GROUP BY {record}"
            )
            branch_params.append(facet)
    sql = f"WITH {', '.join(withs)} {' UNION ALL '.join(branches)}"
    counts = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *branch_params])
        for facet, record_id, n in cursor.fetchall():
            counts[facet].append((record_id, n))
    return counts


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


def link_table(facet):
    """The link model of a record or theme facet and the name of its field for the record."""
    if facet == "theme":
        return Measure.themes.through, "theme"
    return LINK_MODELS[facet], "record"


def facet_model(facet):
    return Theme if facet == "theme" else LINKED_RECORD_MODELS[facet]


def column_facet_rows(bases, read=None):
    """``{facet: [(value, count, label, label)]}`` for facets on the measure's own columns
    (kind, status, start year, amount band).

    ``bases`` is ``[(facets, measures)]``: the facets of one entry are counted together, in
    one pass over its measures; every pass is a branch of one UNION ALL query. ``read`` is
    ``(facets, rows)`` for facets counted here over measures already read as
    ``MATCHING_COLUMNS`` rows (no query).
    """
    totals = defaultdict(lambda: defaultdict(int))
    if bases:
        bands = Case(
            *(When(band.condition(), then=Value(band.value)) for band in AMOUNT_BANDS),
            output_field=CharField(),
        )
        branches = [
            measures.order_by()
            .annotate(base=Value(number), start_year=ExtractYear("starts_on"), amount=bands)
            .values_list("base", "kind", "status", "start_year", "amount")
            .annotate(n=Count("pk"))
            for number, (_facets, measures) in enumerate(bases)
        ]
        for base, kind, status, year, amount, n in branches[0].union(*branches[1:], all=True):
            add_column_counts(totals, bases[base][0], kind, status, year, amount, n)
    if read:
        facets, rows = read
        for _pk, kind, status, starts_on, amount_hkd in rows:
            year = starts_on.year if starts_on else None
            band = next(band.value for band in AMOUNT_BANDS if band.contains(amount_hkd))
            add_column_counts(totals, facets, kind, status, year, band, 1)
    counted = [
        facet for facets, _measures in [*bases, *([read] if read else [])] for facet in facets
    ]
    return {facet: column_options(facet, totals[facet]) for facet in counted}


def add_column_counts(totals, facets, kind, status, start_year, amount, n):
    values = {"kind": kind, "status": status, "start_year": start_year, "amount": amount}
    for facet in facets:
        if values[facet] is not None:
            totals[facet][str(values[facet])] += n


def column_options(facet, counts):
    if facet == "amount":
        return [(band.value, counts[band.value], band.label, band.label) for band in AMOUNT_BANDS]
    if facet == "start_year":
        return [(year, counts[year], year, year) for year in sorted(counts)]
    labels = dict((MeasureKind if facet == "kind" else MeasureStatus).choices)
    return [
        (value, n, labels.get(value, value), labels.get(value, value))
        for value, n in counts.items()
    ]


def facet_rows_for(filterset):
    """``{facet: rows}`` for every facet, each over the measures matching all other filters.

    Facets whose own parameter is not in use share one base set: every filter. When the
    filters narrow it to a few measures, already read (``few_matching()``), their ids stand
    for it, so the facets sharing it do not each evaluate the filters again, and the column
    facets sharing it are counted from what was read. Three queries at most: the record and
    theme counts, their names, and the column counts.
    """
    active = filterset.active_parameters()
    matching = filterset.few_matching()
    if matching is None:
        shared = filterset.filtered(leave_out={"sort"}).order_by()
    else:
        shared = Measure.objects.filter(pk__in=[row[0] for row in matching] or [0])
    linked_bases = [
        ([facet], filterset.without(facet)) for facet in LIMITED_FACETS_IN_ORDER if facet in active
    ]
    linked_sharing = [facet for facet in LIMITED_FACETS_IN_ORDER if facet not in active]
    if linked_sharing:
        linked_bases.append((linked_sharing, shared))
    selected_ids = {
        facet: {record.pk for record in filterset.valid_data()[facet]}
        for facet in LIMITED_FACETS_IN_ORDER
        if facet in active
    }
    column_bases = [
        ([facet], filterset.without(facet)) for facet in COLUMN_FACETS if facet in active
    ]
    sharing = [facet for facet in COLUMN_FACETS if facet not in active]
    read = None
    if sharing and matching is not None:
        read = (sharing, matching)
    elif sharing:
        column_bases.append((sharing, shared))
    return {
        **linked_facet_rows(linked_bases, selected_ids),
        **column_facet_rows(column_bases, read),
    }


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
    """Every facet with its options, counts and toggle links, for the list page."""
    query = filterset.data if isinstance(filterset.data, QueryDict) else QueryDict(mutable=True)
    result = []
    selections = {parameter: sorted(set(query.getlist(parameter))) for parameter in FACETS}
    without_page = {key: values for key, values in query.lists() if key != "page"}
    all_rows = facet_rows_for(filterset)
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
    return result


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
