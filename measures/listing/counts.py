"""Counts kept per data revision, like whole pages (see caching.py), so that readers who page,
sort or switch language on the same filters share them: a list's total and its facets' counts.

A count is kept under the filters it depends on (the request's canonical query, less the
parameters that change no count) and the data revision, so an edit makes the next reader count
afresh. ``COUNT_CACHE_SECONDS`` bounds how long an unused count stays; 0 keeps none.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from ..models import DataRevision

# Parameters that order or cut the list without changing what it holds.
NOT_COUNTED = {"sort", "page"}
# Part of every key: raise it when what a count holds changes shape, so that counts kept by
# the code before a deploy are not read by the code after it.
COUNTS_FORMAT = 1


def remembered(name, query, count, leave_out=(), revision=None):
    """``count()``, or what it gave for the same ``name`` and filters (``query`` less
    ``leave_out``) at this data revision (``revision``, read when not given). A count that gives
    None (it ran out of time) is not kept, so the next reader tries again."""
    seconds = settings.COUNT_CACHE_SECONDS
    if not seconds:
        return count()
    revision = revision or DataRevision.current()
    filters = sorted(
        (parameter, tuple(query.getlist(parameter)))
        for parameter in query
        if parameter not in NOT_COUNTED and parameter not in leave_out
    )
    digest = hashlib.sha256(repr((name, filters)).encode()).hexdigest()
    key = f"count:{COUNTS_FORMAT}:{revision.number}:{digest}"
    value = cache.get(key)
    if value is None:
        value = count()
        if value is not None:
            cache.set(key, value, seconds)
    return value


class RememberedCountPaginator(Paginator):
    """A paginator whose total is ``remembered()`` for the filters of ``query``."""

    def __init__(self, object_list, per_page, *, query, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.query = query

    @cached_property
    def count(self):
        return remembered("total", self.query, self.object_list.count)
