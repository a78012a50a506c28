"""Counts kept per data revision, like whole pages (see caching.py), so that readers who page,
sort or switch language on the same filters share them: a list's total and its facets' counts.

A count is kept under the filters it depends on (the request's canonical query, less the
parameters that change no count) and the data revision, so an edit makes the next reader count
afresh. ``COUNT_CACHE_SECONDS`` bounds how long an unused count stays; 0 keeps none.

A page's facets read their kept counts in one request to the cache and write the new ones in
another (``KeptCounts``): one request per count made a list page wait for 24 answers from the
cache, a fifth of its time under load.

A facet count that ran out of the page's time is kept too, as ``OutOfTime``, for at most
``OUT_OF_TIME_SECONDS``: a later reader asks it again only with more time than it had (see
facets.py), so a count too slow for any reader is not run into its time limit by every one of
them, and one cut off while the machine was busy is tried afresh a few minutes later. Such a
count is made once the page is sent instead, by one page a few minutes (``KeptCounts.claim``).
"""

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import cached_property

from ..models import DataRevision
from .pages import IdsFirstPaginator

# Parameters that order or cut the list without changing what it holds.
NOT_COUNTED = {"sort", "page"}
# Part of every key: raise it when what a count holds changes shape, so that counts kept by
# the code before a deploy are not read by the code after it.
# 2: a single-valued filter given twice is refused; 3: OutOfTime kept; 4: search finds amounts
# as written (20億 no longer finds a 2025 and a 億 apart)
COUNTS_FORMAT = 4
# How long a count that ran out of time is kept as such (at most COUNT_CACHE_SECONDS).
OUT_OF_TIME_SECONDS = 300
# Held by the one page of the site making the counts it put off until it was sent.
COUNTING_ALONE_KEY = "counts:put-off:busy"


@dataclass(frozen=True)
class OutOfTime:
    """Kept in place of a count that ran out of time: the milliseconds it was given."""

    milliseconds: int


def count_key(name, query, leave_out, revision):
    """The cache key of the count ``name`` over the filters of ``query`` less ``leave_out``."""
    filters = sorted(
        (parameter, tuple(query.getlist(parameter)))
        for parameter in query
        if parameter not in NOT_COUNTED and parameter not in leave_out
    )
    digest = hashlib.sha256(repr((name, filters)).encode()).hexdigest()
    return f"count:{COUNTS_FORMAT}:{revision.number}:{digest}"


class KeptCounts:
    """Several counts of one request, kept at the current data revision. ``counts`` names each
    ``{label: (name, leave_out)}``: those kept are read at once, ``get()`` gives one (counting
    it if it was not kept) and ``save()`` keeps the new ones. A count that gives None is not
    kept."""

    def __init__(self, query, counts):
        self.seconds = settings.COUNT_CACHE_SECONDS
        self.keys, self.kept, self.new = {}, {}, {}
        if self.seconds:
            revision = DataRevision.current()
            self.keys = {
                label: count_key(name, query, leave_out, revision)
                for label, (name, leave_out) in counts.items()
            }
            self.kept = cache.get_many(list(self.keys.values()))

    def __contains__(self, label):
        """Whether the count ``label`` is kept (not one that ran out of time)."""
        value = self.kept.get(self.keys.get(label))
        return value is not None and not isinstance(value, OutOfTime)

    def __getitem__(self, label):
        return self.kept[self.keys[label]]

    def time_given(self, label):
        """The milliseconds the count ``label`` was given when it last ran out of time at this
        revision, or 0."""
        value = self.kept.get(self.keys.get(label))
        return value.milliseconds if isinstance(value, OutOfTime) else 0

    @property
    def keeping(self):
        """Whether counts are kept at all (``COUNT_CACHE_SECONDS`` is not 0)."""
        return bool(self.keys)

    def claim(self, labels):
        """Whether this page is the first in ``OUT_OF_TIME_SECONDS`` at this revision to claim
        the counts ``labels`` (named by the first): one addition to the cache, made only where
        the key is absent, so that readers asking at once do not all make the same count."""
        key = self.claim_key(labels)
        seconds = min(self.seconds, OUT_OF_TIME_SECONDS)
        return key is not None and cache.add(key, True, seconds)

    def claimed(self, labels):
        """Whether another page claimed the counts ``labels`` in the last few minutes."""
        key = self.claim_key(labels)
        return key is not None and cache.get(key) is not None

    def claim_key(self, labels):
        key = self.keys.get(labels[0])
        return key and f"{key}:claimed"

    def get(self, label, count):
        """The count ``label``: kept, or ``count()``."""
        if label in self:
            return self[label]
        return self.keep(label, count())

    def keep(self, label, value):
        """Gives back ``value``, the count ``label`` just made (or ``OutOfTime``), and keeps it
        (unless None)."""
        key = self.keys.get(label)
        if key is not None and value is not None:
            self.new[key] = value
        return value

    def save(self):
        counts = {key: value for key, value in self.new.items() if not isinstance(value, OutOfTime)}
        out_of_time = {key: value for key, value in self.new.items() if key not in counts}
        if counts:
            cache.set_many(counts, self.seconds)
        if out_of_time:
            cache.set_many(out_of_time, min(self.seconds, OUT_OF_TIME_SECONDS))
        self.new = {}


@contextmanager
def counting_alone(seconds):
    """Yields whether this page is alone in making counts it put off (then it holds the site's
    one turn for at most ``seconds`` and a second more), so that put-off counts take one
    worker at a time, however many pages put some off."""
    alone = cache.add(COUNTING_ALONE_KEY, True, int(seconds) + 1)
    try:
        yield alone
    finally:
        if alone:
            cache.delete(COUNTING_ALONE_KEY)


def remembered(name, query, count, leave_out=()):
    """``count()``, or what it gave for the same ``name`` and filters (``query`` less
    ``leave_out``) at this data revision."""
    kept = KeptCounts(query, {name: (name, leave_out)})
    value = kept.get(name, count)
    kept.save()
    return value


class RememberedCountPaginator(IdsFirstPaginator):
    """A paginator whose total is ``known_count`` if given (counted with something else), else
    ``remembered()`` for the filters of ``query``."""

    def __init__(self, object_list, per_page, *, query, known_count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.query = query
        self.known_count = known_count

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        return remembered("total", self.query, self.object_list.count)
