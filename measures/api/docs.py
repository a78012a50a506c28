"""The API's documentation page: every endpoint, parameter and field, with real examples.

Read from the FilterSet and the serializers themselves, so the page cannot drift from the API.
"""

import json
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from rest_framework import serializers
from rest_framework.utils.urls import replace_query_param

from ..caching import cached_by_revision
from ..listing.filters import MeasureFilter
from ..models import RECORD_MODELS, Measure, Theme
from ..money import AmountField
from .serializers import (
    RECORD_SERIALIZERS,
    AddressField,
    MeasureSerializer,
    RecordSerializer,
    ThemeListSerializer,
)
from .views import ApiPagination

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
        record_type = "theme" if model is Theme else model.TYPE
        parameter.values_url = reverse(f"measures:api-{record_type}-list")
    elif isinstance(form_field, forms.ChoiceField):
        parameter.accepts = _("One of the values below")
        parameter.choices = [(value, str(label)) for value, label in form_field.choices if value]
    elif isinstance(form_field, AmountField):
        parameter.accepts = _("An amount of Hong Kong dollars, in figures or words")
    elif isinstance(form_field, forms.DecimalField | forms.IntegerField):
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
    shared_names = {*RecordSerializer.common_fields, *RecordSerializer.totals_fields}
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
            for record_type, model in RECORD_MODELS.items()
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
