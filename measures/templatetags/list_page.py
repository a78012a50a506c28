"""Helpers of the measure list's template."""

from django import template

register = template.Library()


@register.filter
def chosen_filters(active_filters, sort_label):
    """The filters the list applies: those given, less the sort order (which orders the list
    but filters nothing) and those refused (the list leaves them out and says why)."""
    return [
        active
        for active in active_filters
        if str(active["parameter"]) != str(sort_label) and not active["invalid"]
    ]
