"""The one FilterSet behind every listing of measures: the HTML list, the JSON API and the CSV.

Query parameters (all optional, all repeatable where a list makes sense):

- ``q``: text in either language, in a measure or in the records it links to
- ``committee``, ``institute``, ``funding_scheme``, ``bureau``, ``training_course``: record slugs;
  several of one type match any of them, different types must all match
- ``kind``, ``status``, ``theme``: choice values / theme slugs
- ``start_year``: the year a measure starts
- ``amount_min``, ``amount_max``: HKD as people write it (``5,000萬``, ``HK$100 million``, ``3bn``)
- ``amount``: a preset band (see ``AMOUNT_BANDS``), or ``none`` for "no amount stated"
- ``sort``: ``amount``, ``-amount``, ``name``, ``-name``, ``start``, ``-start``
"""

import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from .models import (
    LINK_MODELS,
    LINKED_RECORD_MODELS,
    Measure,
    MeasureKind,
    MeasureStatus,
    Theme,
    is_english,
)
from .money import AmountField

MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 8
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
RECORD_FILTERS = list(LINKED_RECORD_MODELS)  # committee, institute, funding_scheme, ...
# Up to this many matching measures, the list page reads them and passes their ids around (see
# few_matching()); beyond it, binding the ids as parameters costs more than evaluating the
# filters again.
FEW_MEASURES = 1000
# What few_matching() reads of each measure: the columns of the kind, status, start year and
# amount facets (all in the filter indexes).
MATCHING_COLUMNS = ("pk", "kind", "status", "starts_on", "amount_hkd")


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

    def contains(self, amount):
        """Whether ``amount`` (HKD, or None) falls in this band, as ``condition()`` says."""
        if self.value == "none":
            return amount is None
        return (
            amount is not None
            and (self.minimum is None or amount >= self.minimum)
            and (self.below is None or amount < self.below)
        )


AMOUNT_BANDS = [
    AmountBand("under-100m", _("Under HK$100 million"), None, 100_000_000),
    AmountBand("100m-1b", _("HK$100 million to 1 billion"), 100_000_000, 1_000_000_000),
    AmountBand("1b-plus", _("HK$1 billion and over"), 1_000_000_000, None),
    AmountBand("none", _("No amount stated"), None, None),
]
AMOUNT_BANDS_BY_VALUE = {band.value: band for band in AMOUNT_BANDS}

SORT_CHOICES = [
    ("amount", _("Amount, smallest first")),
    ("-amount", _("Amount, largest first")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("start", _("Start, earliest first")),
    ("-start", _("Start, latest first")),
]


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
    a join, so no row is repeated and no DISTINCT over whole measures is needed.
    """

    field_class = SlugsField

    def __init__(self, *args, link_model, link_field="record", **kwargs):
        self.link_model = link_model
        self.link_field = link_field
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        # Literal ids rather than a subquery on slugs: PostgreSQL then knows from its
        # statistics how many links a popular record has, and plans for it.
        ids = [record.pk for record in value]
        linked = self.link_model.objects.filter(**{f"{self.link_field}_id__in": ids})
        return queryset.filter(pk__in=linked.values("measure_id"))


def record_filter(record_type):
    model = LINKED_RECORD_MODELS[record_type]
    return LinkedSlugsFilter(
        field_name=f"{record_type}_links__record__slug",
        link_model=LINK_MODELS[record_type],
        queryset=model.objects.all(),
        label=model._meta.verbose_name,
    )


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class AmountFilter(django_filters.NumberFilter):
    """Compares with an amount typed the way people write money (see ``money.parse_amount``)."""

    field_class = AmountField


class MeasureFilterForm(forms.Form):
    def clean(self):
        cleaned_data = super().clean()
        if len((cleaned_data.get("q") or "").split()) > MAX_SEARCH_WORDS:
            self.add_error(
                "q", _("Search for at most %(count)d words.") % {"count": MAX_SEARCH_WORDS}
            )
        minimum, maximum = cleaned_data.get("amount_min"), cleaned_data.get("amount_max")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add_error(
                "amount_max", _("The maximum is smaller than the minimum: swap them or widen.")
            )
        return cleaned_data


class MeasureFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
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
    theme = LinkedSlugsFilter(
        label=_("Theme"),
        field_name="themes__slug",
        link_model=Measure.themes.through,
        link_field="theme",
        queryset=Theme.objects.all(),
    )
    start_year = YearFilter(
        label=_("Start year"),
        field_name="starts_on",
        lookup_expr="year",
        min_value=1900,
        max_value=2200,
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
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        method="sort_by",
        empty_label=_("Start, earliest first"),
    )

    class Meta:
        model = Measure
        fields = []
        form = MeasureFilterForm

    def valid_data(self):
        """The cleaned value of every parameter given without error."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return self.form.cleaned_data

    def filtered(self, leave_out=()):
        """The measures matching every valid parameter but those in ``leave_out``. Built
        once for each ``leave_out`` (a list page asks for some several times)."""
        built = self.__dict__.setdefault("_filtered", {})
        key = frozenset(leave_out)
        if key not in built:
            queryset = self.queryset.all()
            for name, value in self.valid_data().items():
                if name not in leave_out:
                    queryset = self.filters[name].filter(queryset, value)
            built[key] = queryset
        return built[key]

    @property
    def qs(self):
        """The measures matching every valid parameter, sorted.

        An invalid parameter (shown with its message in ``form.errors``) is left out instead of
        emptying the list; the JSON API answers 400 instead.
        """
        if not hasattr(self, "_qs"):
            self._qs = self.sorted(self.filtered(leave_out={"sort"}))
        return self._qs

    def sorted(self, queryset):
        """``queryset`` in the order the request asks for (by start date if it names none)."""
        return self.sort_by(queryset, "sort", self.valid_data().get("sort") or "start")

    def active_parameters(self):
        """The filter parameters given a usable value in the request (``sort`` included)."""
        data, errors = self.data or {}, self.form.errors
        return {
            name
            for name in data
            if name in self.filters and name not in errors and data.get(name) not in (None, "")
        }

    def few_matching(self):
        """The matching measures as ``MATCHING_COLUMNS`` rows, unsorted, when the filters
        narrow them to at most ``FEW_MEASURES``; otherwise (no filter, or more measures) None.
        Computed once.

        Read from the indexes alone, they let the list page count its results, fetch its page
        by id and count the column facets they share, instead of evaluating the filters again
        for each.
        """
        if not hasattr(self, "_few_matching"):
            rows = None
            if self.active_parameters() - {"sort"}:
                limit = FEW_MEASURES
                max_parameters = connections[self.queryset.db].features.max_query_params
                if max_parameters:  # SQLite's oldest builds take 999: leave room for the filters'
                    limit = min(limit, max_parameters // 2)
                matching = self.filtered(leave_out={"sort"}).order_by()
                rows = list(matching.values_list(*MATCHING_COLUMNS)[: limit + 1])
                if len(rows) > limit:
                    rows = None
            self._few_matching = rows
        return self._few_matching

    def few_matching_ids(self):
        """The ids of ``few_matching()``, or None."""
        rows = self.few_matching()
        return None if rows is None else [row[0] for row in rows]

    def search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(mentions(term))
        return queryset

    def filter_amount_band(self, queryset, name, value):
        return queryset.filter(AMOUNT_BANDS_BY_VALUE[value].condition())

    def sort_by(self, queryset, name, value):
        descending = value.startswith("-")
        key = value.lstrip("-")
        name_field = "name_en" if is_english() else "name_zh"
        if key == "amount":
            primary = F("amount_hkd")
        elif key == "name":
            primary = F(name_field)
        else:
            primary = F("starts_on")
        primary = primary.desc(nulls_last=True) if descending else primary.asc(nulls_last=True)
        return queryset.order_by(primary, name_field, "pk")

    def without(self, parameter):
        """The measures matching every current filter but ``parameter``, unsorted (for facets)."""
        return self.filtered(leave_out={parameter, "sort"}).order_by()


def mentions(term):
    """Measures whose own text, or a linked record's or theme's name, contains ``term``.

    The quoted sentences are not searched: one sentence often states several measures.
    """
    condition = (
        Q(name_zh__icontains=term)
        | Q(name_en__icontains=term)
        | Q(summary_zh__icontains=term)
        | Q(summary_en__icontains=term)
        | Q(timing_zh__icontains=term)
        | Q(timing_en__icontains=term)
        | Exists(
            Theme.objects.filter(
                Q(name_zh__icontains=term) | Q(name_en__icontains=term), measures=OuterRef("pk")
            )
        )
    )
    for link_model in LINK_MODELS.values():
        condition |= Exists(
            link_model.objects.filter(measure=OuterRef("pk")).filter(
                Q(record__name_zh__icontains=term)
                | Q(record__name_en__icontains=term)
                | Q(record__short_name_en__icontains=term)
            )
        )
    return condition
