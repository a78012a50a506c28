import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ..models import list_separator
from ..money import format_amount
from ..search import CJK

register = template.Library()

CHINESE_RUN = re.compile(rf"[{CJK}]+")


@register.filter
def hkd(value):
    """An amount in whole HKD written for the page's language: HK$30億 / HK$3 billion."""
    if value is None or value == "":
        return ""
    return format_amount(int(value), get_language())


register.simple_tag(list_separator)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current list URL, filters kept, at page ``number`` (the first page has no
    ``page``, so that it has one address)."""
    request = context["request"]
    query = request.GET.copy()
    if number == 1:
        query.pop("page", None)
    else:
        query["page"] = number
    return f"?{query.urlencode()}" if query else request.path


@register.filter
def field_errors(form, name):
    """The errors of one field of ``form``, or none."""
    return form.errors.get(name, [])


@register.filter
def first_order(orders):
    """The first order of a ``sort`` given as a list (``-amount,name``), stray commas left out:
    the one the sort menu shows chosen."""
    if isinstance(orders, str):
        orders = orders.split(",")
    return next((order for order in orders or [] if order), "")


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


@register.filter
def development_date(development):
    """The day of a development, or only its month where that is all that is known."""
    if development.month_only:
        return development.happened_on.strftime("%Y-%m")
    return development.happened_on.isoformat()


@register.filter
def figure_value(figure):
    """A development's stated figure: money as HK$ for the page's language, other numbers with
    thousands separators and their unit."""
    if figure.is_money:
        return format_amount(int(figure.value), get_language())
    number = figure.value.normalize()
    text = f"{int(number):,}" if number == number.to_integral() else f"{number:,f}"
    return f"{text} {figure.unit}".strip()


@register.filter
def getlist(query, name):
    """Every value of ``name`` in a query (``QueryDict``)."""
    return query.getlist(name)


@register.filter
def chinese_marked(text):
    """``text`` escaped, each run of Chinese characters in it marked as Chinese (``lang``), so
    that a screen reader reading an English page reads a Chinese name in Chinese."""
    return mark_safe(
        CHINESE_RUN.sub(lambda run: f'<span lang="zh-Hant-HK">{run.group()}</span>', escape(text))
    )
