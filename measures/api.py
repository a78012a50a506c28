"""The read-only JSON API: measures, themes and the five kinds of linked record.

``GET /api/measures/`` takes exactly the query parameters of the HTML list, because both use
``MeasureFilter``; where the HTML list leaves an invalid parameter out, the API answers 400 and
names it. Every successful response carries an ETag and a Last-Modified date taken from the data
revision (``caching.cached_by_revision``), so a client holding the current data gets 304.
"""

import json
import re
from dataclasses import dataclass, field

from django import forms
from django.core.paginator import EmptyPage
from django.db.models import Count, Prefetch
from django.http import QueryDict
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import replace_query_param

from .caching import cached_by_revision
from .filters import MeasureFilter
from .models import LINK_MODELS, LINKED_RECORD_MODELS, Measure, Theme
from .money import AmountField
from .serializers import (
    RECORD_SERIALIZERS,
    AddressField,
    LinkedRecordSerializer,
    MeasureSerializer,
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
            value = request.query_params.get(name, "")
            error = positive_integer_error(value, maximum) if value else None
            if error:
                errors[name] = [error]
        return errors

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


def openapi_filter_parameters():
    """The list's parameters for the OpenAPI description, typed as ``MeasureFilter`` reads them.

    drf-spectacular's own guess makes amounts numbers (they are text: 5,000萬) and record
    slugs nested lists.
    """
    parameters = []
    for name, filter_ in MeasureFilter.base_filters.items():
        form_field = filter_.field
        is_plain_choice = isinstance(form_field, forms.ChoiceField) and not isinstance(
            form_field, forms.ModelChoiceField
        )
        parameters.append(
            OpenApiParameter(
                name,
                int if isinstance(form_field, forms.DecimalField) else str,
                many=isinstance(
                    form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
                ),
                enum=[value for value, _label in form_field.choices if value]
                if is_plain_choice
                else None,
                description=filter_.extra.get("help_text") or filter_.label,
            )
        )
    return parameters


@extend_schema_view(get=extend_schema(parameters=openapi_filter_parameters()))
@method_decorator(cached_by_revision, name="dispatch")
class MeasureList(ReportsEveryBadParameter, generics.ListAPIView):
    """Measures matching the same query parameters as the HTML list, in the same order."""

    queryset = Measure.objects.for_display()
    serializer_class = MeasureSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MeasureFilter
    pagination_class = ApiPagination


@method_decorator(cached_by_revision, name="dispatch")
class MeasureDetail(generics.RetrieveAPIView):
    """One measure by its slug; list filters do not apply."""

    queryset = Measure.objects.for_display()
    serializer_class = MeasureSerializer
    lookup_field = "slug"


@method_decorator(cached_by_revision, name="dispatch")
class ThemeList(generics.ListAPIView):
    """Every theme, with the slug the ``theme`` parameter takes."""

    queryset = Theme.objects.annotate(measure_count=Count("measures")).order_by("name_en", "pk")
    serializer_class = ThemeListSerializer
    pagination_class = ApiPagination


class LinkedRecordViewMixin:
    """Serves one kind of linked record (``model``), each with its measures and their money."""

    model = None
    lookup_field = "slug"
    pagination_class = ApiPagination

    def get_queryset(self):
        related = [field.name for field in self.model._meta.concrete_fields if field.is_relation]
        links = (
            LINK_MODELS[self.model.record_type]
            .objects.select_related("measure")
            .order_by("measure__starts_on", "measure__name_en", "measure__pk", "role")
        )
        return (
            self.model.objects.with_measure_totals()
            .select_related(*related)
            .prefetch_related(Prefetch("links", links))
            .order_by("name_en", "pk")
        )

    def get_serializer_class(self):
        return RECORD_SERIALIZERS[self.model.record_type]


@method_decorator(cached_by_revision, name="dispatch")
class LinkedRecordList(LinkedRecordViewMixin, generics.ListAPIView):
    """Every record of one kind, by English name."""


@method_decorator(cached_by_revision, name="dispatch")
class LinkedRecordDetail(LinkedRecordViewMixin, generics.RetrieveAPIView):
    """One record of one kind by its slug."""


@method_decorator(cached_by_revision, name="dispatch")
class ApiSchemaView(SpectacularJSONAPIView):
    """The OpenAPI description of the API, as JSON."""


# The documentation page -------------------------------------------------------------------------

EXAMPLE_QUERY = "kind=education&sort=-amount&page_size=1"
EXAMPLE_BAD_QUERY = "amount_min=lots&kind=magic"


@dataclass
class Parameter:
    """One query parameter as the documentation page describes it."""

    name: str
    label: str
    accepts: str
    help_text: str = ""
    repeatable: bool = False
    choices: list = field(default_factory=list)
    values_url: str = ""


def describe_filter(name, filter_):
    """What one parameter of ``MeasureFilter`` accepts, read from the filter itself."""
    form_field = filter_.field
    parameter = Parameter(
        name=name,
        label=str(filter_.label),
        accepts="",
        help_text=str(filter_.extra.get("help_text", "")),
        repeatable=isinstance(
            form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
        ),
    )
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        model = form_field.queryset.model
        parameter.accepts = _("A slug from the list of %(records)s") % {
            "records": model._meta.verbose_name_plural
        }
        record_type = "theme" if model is Theme else model.record_type
        parameter.values_url = reverse(f"measures:api-{record_type}-list")
    elif isinstance(form_field, forms.ChoiceField):
        parameter.accepts = _("One of the values below")
        parameter.choices = [(value, str(label)) for value, label in form_field.choices if value]
    elif isinstance(form_field, AmountField):
        parameter.accepts = _("An amount of Hong Kong dollars, in figures or words")
    elif isinstance(form_field, forms.DecimalField):
        parameter.accepts = _("A whole number from %(minimum)s to %(maximum)s") % {
            "minimum": filter_.extra.get("min_value"),
            "maximum": filter_.extra.get("max_value"),
        }
    else:
        parameter.accepts = _("Text of at most %(length)s characters") % {
            "length": filter_.extra.get("max_length")
        }
    return parameter


def measure_parameters():
    pagination = ApiPagination
    return [
        *(describe_filter(name, filter_) for name, filter_ in MeasureFilter.base_filters.items()),
        Parameter(
            name=pagination.page_query_param,
            label=_("Page"),
            accepts=_("A whole number of 1 or more, up to the number of pages"),
            help_text=str(pagination.page_query_description),
        ),
        Parameter(
            name=pagination.page_size_query_param,
            label=_("Page size"),
            accepts=_("A whole number from 1 to %(maximum)d; %(default)d when not given")
            % {"maximum": pagination.max_page_size, "default": pagination.page_size},
            help_text=str(pagination.page_size_query_description),
        ),
    ]


def field_type(serializer_field):
    if isinstance(serializer_field, serializers.ListSerializer | serializers.ListField):
        name = _("list")
    elif isinstance(serializer_field, serializers.Serializer):
        name = _("object")
    elif isinstance(serializer_field, AddressField):
        name = _("URL")
    elif isinstance(serializer_field, serializers.BooleanField):
        name = _("true or false")
    elif isinstance(serializer_field, serializers.IntegerField):
        name = _("integer")
    elif isinstance(serializer_field, serializers.DateTimeField):
        name = _("date and time")
    elif isinstance(serializer_field, serializers.DateField):
        name = _("date")
    else:
        name = _("text")
    if serializer_field.allow_null:
        return _("%(type)s or null") % {"type": name}
    return name


def describe_fields(serializer, prefix=""):
    """``[(path, type, help text)]`` for every field of ``serializer``, nested ones included."""
    rows = []
    for name, serializer_field in serializer.fields.items():
        path = prefix + name
        nested = serializer_field
        if isinstance(serializer_field, serializers.ListSerializer):
            nested = serializer_field.child
            path += "[]"
        rows.append((path, field_type(serializer_field), str(serializer_field.help_text or "")))
        if isinstance(nested, serializers.Serializer):
            rows.extend(describe_fields(nested, path + "."))
    return rows


def record_fields(record_type):
    """``(shared, own)``: the fields every kind of linked record has, and those of this kind."""
    shared_names = set(LinkedRecordSerializer._declared_fields)
    shared, own = [], []
    for row in describe_fields(RECORD_SERIALIZERS[record_type]()):
        top_level = row[0].split(".")[0].removesuffix("[]")
        (shared if top_level in shared_names else own).append(row)
    return shared, own


def example_response(request):
    """The API's answer to ``EXAMPLE_QUERY``, built the way the API builds it."""
    query = QueryDict(EXAMPLE_QUERY)
    measures = MeasureFilter(query, queryset=Measure.objects.for_display()).qs
    page_size = int(query["page_size"])
    count = measures.count()
    list_url = request.build_absolute_uri(reverse("measures:api-measure-list"))
    return {
        "count": count,
        "next": replace_query_param(f"{list_url}?{EXAMPLE_QUERY}", "page", 2)
        if count > page_size
        else None,
        "previous": None,
        "results": MeasureSerializer(
            measures[:page_size], many=True, context={"request": request}
        ).data,
    }


def example_errors():
    errors = MeasureFilter(QueryDict(EXAMPLE_BAD_QUERY), queryset=Measure.objects.all()).errors
    return {name: list(messages) for name, messages in errors.items()}


def as_json(data):
    return json.dumps(data, ensure_ascii=False, indent=2)


@method_decorator(cached_by_revision, name="dispatch")
class ApiDocsView(TemplateView):
    """Every endpoint, parameter and field of the API, with a real example."""

    template_name = "measures/api_docs.html"

    def get_context_data(self, **kwargs):
        record_endpoints = [
            {
                "label": model._meta.verbose_name,
                "label_plural": model._meta.verbose_name_plural,
                "list_url": reverse(f"measures:api-{record_type}-list"),
                "detail_url": reverse(f"measures:api-{record_type}-detail", args=["SLUG"]),
                "own_fields": record_fields(record_type)[1],
            }
            for record_type, model in LINKED_RECORD_MODELS.items()
        ]
        example_url = f"{reverse('measures:api-measure-list')}?{EXAMPLE_QUERY}"
        return super().get_context_data(
            **kwargs,
            measure_list_url=reverse("measures:api-measure-list"),
            measure_detail_url=reverse("measures:api-measure-detail", args=["SLUG"]),
            theme_list_url=reverse("measures:api-theme-list"),
            schema_url=reverse("measures:api-schema"),
            record_endpoints=record_endpoints,
            parameters=measure_parameters(),
            measure_fields=describe_fields(MeasureSerializer()),
            record_fields=record_fields("institute")[0],
            theme_fields=describe_fields(ThemeListSerializer()),
            example_url=example_url,
            example_absolute_url=self.request.build_absolute_uri(example_url),
            example_response=as_json(example_response(self.request)),
            example_bad_url=f"{reverse('measures:api-measure-list')}?{EXAMPLE_BAD_QUERY}",
            example_errors=as_json(example_errors()),
            page_size=ApiPagination.page_size,
            max_page_size=ApiPagination.max_page_size,
        )
