"""Helpers of the measure list's template."""

from django import template

register = template.Library()


@register.filter
def chosen_filters(active_filters, sort_label):
    """The active filters without the sort order, which orders the list but filters nothing."""
    return [active for active in active_filters if str(active["parameter"]) != str(sort_label)]
