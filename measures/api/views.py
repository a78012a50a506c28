"""The read-only JSON API: measures, their developments, themes and the five kinds of linked
record.

``GET /api/measures/`` takes exactly the query parameters of the HTML list, because both use
``MeasureFilter``; where the HTML list leaves an invalid parameter out, the API answers 400 and
names it. Every successful response carries an ETag and a Last-Modified date taken from the data
revision (``caching.cached_by_revision``), so a client holding the current data gets 304.
"""

import re

from django.core.paginator import EmptyPage
from django.db.models import Prefetch
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from ..caching import cached_by_revision
from ..developments.filters import DevelopmentFilter
from ..listing.filters import MeasureFilter
from ..listing.pages import IdsFirstPaginator
from ..listing.views import current_slugs_redirect
from ..models import Development, Measure, MeasureLink, Theme
from ..views import FormerSlugsRedirect
from . import schema  # noqa: F401  (registers the schema's reading of filters)
from .serializers import (
    RECORD_SERIALIZERS,
    DevelopmentListSerializer,
    MeasureSerializer,
    RecordMeasureSerializer,
    ThemeListSerializer,
)

POSITIVE_INTEGER = re.compile(r"[0-9]+")


def positive_integer_error(value, maximum=None):
    """Why ``value`` is not a whole number from 1 to ``maximum``, or None when it is."""
    if not POSITIVE_INTEGER.fullmatch(value) or int(value) < 1:
        return _("“%(value)s” is not a whole number of 1 or more.") % {"value": value[:20]}
    if maximum is not None and int(value) > maximum:
        return _("A page holds at most %(maximum)d results.") % {"maximum": maximum}
    return None


class ApiPagination(PageNumberPagination):
    """Pages of 50 by default, up to 500 with ``page_size``; a bad page number is a 400."""

    django_paginator_class = IdsFirstPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()
    page_query_description = gettext_lazy("The page, counted from 1")
    page_size_query_description = gettext_lazy("How many results a page holds: 1 to 500")

    def parameter_errors(self, request):
        """``{parameter: [message]}`` for a page or page size that is not a usable number."""
        errors = {}
        for name, maximum in (
            (self.page_query_param, None),
            (self.page_size_query_param, self.max_page_size),
        ):
            given = request.query_params.getlist(name)
            if len(given) > 1:  # as for a filter: not the last one read silently
                errors[name] = [
                    _("This parameter takes one value, not %(count)d.") % {"count": len(given)}
                ]
                continue
            value = request.query_params.get(name, "")
            error = positive_integer_error(value, maximum) if value else None
            if error:
                errors[name] = [error]
        return errors

    def get_schema_operation_parameters(self, view):
        """``page`` and ``page_size`` as the OpenAPI description has them, with their limits."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(maximum=self.max_page_size, default=self.page_size)
        return parameters

    def get_page_size(self, request):
        return int(request.query_params.get(self.page_size_query_param) or self.page_size)

    def paginate_queryset(self, queryset, request, view=None):
        errors = self.parameter_errors(request)
        if errors:
            raise ValidationError(errors)
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = int(request.query_params.get(self.page_query_param) or 1)
        try:
            self.page = paginator.page(number)
        except EmptyPage:
            raise ValidationError(
                {
                    self.page_query_param: [
                        ngettext(
                            "There is no page %(number)d: there is %(count)d page.",
                            "There is no page %(number)d: there are %(count)d pages.",
                            paginator.num_pages,
                        )
                        % {"number": number, "count": paginator.num_pages}
                    ]
                }
            ) from None
        return list(self.page)


class ReportsEveryBadParameter:
    """Lists every bad query parameter in one 400, filters and pagination alike."""

    def list(self, request, *args, **kwargs):
        errors = self.paginator.parameter_errors(request)
        try:
            queryset = self.filter_queryset(self.get_queryset())
        except ValidationError as error:
            errors = {**error.detail, **errors}
        if errors:
            raise ValidationError(errors)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@method_decorator(cached_by_revision, name="dispatch")
class MeasureList(ReportsEveryBadParameter, generics.ListAPIView):
    """Measures matching the same query parameters as the HTML list, in the same order."""

    description = gettext_lazy(
        "A page of measures matching the query parameters below, in the order of the list of "
        "measures."
    )
    queryset = Measure.objects.for_display()
    serializer_class = MeasureSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MeasureFilter
    pagination_class = ApiPagination
    redirects_former_slugs = True  # a record's, theme's or source's, in the query

    def list(self, request, *args, **kwargs):
        try:
            return super().list(request, *args, **kwargs)
        except ValidationError:
            filterset = MeasureFilter(request.query_params, queryset=self.get_queryset())
            if renamed := current_slugs_redirect(request, filterset):
                return renamed
            raise


@method_decorator(cached_by_revision, name="dispatch")
class MeasureDetail(FormerSlugsRedirect, generics.RetrieveAPIView):
    """One measure by its slug; list filters do not apply."""

    description = gettext_lazy("One measure (replace {slug} by its slug).")
    queryset = Measure.objects.for_display()
    serializer_class = MeasureSerializer
    lookup_field = "slug"


@method_decorator(cached_by_revision, name="dispatch")
class ThemeList(generics.ListAPIView):
    """Every theme, with the slug the ``theme`` parameter takes."""

    description = gettext_lazy("A page of themes, with the slugs the theme parameter takes.")
    queryset = Theme.objects.order_by("name_en", "pk")
    serializer_class = ThemeListSerializer
    pagination_class = ApiPagination


@method_decorator(cached_by_revision, name="dispatch")
class DevelopmentList(ReportsEveryBadParameter, generics.ListAPIView):
    """Developments, newest first, matching the same query parameters as /developments/."""

    description = gettext_lazy(
        "A page of developments: what happened to each measure since it was announced, "
        "newest first, with their sources. Takes the same filters as the developments page."
    )

    queryset = Development.objects.for_display().newest_first()
    serializer_class = DevelopmentListSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DevelopmentFilter
    pagination_class = ApiPagination


# A record lists at most this many of its links (measures and roles); its ``measures_url`` lists
# every measure, page by page.
RECORD_MEASURES_SHOWN = 100
# The columns of a measure that a record shows: those of its serializer's fields that are columns.
RECORD_MEASURE_FIELDS = [
    field.name
    for field in Measure._meta.concrete_fields
    if field.name in RecordMeasureSerializer._declared_fields
]


class RecordViewMixin:
    """Serves one kind of record (``model``), each with its measures and their money."""

    model = None
    lookup_field = "slug"
    pagination_class = ApiPagination
    description_of_kind = ""  # translated text naming the kind, with %(record)s or %(records)s

    @property
    def description(self):
        meta = self.model._meta
        return self.description_of_kind % {
            "record": meta.verbose_name,
            "records": meta.verbose_name_plural,
        }

    def get_queryset(self):
        related = [name for name in ("successor", "provider") if name in self.own_fields()]
        return self.model.objects.all().select_related(*related).order_by("name_en", "pk")

    def links(self):
        """The links a record lists (``first_links``), in the order of their measures, each
        with the few columns of its measure that a record shows (``RecordMeasureSerializer``):
        a page of bureaux reads 2,000 of them."""
        return (
            MeasureLink.objects.select_related("measure")
            .only("record", "role", *(f"measure__{name}" for name in RECORD_MEASURE_FIELDS))
            .order_by("measure__starts_on", "measure__name_en", "measure__pk", "role")
        )

    def own_fields(self):
        return self.get_serializer_class().Meta.fields

    def get_serializer_class(self):
        return RECORD_SERIALIZERS[self.model.TYPE]


@method_decorator(cached_by_revision, name="dispatch")
class RecordList(RecordViewMixin, generics.ListAPIView):
    """Every record of one kind, by English name."""

    description_of_kind = gettext_lazy("A page of %(records)s, each with its measures.")

    def get_queryset(self):
        first_links = self.links()[:RECORD_MEASURES_SHOWN]
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("measure_links", first_links, to_attr="first_links"))
        )


@method_decorator(cached_by_revision, name="dispatch")
class RecordDetail(FormerSlugsRedirect, RecordViewMixin, generics.RetrieveAPIView):
    """One record of one kind by its slug."""

    description_of_kind = gettext_lazy("One %(record)s, with its measures.")

    def get_object(self):
        """The record, with its first links read by one ``LIMIT`` query: the list's prefetch
        numbers every link of its records by a window function, which sorts all of them (a
        busy department's 12,000 at 100,000 measures took 85 ms that way, 14 ms this way)."""
        record = super().get_object()
        record.first_links = list(self.links().filter(record=record)[:RECORD_MEASURES_SHOWN])
        return record


@method_decorator(cached_by_revision, name="dispatch")
class ApiSchemaView(SpectacularJSONAPIView):
    """The OpenAPI description of the API, as JSON."""
