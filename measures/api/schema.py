"""The API's OpenAPI description, as drf-spectacular generates it from the views, the
``MeasureFilter`` and the serializers; ``/api/openapi.json`` serves it and the ``/api/`` page
(``docs.py``) is rendered from it.

Two things drf-spectacular does not read by itself are added here, for every view and filter
alike (no list of names):

- an operation's description is its view's ``description`` (translated text; DRF's
  ``get_view_description()``), else its docstring;
- the answers other than 200: a list's 400 naming each query parameter that cannot be used, an
  object's 404 for a slug that names nothing, and the 301 of a view that leads a slug an object
  had before an editor changed it to its slug now (``redirects_former_slugs``);
- a filter parameter gets the filter's label as ``title``, its help text, what it accepts
  (the list of slugs it takes, with that list's address as ``x-values-url``; an amount; a
  range of numbers or a longest text as ``minimum``, ``maximum`` and ``maxLength``) and its
  choices as ``enum`` with their labels in the description, as drf-spectacular writes them.
"""

import functools
import json
import re

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_choice_description_list
from drf_spectacular.utils import OpenApiResponse
from rest_framework.mixins import ListModelMixin
from rest_framework.utils.encoders import JSONEncoder

from ..models import Source, Theme
from ..money import AmountField

# How drf-spectacular lists an enum's labels in a description: "* `value` - label" lines.
CHOICE_LINE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P<label>.*)$", re.MULTILINE)


@functools.cache
def api_schema(language):
    """The OpenAPI description in ``language``, as plain JSON data (every lazy text translated).

    It depends on the code only, never on the data, so each process builds it once per language.
    """
    with override(language):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(json.dumps(schema, cls=JSONEncoder))


def split_description(description):
    """``(text, [(value, label)])``: a description without its list of choices, and the list."""
    choices = [(match["value"], match["label"]) for match in CHOICE_LINE.finditer(description)]
    return CHOICE_LINE.sub("", description).strip(), choices


BAD_PARAMETERS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
NOT_FOUND = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema of a view, described by the view's translated ``description``,
    with the answers it gives to a request it cannot serve."""

    def get_description(self):
        return self.view.get_view_description()

    def get_response_serializers(self):
        responses = {200: super().get_response_serializers()}
        if getattr(self.view, "redirects_former_slugs", False):
            responses[301] = OpenApiResponse(
                description=_(
                    "A slug in the address was an object’s before an editor changed it: "
                    "“Location” is the same address with its slug now."
                )
            )
        if isinstance(self.view, ListModelMixin):
            responses[400] = OpenApiResponse(
                BAD_PARAMETERS,
                description=_("A query parameter could not be used: each such one, with why."),
            )
        else:
            responses[404] = OpenApiResponse(
                NOT_FOUND, description=_("Nothing has this slug: “detail” says so.")
            )
        return responses


class FilterParameters(DjangoFilterExtension):
    """drf-spectacular's reading of a FilterSet, with each filter's label, help text, choices and
    what it accepts (see the module's docstring)."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            describe_filter_parameter(parameter, filter_field)
        return parameters


def describe_filter_parameter(parameter, filter_):
    schema = parameter["schema"]
    # A filter whose type is declared as an array (extend_schema_field) and which also takes
    # several values is wrapped in a second array by drf-spectacular; it is one list of values.
    if schema.get("type") == "array" and schema["items"].get("type") == "array":
        schema["items"] = schema["items"]["items"]
    values = schema["items"] if schema.get("type") == "array" else schema
    form_field = filter_.field
    if filter_.label:
        schema["title"] = str(filter_.label)
    text = []
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        model = form_field.queryset.model
        if model is Source:  # listed by no endpoint of its own: each measure gives its sources
            text.append(_("The slug of a source, as each measure gives it in sources[].slug"))
        else:
            text.append(
                _("A slug from the list of %(records)s")
                % {"records": model._meta.verbose_name_plural}
            )
        listed_by = "theme" if model is Theme else getattr(model, "TYPE", "measure")
        parameter["x-values-url"] = reverse(f"measures:api-{listed_by}-list")
    elif isinstance(form_field, AmountField):
        text.append(_("An amount of Hong Kong dollars, in figures or words"))
    text.append(str(filter_.extra.get("help_text") or ""))
    for key, limit in (
        ("min_value", "minimum"),
        ("max_value", "maximum"),
        ("max_length", "maxLength"),
    ):
        if filter_.extra.get(key) is not None:
            values[limit] = filter_.extra[key]
    choices = filter_.extra.get("choices")
    if choices and not callable(choices):
        choices = [(value, str(label)) for value, label in choices if value]
        values["enum"] = [value for value, _label in choices]
        text.append(build_choice_description_list(choices))
    description = "\n\n".join(part for part in text if part)
    if description:
        parameter["description"] = description
    else:
        parameter.pop("description", None)
