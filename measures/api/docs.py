"""The API's documentation page: every endpoint, parameter and field, with real examples.

Rendered from the OpenAPI description that ``/api/openapi.json`` serves (``schema.py``), in the
page's language, so the page lists exactly what the schema does: nothing here names a parameter
or a field.
"""

import json
from dataclasses import dataclass, field

from django.http import QueryDict
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from rest_framework.utils.urls import replace_query_param

from ..caching import cached_by_revision
from ..listing.filters import MeasureFilter
from ..models import RECORD_MODELS, Measure
from .schema import api_schema, split_description
from .serializers import MeasureSerializer
from .views import ApiPagination

EXAMPLE_QUERY = "kind=education&sort=-amount&page_size=1"
EXAMPLE_BAD_QUERY = "amount_min=lots&kind=magic"


# Reading the OpenAPI description -----------------------------------------------------------------


def operations(schema):
    """``(path, method, operation)`` for every operation of ``schema``, in its order."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def resolved(schema, node):
    """``node`` with the component it refers to (``$ref``, or drf-spectacular's ``allOf`` of one
    ``$ref``) filled in; the node's own keys (its description, ``nullable``) win."""
    if len(node.get("allOf", ())) == 1:
        node = {**{key: value for key, value in node.items() if key != "allOf"}, **node["allOf"][0]}
    if "$ref" not in node:
        return node
    name = node["$ref"].rsplit("/", 1)[-1]
    own = {key: value for key, value in node.items() if key != "$ref"}
    return {**schema["components"]["schemas"][name], **own}


def result_reference(schema, operation):
    """The ``$ref`` of one result of ``operation``: its answer, or an item of its ``results``
    when the answer is a page."""
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    results = resolved(schema, answer).get("properties", {}).get("results", {})
    if results.get("type") == "array" and "$ref" in results["items"]:
        return results["items"]["$ref"]
    return answer.get("$ref", "")


def type_label(node):
    """A field's or a value's type in words: "text", "list", "URL or null" ..."""
    kind, form = node.get("type"), node.get("format")
    if kind == "array":
        name = _("list")
    elif kind == "object" or "properties" in node:
        name = _("object")
    elif kind == "boolean":
        name = _("true or false")
    elif kind == "integer":
        name = _("integer")
    elif kind == "number":
        name = _("number")
    elif form == "uri":
        name = _("URL")
    elif form == "date-time":
        name = _("date and time")
    elif form == "date":
        name = _("date")
    else:
        name = _("text")
    if node.get("nullable"):
        return _("%(type)s or null") % {"type": name}
    return name


@dataclass
class Field:
    """One field of a result, ``path`` naming nested fields as ``links[].role``."""

    path: str
    type: str
    description: str

    @property
    def top_level(self):
        return self.path.split(".")[0].removesuffix("[]")


def result_fields(schema, node, prefix=""):
    """Every field of the object ``node``, nested objects' fields after their own row."""
    rows = []
    for name, value in node.get("properties", {}).items():
        value = resolved(schema, value)
        path, nested = prefix + name, value
        if value.get("type") == "array":
            path, nested = path + "[]", resolved(schema, value["items"])
        rows.append(Field(path, type_label(value), value.get("description", "")))
        if "properties" in nested:
            rows.extend(result_fields(schema, nested, path + "."))
    return rows


@dataclass
class Parameter:
    """One query parameter as the documentation page describes it."""

    name: str
    title: str
    description: str
    accepts: str
    repeatable: bool = False
    comma_separated: bool = False
    choices: list = field(default_factory=list)
    values_url: str = ""


def accepts(values, has_choices):
    """What a parameter's value may be, in words, from its schema."""
    if has_choices:
        return _("One of the values below")
    minimum, maximum = values.get("minimum"), values.get("maximum")
    if values.get("type") == "integer" and minimum is not None and maximum is not None:
        text = _("A whole number from %(minimum)s to %(maximum)s") % {
            "minimum": minimum,
            "maximum": maximum,
        }
    elif values.get("type") == "integer" and minimum is not None:
        text = _("A whole number of %(minimum)s or more") % {"minimum": minimum}
    elif values.get("maxLength"):
        text = _("Text of at most %(length)s characters") % {"length": values["maxLength"]}
    else:
        text = type_label(values)
    if "default" in values:
        text = _("%(accepts)s; %(default)s when not given") % {
            "accepts": text,
            "default": values["default"],
        }
    return text


def describe_parameter(parameter):
    schema = parameter["schema"]
    is_list = schema.get("type") == "array"
    values = schema["items"] if is_list else schema
    description, labelled = split_description(parameter.get("description", ""))
    labels = dict(labelled)
    choices = [(value, labels.get(value, "")) for value in values.get("enum", [])]
    return Parameter(
        name=parameter["name"],
        title=schema.get("title", ""),
        description=description,
        accepts=accepts(values, bool(choices)),
        # OpenAPI's default for query parameters: style form, explode true (name=a&name=b).
        repeatable=is_list and parameter.get("explode", True),
        comma_separated=is_list and not parameter.get("explode", True),
        choices=choices,
        values_url=parameter.get("x-values-url", ""),
    )


def parameter_groups(schema):
    """The query parameters, one group for each set that several operations share:
    ``[{"paths": [...], "parameters": [Parameter]}]``."""
    groups = {}
    for path, _method, operation in operations(schema):
        parameters = [p for p in operation.get("parameters", ()) if p["in"] == "query"]
        if parameters:
            key = json.dumps(parameters, sort_keys=True)
            group = groups.setdefault(key, {"paths": [], "parameters": parameters})
            group["paths"].append(path)
    return [
        {"paths": group["paths"], "parameters": list(map(describe_parameter, group["parameters"]))}
        for group in groups.values()
    ]


def field_sections(schema):
    """The fields of every kind of result, by the endpoints that answer with it: measures,
    records (the fields all kinds share, then each kind's own), themes, then any other."""
    paths_by_result = {}
    for path, _method, operation in operations(schema):
        paths_by_result.setdefault(result_reference(schema, operation), []).append(path)

    def fields_at(url_name):
        path = reverse(url_name)
        reference = next(ref for ref, paths in paths_by_result.items() if path in paths)
        del paths_by_result[reference]
        return result_fields(schema, resolved(schema, {"$ref": reference}))

    measure_fields = fields_at("measures:api-measure-list")
    theme_fields = fields_at("measures:api-theme-list")
    records = [
        {"model": model, "fields": fields_at(f"measures:api-{record_type}-list")}
        for record_type, model in RECORD_MODELS.items()
    ]
    shared_names = set.intersection(
        *({row.top_level for row in record["fields"]} for record in records)
    )
    for record in records:
        record["own_fields"] = [
            row for row in record["fields"] if row.top_level not in shared_names
        ]
    return {
        "measure_fields": measure_fields,
        "record_fields": [row for row in records[0]["fields"] if row.top_level in shared_names],
        "record_own_fields": [
            {
                "label_plural": record["model"]._meta.verbose_name_plural,
                "fields": record["own_fields"],
            }
            for record in records
            if record["own_fields"]
        ],
        "theme_fields": theme_fields,
        "other_fields": [
            {"paths": paths, "fields": result_fields(schema, resolved(schema, {"$ref": reference}))}
            for reference, paths in paths_by_result.items()
        ],
    }


# The page ----------------------------------------------------------------------------------------


def example_response(request):
    """The API's answer to ``EXAMPLE_QUERY``, built the way the API builds it."""
    query = QueryDict(EXAMPLE_QUERY)
    measures = MeasureFilter(query, queryset=Measure.objects.for_display()).qs
    page_size = int(query[ApiPagination.page_size_query_param])
    count = measures.count()
    list_url = request.build_absolute_uri(reverse("measures:api-measure-list"))
    return {
        "count": count,
        "next": replace_query_param(
            f"{list_url}?{EXAMPLE_QUERY}", ApiPagination.page_query_param, 2
        )
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
    """Every endpoint, parameter and field of the API, read from its OpenAPI description, with a
    real example."""

    template_name = "measures/api_docs.html"

    def get_context_data(self, **kwargs):
        schema = api_schema(get_language())
        measure_list_url = reverse("measures:api-measure-list")
        example_url = f"{measure_list_url}?{EXAMPLE_QUERY}"
        return super().get_context_data(
            **kwargs,
            endpoints=[
                {
                    "method": method,
                    "path": path,
                    "description": operation.get("description", ""),
                    "link": "{" not in path,
                }
                for path, method, operation in operations(schema)
            ],
            parameter_groups=parameter_groups(schema),
            measure_list_url=measure_list_url,
            schema_url=reverse("measures:api-schema"),
            **field_sections(schema),
            example_url=example_url,
            example_absolute_url=self.request.build_absolute_uri(example_url),
            example_response=as_json(example_response(self.request)),
            example_bad_url=f"{measure_list_url}?{EXAMPLE_BAD_QUERY}",
            example_errors=as_json(example_errors()),
            page_size=ApiPagination.page_size,
            max_page_size=ApiPagination.max_page_size,
        )
