"""Facets: the options of each filter with how many measures each would show.

Each facet's counts reflect every other active filter but its own (as Datasette's facets do),
so a reader sees what choosing an option would give. A fixed number of queries per page.
"""

from dataclasses import dataclass, field

from django.db.models import Case, Count, Max, When
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.urls import reverse

from .filters import AMOUNT_BANDS, RECORD_FILTERS, MeasureFilter
from .models import (
    LINK_MODELS,
    LINKED_RECORD_MODELS,
    Measure,
    MeasureKind,
    MeasureStatus,
    is_english,
)

FACETS = [*RECORD_FILTERS, "theme", "kind", "status", "start_year", "amount"]
# Record and theme facets list this many options (the most frequent), so a list of thousands
# of bodies stays usable; the record-type index pages list them all.
OPTION_LIMIT = 15
LIMITED_FACETS = {*RECORD_FILTERS, "theme"}
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


def facet_rows(facet, measures, selected=()):
    """``[(value, count, name_zh, name_en)]`` for one facet over the ``measures`` queryset.

    Record and theme facets give their ``OPTION_LIMIT`` most frequent options, after any
    ``selected`` ones.
    """
    if facet in LIMITED_FACETS:
        if facet == "theme":
            links, target = Measure.themes.through.objects, "theme"
        else:
            links, target = LINK_MODELS[facet].objects, "record"
        return (
            links.filter(measure__in=measures.values("pk"))
            .values(f"{target}__slug", f"{target}__name_zh", f"{target}__name_en")
            .annotate(
                n=Count("measure", distinct=True),
                is_selected=Max(Case(When(**{f"{target}__slug__in": selected}, then=1), default=0)),
            )
            .order_by("-is_selected", "-n", f"{target}__name_en")
            .values_list(f"{target}__slug", "n", f"{target}__name_zh", f"{target}__name_en")[
                : OPTION_LIMIT + len(selected)
            ]
        )
    if facet in ("kind", "status"):
        labels = dict((MeasureKind if facet == "kind" else MeasureStatus).choices)
        rows = measures.order_by().values_list(facet).annotate(n=Count("pk"))
        return [(value, n, labels.get(value, value), labels.get(value, value)) for value, n in rows]
    if facet == "start_year":
        rows = (
            measures.filter(starts_on__isnull=False)
            .order_by()
            .annotate(year=ExtractYear("starts_on"))
            .values_list("year")
            .annotate(n=Count("pk"))
        )
        return [(str(year), n, str(year), str(year)) for year, n in sorted(rows)]
    if facet == "amount":
        totals = measures.aggregate(
            **{band.value: Count("pk", filter=band.condition()) for band in AMOUNT_BANDS}
        )
        return [(band.value, totals[band.value], band.label, band.label) for band in AMOUNT_BANDS]
    raise ValueError(f"Unknown facet {facet!r}")


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
    english = is_english()
    result = []
    for parameter in FACETS:
        selected = set(query.getlist(parameter))
        options = []
        rows = list(facet_rows(parameter, filterset.without(parameter), sorted(selected)))
        for value, count, name_zh, name_en in rows:
            if not count and value not in selected:
                continue
            label = (name_en or name_zh) if english else (name_zh or name_en)
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
