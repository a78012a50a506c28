"""The one FilterSet behind every listing of developments: the page, the API and the feeds.

Query parameters (all optional; ``measure``, ``body`` and ``status`` may repeat):

- ``measure``: measure slugs
- ``body``: bureau or department slugs: developments of the measures they take part in
- ``month``: ``YYYY-MM``, the month a development happened in
- ``status``: developments that moved their measure to this status
- ``status_changed``: ``true`` for developments that moved their measure's status, ``false``
  for the others
"""

import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..listing.filters import EmptyMeansAny, FilterForm, OneFormClass, SlugsField
from ..models import Bureau, Development, Measure, MeasureLink, MeasureStatus

MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthField(forms.CharField):
    """A month written ``YYYY-MM``, cleaned to its first day."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        match = MONTH.fullmatch(value)
        try:
            if match is None:
                raise ValueError
            return datetime.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ValidationError(
                _("Give a month as YYYY-MM, e.g. 2026-03."), code="invalid"
            ) from None


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def filter(self, queryset, value):
        if value is None:
            return queryset
        return queryset.filter(happened_on__year=value.year, happened_on__month=value.month)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class MeasureSlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Developments of any of the measures named by slug."""

    field_class = SlugsField

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(measure__in=[measure.pk for measure in value])


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class BodySlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Developments of the measures any of the bodies named by slug take part in."""

    field_class = SlugsField

    def filter(self, queryset, value):
        if not value:
            return queryset
        linked = MeasureLink.objects.filter(record__in=[body.pk for body in value])
        return queryset.filter(measure__in=linked.values("measure"))


class DevelopmentFilter(OneFormClass, EmptyMeansAny, django_filters.FilterSet):
    measure = MeasureSlugsFilter(
        label=_("Measure"), queryset=Measure.objects.all(), to_field_name="slug"
    )
    body = BodySlugsFilter(
        label=_("Bureau or department"), queryset=Bureau.objects.all(), to_field_name="slug"
    )
    month = MonthFilter(label=_("Month"), help_text=_("YYYY-MM, e.g. 2026-03"))
    status = django_filters.MultipleChoiceFilter(
        label=_("Moved the status to"), choices=MeasureStatus.choices, distinct=False
    )
    status_changed = django_filters.ChoiceFilter(
        label=_("Status changed"),
        method="filter_status_changed",
        choices=[("true", _("Yes")), ("false", _("No"))],
        empty_label=_("Either"),
    )

    class Meta:
        model = Development
        fields = []
        form = FilterForm

    def filter_status_changed(self, queryset, name, value):
        return queryset.exclude(status="") if value == "true" else queryset.filter(status="")
