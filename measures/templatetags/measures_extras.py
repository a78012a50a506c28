from django import template
from django.utils.translation import get_language

from ..money import format_amount

register = template.Library()


@register.filter
def hkd(value):
    """An amount in whole HKD written for the page's language: HK$30億 / HK$3 billion."""
    if value is None or value == "":
        return ""
    return format_amount(int(value), get_language())


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current list URL, filters kept, at page ``number``."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.filter
def verbose_name_of(record):
    """The record's type as a reader calls it: measure, committee, bureau or department ..."""
    return record._meta.verbose_name


@register.filter
def field_errors(form, name):
    """The errors of one field of ``form``, or none."""
    return form.errors.get(name, [])


@register.filter
def has_selection(facet):
    return any(option.selected for option in facet.options)


@register.filter
def model_verbose_name_plural(model_or_record):
    return model_or_record._meta.verbose_name_plural


@register.filter
def thousands(value):
    """A whole number with thousands separators in every language: 3,000,000,000."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}"
