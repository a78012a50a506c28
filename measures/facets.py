"""Facets and active filters: what the list page shows about its filters.

Facets are the options of each filter with how many measures each would show.

Each facet's counts reflect every other active filter but its own (as Datasette's facets do),
so a reader sees what choosing an option would give. A fixed number of queries per page.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Max, Value, When
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
# Up to this many measures, a base set shared by several facets is passed to them as ids.
SHARED_IDS_LIMIT = 1000
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


def linked_facet_rows(facet, measures, selected=()):
    """``[(value, count, name_zh, name_en)]`` for a record or theme facet over ``measures``:
    the ``OPTION_LIMIT`` most frequent options, after any ``selected`` ones.

    Counts are grouped by id (cheap integer grouping); names are fetched for the few shown.
    """
    links, target, model = link_table(facet)
    selected_ids = model.objects.filter(slug__in=selected).values("pk")
    counts = list(
        links.filter(measure__in=measures.values("pk"))
        .values(f"{target}_id")
        .annotate(
            n=Count("measure", distinct=facet != "theme"),
            is_selected=Max(Case(When(**{f"{target}_id__in": selected_ids}, then=1), default=0)),
        )
        .order_by("-is_selected", "-n", f"{target}_id")
        .values_list(f"{target}_id", "n")[: OPTION_LIMIT + len(selected)]
    )
    # Always one query, even for no rows (id 0 never exists), so a page makes the same number
    # of queries whatever its results.
    ids = [record_id for record_id, _n in counts] or [0]
    records = {record.pk: record for record in model.objects.filter(pk__in=ids)}
    return [
        (records[record_id].slug, n, records[record_id].name_zh, records[record_id].name_en)
        for record_id, n in counts
    ]


def shared_linked_facet_rows(facets, measures):
    """``{facet: rows}`` like ``linked_facet_rows`` for record and theme facets that share one
    base set and have no option selected: two UNION ALL queries in all (counts by id, then
    the names of the options shown) instead of two queries a facet."""
    count_branches, name_branches = [], []
    for facet in facets:
        links, target, model = link_table(facet)
        count_branches.append(
            links.filter(measure__in=measures.values("pk"))
            .order_by()
            .values(f"{target}_id")
            .annotate(facet=Value(facet), n=Count("measure", distinct=facet != "theme"))
            .values_list("facet", f"{target}_id", "n")
        )
    counts = defaultdict(list)
    for facet, record_id, n in count_branches[0].union(*count_branches[1:], all=True):
        counts[facet].append((record_id, n))
    shown = {}
    for facet in facets:
        shown[facet] = sorted(counts[facet], key=lambda row: (-row[1], row[0]))[:OPTION_LIMIT]
        _links, _target, model = link_table(facet)
        ids = [record_id for record_id, _n in shown[facet]] or [0]
        name_branches.append(
            model.objects.filter(pk__in=ids)
            .order_by()
            .annotate(facet=Value(facet))
            .values_list("facet", "pk", "slug", "name_zh", "name_en")
        )
    names = {
        (facet, pk): (slug, name_zh, name_en)
        for facet, pk, slug, name_zh, name_en in name_branches[0].union(
            *name_branches[1:], all=True
        )
    }
    return {
        facet: [(names[facet, pk][0], n, *names[facet, pk][1:]) for pk, n in shown[facet]]
        for facet in facets
    }


def link_table(facet):
    """The link rows of a record or theme facet: ``(manager, target field name, model)``."""
    if facet == "theme":
        return Measure.themes.through.objects, "theme", Theme
    return LINK_MODELS[facet].objects, "record", LINKED_RECORD_MODELS[facet]


def column_facet_rows(facets, measures):
    """``{facet: [(value, count, label, label)]}`` for facets on the measure's own columns
    (kind, status, start year, amount band), all counted in one pass over ``measures``."""
    bands = Case(
        *(When(band.condition(), then=Value(band.value)) for band in AMOUNT_BANDS),
        output_field=CharField(),
    )
    grouped = (
        measures.order_by()
        .annotate(start_year=ExtractYear("starts_on"), amount=bands)
        .values_list("kind", "status", "start_year", "amount")
        .annotate(n=Count("pk"))
    )
    totals = {facet: defaultdict(int) for facet in facets}
    for kind, status, start_year, amount, n in grouped:
        values = {"kind": kind, "status": status, "start_year": start_year, "amount": amount}
        for facet in facets:
            if values[facet] is not None:
                totals[facet][str(values[facet])] += n
    return {facet: column_options(facet, totals[facet]) for facet in facets}


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


def facet_rows_for(filterset, selections):
    """``{facet: rows}`` for every facet, each over the measures matching all other filters.

    Facets whose own parameter is not in use share one base set: every filter. When filters
    are in use, that set is fetched once as ids (if it is small enough to pass around), so the
    facets sharing it do not each evaluate the filters again; the column facets among them are
    counted together in one query.
    """
    active = active_parameters(filterset)
    shared = filterset.filtered(leave_out={"sort"}).order_by()
    if active:
        ids = list(shared.values_list("pk", flat=True)[: SHARED_IDS_LIMIT + 1])
        if len(ids) <= SHARED_IDS_LIMIT:
            shared = Measure.objects.filter(pk__in=ids or [0])
    rows = {}
    shared_columns = [facet for facet in COLUMN_FACETS if facet not in active]
    if shared_columns:
        rows.update(column_facet_rows(shared_columns, shared))
    for facet in COLUMN_FACETS:
        if facet in active:
            rows.update(column_facet_rows([facet], filterset.without(facet)))
    inactive_linked = [facet for facet in LIMITED_FACETS_IN_ORDER if facet not in active]
    if inactive_linked:
        rows.update(shared_linked_facet_rows(inactive_linked, shared))
    for facet in LIMITED_FACETS_IN_ORDER:
        if facet in active:
            rows[facet] = linked_facet_rows(facet, filterset.without(facet), selections[facet])
    return rows


def active_parameters(filterset):
    """The filter parameters given a usable value in the request."""
    data, errors = filterset.data, filterset.form.errors
    return {
        name
        for name in data
        if name in filterset.filters and name not in errors and data.get(name) not in (None, "")
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
    """The query string with ``value`` of ``parameter`` switched on or off (page reset)."""
    query = query.copy()
    query.pop("page", None)
    values = query.getlist(parameter)
    if value in values:
        values.remove(value)
    elif parameter in SINGLE_VALUE_FACETS:
        values = [value]
    else:
        values.append(value)
    query.setlist(parameter, values)
    return "?" + query.urlencode() if query else "?"


def facets(filterset):
    """Every facet with its options, counts and toggle links, for the list page."""
    query = filterset.data if isinstance(filterset.data, QueryDict) else QueryDict(mutable=True)
    result = []
    selections = {parameter: sorted(set(query.getlist(parameter))) for parameter in FACETS}
    all_rows = facet_rows_for(filterset, selections)
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
                    url=toggled(query, parameter, value),
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
