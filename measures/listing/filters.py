"""The one FilterSet behind every listing of measures: the HTML list, the JSON API and the CSV.

Query parameters (all optional, all repeatable where a list makes sense):

- ``q``: text in either language, in a measure or in the records it links to
- ``committee``, ``institute``, ``funding_scheme``, ``bureau``, ``training_course``: record slugs;
  several of one type match any of them, different types must all match
- ``kind``, ``status``, ``theme``: choice values / theme slugs
- ``budget``: the Budget that announced a measure (``2026-27``, ``2025-26``, ``2024-25``)
- ``source``: source slugs: the measures citing any of them
- ``start_year``: the year a measure starts
- ``amount_min``, ``amount_max``: HKD as people write it (``5,000萬``, ``HK$100 million``, ``3bn``)
- ``amount``: a preset band (see ``AMOUNT_BANDS``), or ``none`` for "no amount stated"
- ``sort``: ``amount``, ``-amount``, ``name``, ``-name``, ``start``, ``-start``; without it, by
  relevance when searching, otherwise by start
"""

import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .. import search
from ..models import (
    RECORD_MODELS,
    Budget,
    Citation,
    Measure,
    MeasureKind,
    MeasureLink,
    MeasureStatus,
    Source,
    Theme,
    is_english,
    renamed_objects,
)
from ..money import AmountField

MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 8
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
RECORD_FILTERS = list(RECORD_MODELS)  # committee, institute, funding_scheme, ...
# Filters naming objects by a slug an editor may change.
RENAMABLE_FILTERS = [*RECORD_FILTERS, "theme", "source"]


def without_empty_values(query):
    """A copy of the QueryDict ``query`` without its empty values, blank ones included (and so
    without a parameter given only empty), in the same order."""
    kept = QueryDict(mutable=True)
    for parameter, values in query.lists():
        values = [value for value in values if value.strip()]
        if values:
            kept.setlist(parameter, values)
    return kept


class EmptyMeansAny:
    """A FilterSet for which a parameter given empty or blank (``?kind=``, as a filter form's
    untouched menu sends it) filters nothing, as it already does for a single-valued filter:
    without this, a repeatable filter refuses the empty value as an unknown choice."""

    def __init__(self, data=None, *args, **kwargs):
        if isinstance(data, QueryDict):
            data = without_empty_values(data)
        super().__init__(data, *args, **kwargs)


class OneFormClass:
    """A FilterSet whose form class is made once, by its first instance, and then shared:
    django-filter makes it anew for every instance (a form field for each filter, then the
    class), which took 0.5-1.4 ms of each list page, API answer and export. Sharing it is
    safe: each form works on copies of the class's fields (Django's forms deep-copy
    ``base_fields``), and no filter here builds its field from the request."""

    def get_form_class(self):
        filterset_class = type(self)
        if "_form_class" not in filterset_class.__dict__:
            filterset_class._form_class = super().get_form_class()
        return filterset_class._form_class


@dataclass(frozen=True)
class AmountBand:
    value: str
    label: str
    minimum: int | None  # inclusive
    below: int | None  # exclusive

    def condition(self):
        if self.value == "none":
            return Q(amount_hkd__isnull=True)
        condition = Q(amount_hkd__isnull=False)
        if self.minimum is not None:
            condition &= Q(amount_hkd__gte=self.minimum)
        if self.below is not None:
            condition &= Q(amount_hkd__lt=self.below)
        return condition


AMOUNT_BANDS = [
    AmountBand("under-100m", _("Under HK$100 million"), None, 100_000_000),
    AmountBand("100m-1b", _("HK$100 million to 1 billion"), 100_000_000, 1_000_000_000),
    AmountBand("1b-plus", _("HK$1 billion and over"), 1_000_000_000, None),
    AmountBand("none", _("No amount stated"), None, None),
]
AMOUNT_BANDS_BY_VALUE = {band.value: band for band in AMOUNT_BANDS}

SORT_LABELS = {
    "amount_hkd": _("Amount, smallest first"),
    "-amount": _("Amount, largest first"),
    "name": _("Name, A to Z"),
    "-name": _("Name, Z to A"),
    "starts_on": _("Start, earliest first"),
    "-start": _("Start, latest first"),
}


class SlugsField(forms.ModelMultipleChoiceField):
    """Record slugs; a value that cannot be a slug is refused before the database is asked
    (PostgreSQL rejects some characters, such as NUL, outright)."""

    def _check_values(self, value):
        for slug in value:
            if not isinstance(slug, str) or not SLUG.fullmatch(slug):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(slug)[:50]},
                )
        return super()._check_values(value)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class LinkedSlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Measures linked to any of the records named by slug (the parameter may repeat).

    Filters with a semi-join on the link table (``pk IN (SELECT measure_id ...)``) rather than
    a join, so no row is repeated and no DISTINCT over whole measures is needed. The records'
    ids are written into the query: PostgreSQL then knows from its statistics how many links a
    popular record has, and plans for it.
    """

    field_class = SlugsField

    def __init__(self, *args, links, link_field="record", **kwargs):
        self.links = links
        self.link_field = link_field
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        ids = [record.pk for record in value]
        linked = self.links.filter(**{f"{self.link_field}__in": ids})
        return queryset.filter(pk__in=linked.values("measure"))


def record_filter(record_type):
    model = RECORD_MODELS[record_type]
    return LinkedSlugsFilter(
        field_name="records__slug",
        links=MeasureLink.objects.all(),
        queryset=model.objects.all(),
        label=model._meta.verbose_name,
    )


@extend_schema_field(OpenApiTypes.STR)
class SortFilter(django_filters.OrderingFilter):
    """``sort``: by amount, name (in the page's language) or start; empty amounts and starts
    come last either way, and ties are broken by id in the same direction, so pages never
    overlap and each order can be read from an index (see migration 0009)."""

    def __init__(self, **kwargs):
        super().__init__(
            fields={"amount_hkd": "amount", "name": "name", "starts_on": "start"},
            field_labels=SORT_LABELS,
            **kwargs,
        )

    def filter(self, queryset, value):
        ordering = []
        # An empty item ("amount," or ",", a stray comma in a shared link) orders nothing.
        for parameter in [item for item in value or [] if item] or ["start"]:
            descending = parameter.startswith("-")
            field = self.param_map[parameter.lstrip("-")]
            if field == "name":  # never empty
                field = "name_en" if is_english() else "name_zh"
                ordering += [f"-{field}", "-pk"] if descending else [field, "pk"]
            elif descending:
                ordering += [F(field).desc(nulls_last=True), "-pk"]
            else:
                ordering += [F(field).asc(nulls_last=True), "pk"]
        return queryset.order_by(*ordering)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


@extend_schema_field(OpenApiTypes.STR)
class AmountFilter(django_filters.NumberFilter):
    """Compares with an amount typed the way people write money (see ``money.parse_amount``)."""

    field_class = AmountField


class FilterForm(forms.Form):
    """The form of a FilterSet: a value that is none of a filter's options (or of the orders of
    ``sort``, which is no filter) is refused in the site's words, the same for every such
    filter (Django's speak of "a valid choice"), and so is a filter that takes one value given
    several (Django's would read the last)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = (
                    _("“%(value)s” is not one of the orders this list can be sorted in.")
                    if name == "sort"
                    else _("“%(value)s” is not one of this filter’s options.")
                )

    def clean(self):
        cleaned_data = super().clean()
        for name, field in self.fields.items():
            given = len(self.data.getlist(name)) if hasattr(self.data, "getlist") else 0
            repeatable = isinstance(
                field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
            )
            if given > 1 and not repeatable:
                self.add_error(
                    name,
                    _("This filter takes one value, not %(count)d.") % {"count": given},
                )
        return cleaned_data


class MeasureFilterForm(FilterForm):
    def clean(self):
        cleaned_data = super().clean()
        query = cleaned_data.get("q") or ""
        if len(query.split()) > MAX_SEARCH_WORDS:
            self.add_error(
                "q", _("Search for at most %(count)d words.") % {"count": MAX_SEARCH_WORDS}
            )
        elif query and not search.query_tokens(query):
            self.add_error(
                "q",
                _(
                    "Search for Chinese characters or English words (letters a to z, digits): "
                    "this search has none."
                ),
            )
        minimum, maximum = cleaned_data.get("amount_min"), cleaned_data.get("amount_max")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add_error(
                "amount_max", _("The maximum is smaller than the minimum: swap them or widen.")
            )
        return cleaned_data


class MeasureFilter(OneFormClass, EmptyMeansAny, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=MAX_SEARCH_LENGTH,
        help_text=_("Words in Chinese or English, e.g. 水浸 or flood"),
    )
    committee = record_filter("committee")
    institute = record_filter("institute")
    funding_scheme = record_filter("funding_scheme")
    bureau = record_filter("bureau")
    training_course = record_filter("training_course")
    # distinct=False: these compare columns of the measure itself, so no row can repeat.
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=MeasureKind.choices, distinct=False
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=MeasureStatus.choices, distinct=False
    )
    source = LinkedSlugsFilter(
        label=_("Source"),
        field_name="citations__source__slug",
        links=Citation.objects.filter(measure__isnull=False),
        link_field="source",
        queryset=Source.objects.all(),
        help_text=_("Measures citing this source"),
    )
    budget = django_filters.MultipleChoiceFilter(
        label=_("Budget"), choices=Budget.choices, distinct=False
    )
    theme = LinkedSlugsFilter(
        label=_("Theme"),
        field_name="themes__slug",
        links=Measure.themes.through.objects.all(),
        link_field="theme",
        queryset=Theme.objects.all(),
    )
    start_year = YearFilter(
        label=_("Start year"),
        field_name="starts_on",
        lookup_expr="year",
        min_value=1900,
        max_value=2200,
        help_text=_("A year from 1900 to 2200"),
        error_messages=dict.fromkeys(
            ["invalid", "min_value", "max_value"],
            _("Enter a year from 1900 to 2200, such as 2026."),
        ),
    )
    amount_min = AmountFilter(
        label=_("Minimum amount"),
        field_name="amount_hkd",
        lookup_expr="gte",
        help_text=_("e.g. 5,000萬, 1.5億, HK$100 million, 3bn"),
    )
    amount_max = AmountFilter(label=_("Maximum amount"), field_name="amount_hkd", lookup_expr="lte")
    amount = django_filters.ChoiceFilter(
        label=_("Amount band"),
        choices=[(band.value, band.label) for band in AMOUNT_BANDS],
        method="filter_amount_band",
        empty_label=_("Any amount"),
    )
    sort = SortFilter(label=_("Sort by"), empty_label=_("Default order"))

    class Meta:
        model = Measure
        fields = []
        form = MeasureFilterForm

    def with_current_slugs(self):
        """The query with each record, theme or source slug that names none now but named one
        before an editor changed it (a link older than the change) put as that one's slug now,
        or None when there is no such slug."""
        if not self.is_bound:
            return None
        query, replaced = self.data.copy(), False
        for name in RENAMABLE_FILTERS:
            if name not in self.form.errors:
                continue
            objects = self.form.fields[name].queryset
            given = [slug for slug in query.getlist(name) if SLUG.fullmatch(slug)]
            current = set(objects.filter(slug__in=given).values_list("slug", flat=True))
            renamed = renamed_objects(objects, [slug for slug in given if slug not in current])
            values = [
                renamed[slug].slug if slug in renamed else slug for slug in query.getlist(name)
            ]
            replaced = replaced or bool(renamed)
            query.setlist(name, list(dict.fromkeys(values)))
        return query if replaced else None

    def valid_data(self):
        """The cleaned value of every parameter given without error."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "", [])
            # a choice of records left empty is ``queryset.none()``
            and not (isinstance(value, QuerySet) and value.query.is_empty())
        }

    def filtered(self, leave_out=()):
        """The measures matching every valid parameter but those in ``leave_out``, unsorted.
        Built once for each set of parameters actually left out (a list page's facets of
        filters not in use all ask for the measures matching every filter)."""
        built = self.__dict__.setdefault("_filtered", {})
        data = self.valid_data()
        key = frozenset(name for name in {*leave_out, "sort"} if name in data)
        if key not in built:
            queryset = self.queryset.all()
            for name, value in data.items():
                if name not in key:
                    queryset = self.filters[name].filter(queryset, value)
            built[key] = queryset.order_by()
        return built[key]

    @property
    def qs(self):
        """The measures matching every valid parameter, sorted.

        An invalid parameter (shown with its message in ``form.errors``) is left out instead of
        emptying the list; the JSON API answers 400 instead.
        """
        if not hasattr(self, "_qs"):
            self._qs = self.sorted(self.filtered())
        return self._qs

    def sorted(self, queryset):
        """``queryset`` in the order the request asks for: by relevance when searching without
        a ``sort``, else by ``sort`` (by start when it names none)."""
        data = self.valid_data()
        if data.get("q") and not data.get("sort"):
            name_field = "name_en" if is_english() else "name_zh"
            return search.by_relevance(queryset, data["q"], name_field, "pk")
        return self.filters["sort"].filter(queryset, data.get("sort"))

    def active_parameters(self):
        """The filter parameters given a usable value in the request (``sort`` included)."""
        data, errors = self.data or {}, self.form.errors
        return {
            name
            for name in data
            if name in self.filters and name not in errors and data.get(name) not in (None, "")
        }

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_amount_band(self, queryset, name, value):
        return queryset.filter(AMOUNT_BANDS_BY_VALUE[value].condition())

    def without(self, parameter):
        """The measures matching every current filter but ``parameter``, unsorted (for facets)."""
        return self.filtered(leave_out={parameter})
