"""Facets and active filters: what the list page shows about its filters.

A facet is a filter's options with how many measures have each. As in Datasette, each facet
counts the measures matching every *other* active filter (so a reader sees what choosing an
option alone would give; options of one filter combine with OR). A record, theme or year facet
is one ``GROUP BY``, most frequent first; record and theme facets list the ``OPTION_LIMIT``
most frequent, after those selected. Facets not in use count the same measures (those matching
every filter), so they share their passes over them: the choice facets (Budget, kind, status,
amount band: fixed options) share one aggregate, a filtered ``COUNT`` per option, and the record
facets but the departments' (counted first, on their own) share one ``GROUP BY`` over the
links, ranked within each type of record.

Also as in Datasette, counting has a time limit (``settings.FACET_TIME_BUDGET_MS`` for the
page, PostgreSQL only): a facet whose count runs out of time shows the options it can without
counts (every kind, status and amount band; the selected records), and says so. Counts are
kept per data revision for the filters they depend on (counts.py), and so, for a few minutes,
is a count that ran out of time, with the time it had: a later reader asks it again only with
``RETRY_MARGIN`` times as much time left. A count out of time for a reader and an earlier one
(asked again and cut off again, or not asked for lack of time) is put off: made once that
reader's page is sent, with more time (``put_off_budget_ms()``), and kept, so that the readers
after them have it. A page missing counts that may still come is not kept in the page cache,
one missing others only for as long as they are known to be out of time.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When, Window
from django.db.models.functions import ExtractYear, RowNumber
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language

from ..models import (
    RECORD_MODELS,
    Budget,
    MeasureKind,
    MeasureStatus,
    Record,
    Theme,
    list_separator,
)
from ..money import format_amount
from .counts import KeptCounts, OutOfTime, counting_alone
from .filters import AMOUNT_BANDS, RECORD_FILTERS, MeasureFilter

FACETS = [*RECORD_FILTERS, "theme", "budget", "kind", "status", "start_year", "amount"]
# Record and theme facets list this many options (the most frequent), so a list of thousands
# of bodies stays usable; the record-type index pages list them all.
OPTION_LIMIT = 15
LIMITED_FACETS = {*RECORD_FILTERS, "theme"}
# Counted in this order: a facet on a column of the measures costs a few milliseconds even over
# a broad search, one joining the links many times more, so the cheap ones are counted before
# a slow one can spend the page's facet time. The bureaux and departments come next, counted on
# their own (browsing by department is the list's main way in), then the other record facets,
# then the themes.
COUNTING_ORDER = sorted(
    FACETS,
    key=lambda parameter: (
        parameter in LIMITED_FACETS,
        parameter not in RECORD_FILTERS,
        parameter != "bureau",
    ),
)
SINGLE_VALUE_FACETS = {"start_year", "amount"}
# A count that ran out of time is asked again only with this many times the time it had.
RETRY_MARGIN = 1.25
# The time counts put off until a page is sent may take together (see ``count_put_off``), at
# least: ten page budgets if that is more. At 100,000 measures the slowest, the record facets
# over a search matching most measures, took 330-550 ms on a slow 2-core machine.
PUT_OFF_BUDGET_MS = 1000
CHOICES = {"budget": Budget, "kind": MeasureKind, "status": MeasureStatus}
CHOICE_FACETS = [*CHOICES, "amount"]
# How many measures match every filter: the list's total, counted with the choice facets not in
# use (they count those measures), and kept under the name the list's paginator keeps it.
TOTAL = "total"


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    # Where choosing it leads, on the page of every option (the list page's are form inputs).
    url: str = ""

    @property
    def disabled(self):
        """Shown for reading, but choosing it would give no measure."""
        return self.count == 0 and not self.selected


@dataclass
class Facet:
    parameter: str
    label: str
    options: list[FacetOption] = field(default_factory=list)
    # Where to see every option when only the most frequent are listed.
    all_options_url: str = ""
    # Counting ran out of the page's facet time budget, now or for an earlier reader with as
    # much time: the options have no counts.
    counts_unavailable: bool = False


QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cut off by its time limit


class FacetClock:
    """The facet time budget of one page (``budget_ms``, by default
    ``settings.FACET_TIME_BUDGET_MS``; see the module's docstring). Use it as a context
    manager: on PostgreSQL the counts then run in a transaction (or a savepoint) whose
    ``statement_timeout`` is set to the time left before each count. The counts only read, so
    the transaction is rolled back at the end, which lifts the limit; a count cut off by it
    rolls back the transaction there and the next count starts another."""

    def __init__(self, database, budget_ms=None):
        self.connection = connections[database]
        budget = settings.FACET_TIME_BUDGET_MS if budget_ms is None else budget_ms
        self.limited = budget > 0 and self.connection.vendor == "postgresql"
        self.deadline = time.monotonic() + budget / 1000
        self.transaction = None
        self.last_limit_ms = None  # the time limit of the last count asked

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.transaction is not None:
            self.end_transaction(*exc)

    def end_transaction(self, *exc):
        """Rolls the counts' transaction back. A late cancellation of the last count can make
        that rollback fail: Django then closes the connection (the next query opens another),
        or, inside a transaction of the caller, marks that transaction for rollback."""
        transaction.set_rollback(True, using=self.connection.alias)
        finished, self.transaction = self.transaction, None
        finished.__exit__(*exc)

    def run(self, count):
        """``count()``, or None when the budget ran out before or during it. A count is asked
        with the time left or, once that is spent, a millisecond (so the page may run over the
        budget by a few milliseconds a facet): a page sends the same queries whatever the
        number of measures, and a small count may still finish. (``FacetCounter`` does not ask
        again a count that ran out of time for an earlier reader with about as much time.)"""
        if not self.limited:
            return count()
        try:
            self.limit_to_time_left()
        except OperationalError as error:
            # The cancellation of the count before, when it ended at its limit, can reach the
            # statement after it: start afresh, so that this count is still asked.
            self.end_canceled(error)
            self.limit_to_time_left()
        try:
            return count()
        except OperationalError as error:
            self.end_canceled(error)
            return None

    def run_whole(self, count):
        """``count()`` without a time limit, for a count the page needs whatever it costs (the
        list's total); its time still comes off the budget of the counts after it."""
        if self.transaction is not None:
            self.end_transaction(None, None, None)
        return count()

    def limit_to_time_left(self):
        """Opens the counts' transaction if none is open, and limits its next statement to
        the time left."""
        if self.transaction is None:
            counts = transaction.atomic(using=self.connection.alias)
            counts.__enter__()
            self.transaction = counts
        self.last_limit_ms = self.time_left_ms()
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", [self.last_limit_ms])

    def time_left_ms(self):
        """The milliseconds left of the budget, or one once it is spent."""
        return max(1, int((self.deadline - time.monotonic()) * 1000))

    def end_canceled(self, error):
        """Rolls back the transaction a statement cut off by its time limit left unusable;
        any other error is raised."""
        if getattr(error.__cause__, "sqlstate", None) != QUERY_CANCELED:
            raise error
        self.end_transaction(type(error), error, error.__traceback__)


def unused_record_counts(filterset, parameters):
    """``{parameter: [(slug, count, name_zh, name_en)]}`` for the record facets ``parameters``,
    none of them in use: the ``OPTION_LIMIT`` records of each type linked to most measures
    matching every filter, in one ``GROUP BY`` ranked within each type. On a 2-core machine at
    100,000 measures, all five record facets took 330-550 ms this way over a search matching
    most measures, against 680-910 ms one by one; over one department's measures, 8 against 26
    ms. Over every measure, the counts are those stored on each record."""
    records = Record.objects.filter(type__in=parameters)
    if filterset.valid_data().keys() - {"sort"}:
        matching = filterset.filtered().values("pk")
        counts = records.filter(measures__in=matching).annotate(n=Count("measures", distinct=True))
    else:
        counts = records.filter(measure_count__gt=0).annotate(n=F("measure_count"))
    ranked = counts.annotate(
        rank=Window(
            RowNumber(),
            partition_by=F("type"),
            order_by=[F("n").desc(), F("name_en"), F("pk")],
        )
    ).filter(rank__lte=OPTION_LIMIT)
    rows = {parameter: [] for parameter in parameters}
    for record_type, *row in ranked.order_by("type", "rank").values_list(
        "type", "slug", "n", "name_zh", "name_en"
    ):
        rows[record_type].append(tuple(row))
    return rows


def linked_counts(filterset, parameter, selected_slugs):
    """``[(slug, count, name_zh, name_en)]`` for a record or theme facet: the
    ``OPTION_LIMIT`` records linked to most matching measures, after the selected ones."""
    return list(
        linked_count_rows(filterset, parameter, selected_slugs)[
            : OPTION_LIMIT + len(selected_slugs)
        ]
    )


def linked_count_rows(filterset, parameter, selected_slugs=()):
    """Every option of a record or theme facet as ``(slug, count, name_zh, name_en)`` rows: the
    records linked to the matching measures (each measure counted once), the selected ones
    first, then the most frequent (a query, unevaluated). Over every measure (no other filter),
    the counts are those stored on each record and theme (``measure_count``)."""
    themes = parameter == "theme"
    options = (Theme if themes else RECORD_MODELS[parameter]).objects.all()
    if filterset.valid_data().keys() - {parameter, "sort"}:
        matching = filterset.without(parameter).values("pk")
        # A measure has a theme once (its table holds each pair once), but may link a record
        # in several roles: only a record's count needs DISTINCT, which sorts every link.
        counts = options.filter(measures__in=matching).annotate(
            n=Count("measures", distinct=not themes)
        )
    else:
        counts = options.filter(measure_count__gt=0).annotate(n=F("measure_count"))
    order = ["-n", "name_en", "pk"]
    if selected_slugs:
        selected_first = Case(
            When(slug__in=selected_slugs, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        counts = counts.alias(selected_first=selected_first)
        order.insert(0, "selected_first")
    return counts.order_by(*order).values_list("slug", "n", "name_zh", "name_en")


def option_conditions(parameter):
    """``[(value, condition)]``: every option of a choice facet, and what a measure having it
    matches."""
    if parameter == "amount":
        return [(band.value, band.condition()) for band in AMOUNT_BANDS]
    return [(value, Q(**{parameter: value})) for value in CHOICES[parameter].values]


def choice_counts(measures, parameters, total=False):
    """``{parameter: {value: count}}`` of the choice facets ``parameters`` over ``measures``,
    in one aggregate, with ``TOTAL``: how many ``measures`` there are, if ``total``. At 100,000
    measures, the four over every measure took 25 ms this way against 16 ms each as a
    ``GROUP BY``; over a theme's 9,000, 25 against 20 ms each."""
    options = [
        (parameter, value, condition)
        for parameter in parameters
        for value, condition in option_conditions(parameter)
    ]
    aggregates = {
        f"option_{index}": Count("pk", filter=condition)
        for index, (_, _, condition) in enumerate(options)
    }
    if total:
        aggregates[TOTAL] = Count("pk")
    counted = measures.aggregate(**aggregates)
    counts = {parameter: {} for parameter in parameters}
    for index, (parameter, value, _) in enumerate(options):
        counts[parameter][value] = counted[f"option_{index}"]
    if total:
        counts[TOTAL] = counted[TOTAL]
    return counts


def year_counts(filterset):
    """``{year: count}`` of the start year facet, the years in the order of time."""
    rows = (
        filterset.without("start_year")
        .annotate(year=ExtractYear("starts_on"))
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {str(year): n for year, n in rows if year is not None}


def column_options(facet, counts):
    """``[(value, count, label)]``: every choice of Budget, kind, status and amount band
    (those no measure has with a count of 0), the years in the order of time. Without
    ``counts`` (None: counting ran out of time), the choices with a count of None, and no
    year."""
    if facet == "start_year":
        return [(year, counts[year], year) for year in sorted(counts or {})]
    if facet == "amount":
        choices = [(band.value, band.label) for band in AMOUNT_BANDS]
    else:
        choices = CHOICES[facet].choices
    return [
        (value, None if counts is None else counts.get(value, 0), label) for value, label in choices
    ]


def facet_label(facet):
    if facet in RECORD_MODELS:
        return RECORD_MODELS[facet]._meta.verbose_name
    return MeasureFilter.base_filters[facet].label


def all_options_url(parameter, query):
    """The page of every option of ``parameter``, for the same filters (``query``)."""
    address = reverse("measures:facet-options", args=[parameter])
    pairs = [(key, value) for key, values in query.items() for value in values]
    return f"{address}?{urlencode(pairs)}" if pairs else address


def toggled(query, parameter, value):
    """The query string with ``value`` of ``parameter`` switched on or off (page reset).

    ``query`` is ``{parameter: [values]}`` in the order of the request.
    """
    values = query.get(parameter, [])
    if value in values:
        values = [other for other in values if other != value]
    elif parameter in SINGLE_VALUE_FACETS:
        values = [value]
    else:
        values = [*values, value]
    pairs = [(key, each) for key, chosen in {**query, parameter: values}.items() for each in chosen]
    return f"?{urlencode(pairs)}"


@dataclass
class CountedFacets:
    facets: list[Facet]
    # How many measures match every filter, when counting the facets counted it (else None).
    total: int | None = None
    # Makes the counts put off for this page and keeps them: call it once the page is sent.
    count_put_off: Callable[[], None] | None = None
    # Whether a count missing here may be there for the next reader (it ran out of time now, or
    # is put off): the page is then not one to keep.
    counts_to_come: bool = False

    @property
    def complete(self):
        """Whether every facet has its counts."""
        return not any(facet.counts_unavailable for facet in self.facets)


def facets(filterset):
    """Every facet with its options, counts and toggle links, for the list page."""
    query = filterset.data if isinstance(filterset.data, QueryDict) else QueryDict(mutable=True)
    without_page = {key: values for key, values in query.lists() if key != "page"}
    english = not get_language().lower().startswith("zh")
    kept = KeptCounts(
        query,
        {
            TOTAL: (TOTAL, set()),
            **{parameter: (count_name(filterset, parameter), {parameter}) for parameter in FACETS},
        },
    )
    with FacetClock(filterset.queryset.db) as clock:
        counter = FacetCounter(filterset, clock, kept)
        counted = {parameter: counter.count(parameter) for parameter in COUNTING_ORDER}
    kept.save()
    return CountedFacets(
        [
            facet_of(filterset, parameter, counted[parameter], query, without_page, english)
            for parameter in FACETS
        ],
        counter.choices.get(TOTAL),
        counter.count_put_off if counter.put_off else None,
        counter.counts_to_come,
    )


def put_off_budget_ms():
    """The time the counts put off until a page is sent have together."""
    return max(PUT_OFF_BUDGET_MS, 10 * settings.FACET_TIME_BUDGET_MS)


class FacetCounter:
    """The counts of one page's facets: ``kept`` from an earlier count at this data revision,
    or counted within the time ``clock`` leaves (and kept). ``count(parameter)`` gives a
    facet's counts, or None when counting them ran out of time, now or for an earlier reader
    who had at least the time left now (counts.py keeps that as ``OutOfTime``); such a count
    is put off (``put_off``) until the page is sent (``count_put_off``)."""

    def __init__(self, filterset, clock, kept):
        self.filterset, self.clock, self.kept = filterset, clock, kept
        self.put_off = []
        self.counts_to_come = False
        in_use = filterset.valid_data().keys()
        # The departments are counted on their own, first (see COUNTING_ORDER).
        self.unused_records = [
            parameter
            for parameter in RECORD_FILTERS
            if parameter not in in_use and parameter not in kept and parameter != "bureau"
        ]
        self.choices = self.counted_choices()

    def count(self, parameter):
        if parameter in self.choices:
            return self.choices[parameter]
        if parameter in self.kept:
            return self.kept[parameter]
        if parameter == "start_year":
            counted = self.run([parameter], lambda: {parameter: year_counts(self.filterset)})
        elif parameter in self.unused_records:
            counted = self.unused_record_counts
        else:
            valid = {record.slug for record in chosen_records(self.filterset, parameter)}
            counted = self.run(
                [parameter],
                lambda: {parameter: linked_counts(self.filterset, parameter, valid)},
                whole=self.counts_stored(parameter),
            )
        return self.kept.keep(parameter, counted[parameter])

    def run(self, labels, count, *, whole=False):
        """``count()``, which makes the counts ``labels`` (``{label: counts}``): ``whole``
        (with no time limit; its time still comes off the budget of the counts after it), or
        within the time left. Each label's counts are None when it ran out of time now, or did
        for an earlier reader who gave it about as much time as is left now, or more (then it
        is not asked). A count out of time for this reader and an earlier one is put off until
        the page is sent, if there is more time then."""
        if whole:
            return self.clock.run_whole(count)
        given = max(self.kept.time_given(label) for label in labels)
        ran_out_before = given > 0
        if not (self.clock.limited and given and self.clock.time_left_ms() <= given * RETRY_MARGIN):
            counted = self.clock.run(count)
            if counted is not None:
                return counted
            given = self.clock.last_limit_ms
            for label in labels:
                self.kept.keep(label, OutOfTime(given))
            # A later reader asks it again with more time, or puts it off.
            self.counts_to_come = self.kept.keeping
        if (
            ran_out_before
            and put_off_budget_ms() > given * RETRY_MARGIN
            and not self.kept.claimed(labels)
        ):
            self.put_off.append((labels, count, given))
            self.counts_to_come = True
        return dict.fromkeys(labels)

    def count_put_off(self):
        """Makes the counts put off for this page, with ``put_off_budget_ms()`` for them all,
        and keeps them (or that they ran out of that time) for the readers after. One page of
        the site at a time does so (``counting_alone``), and only one a few minutes makes a
        given count (``KeptCounts.claim``), however many readers ask for it at once; a count
        that has no more time left than it had before is left to a later page."""
        put_off, self.put_off = self.put_off, []
        budget = put_off_budget_ms()
        try:
            with counting_alone(budget / 1000) as alone:
                if not alone:
                    return
                with FacetClock(self.filterset.queryset.db, budget) as clock:
                    for labels, count, given in put_off:
                        if clock.time_left_ms() <= given * RETRY_MARGIN:
                            break
                        if not self.kept.claim(labels):
                            continue
                        counted = clock.run(count)
                        for label in labels:
                            self.kept.keep(
                                label,
                                OutOfTime(clock.last_limit_ms)
                                if counted is None
                                else counted[label],
                            )
        finally:
            self.kept.save()

    @cached_property
    def unused_record_counts(self):
        """The counts of the record facets not in use (nor kept), counted together when the
        first of them is asked for."""
        return self.run(
            self.unused_records,
            lambda: unused_record_counts(self.filterset, self.unused_records),
            whole=self.counts_stored(),
        )

    def counts_stored(self, parameter=None):
        """Whether the counts of a record or theme facet (``parameter``, or those not in use)
        are read from each record: with no other filter in use, they count every measure. That
        reads a row per record, however many measures there are, so it has no time limit."""
        return not self.filterset.valid_data().keys() - {parameter, "sort"}

    def counted_choices(self):
        """``{parameter: {value: count} or None}`` for every choice facet: one aggregate for
        those not in use (they count the same measures, so it counts the list's ``TOTAL`` too,
        unless kept), one for each in use.

        The aggregate that counts the total comes first and has no time limit: the page needs
        its total anyway, and a cut-off aggregate would leave it to count again. At 100,000
        measures, ``q=AI``'s took 85-107 ms, about the whole budget: cut off, the page took
        330 ms."""
        kept = self.kept
        in_use = self.filterset.valid_data().keys()
        same_measures = {None: []}
        for parameter in CHOICE_FACETS:
            shared_by = parameter if parameter in in_use else None
            same_measures.setdefault(shared_by, []).append(parameter)
        counts = {}
        for shared_by, parameters in same_measures.items():
            missing = [parameter for parameter in parameters if parameter not in kept]
            if missing:
                total = shared_by is None and TOTAL not in kept
                measures = self.filterset.without(missing[0])
                counted = self.run(
                    missing, partial(choice_counts, measures, missing, total), whole=total
                )
                for label in [*missing, TOTAL] if total else missing:
                    counts[label] = kept.keep(label, counted[label])
            counts.update(
                {parameter: kept[parameter] for parameter in parameters if parameter in kept}
            )
        if TOTAL in kept:
            counts[TOTAL] = kept[TOTAL]
        return counts


def chosen_records(filterset, parameter):
    """The records or themes of ``parameter`` chosen in the request and found."""
    return filterset.valid_data().get(parameter, [])


def count_name(filterset, parameter):
    """What a facet's counts are kept under, beside the other filters: a record or theme
    facet's depend on which of its options are chosen (they are listed first)."""
    if parameter in LIMITED_FACETS:
        return (parameter, sorted(record.slug for record in chosen_records(filterset, parameter)))
    return parameter


def facet_of(filterset, parameter, counted, query, without_page, english):
    """One facet: its options with their ``counted`` counts (None: counting ran out of time),
    and toggle links."""
    selected = set(query.getlist(parameter))
    unavailable = counted is None
    if parameter in LIMITED_FACETS:
        if unavailable:
            counted = [
                (record.slug, None, record.name_zh, record.name_en)
                for record in chosen_records(filterset, parameter)
            ]
        rows = [
            (slug, n, (name_en or name_zh) if english else (name_zh or name_en))
            for slug, n, name_zh, name_en in counted
        ]
    else:
        rows = column_options(parameter, counted)
    facet = Facet(parameter, facet_label(parameter), counts_unavailable=unavailable)
    for value, count, label in rows:
        facet.options.append(
            FacetOption(
                value=value,
                label=str(label),
                count=count,
                selected=value in selected,
            )
        )
    if parameter in LIMITED_FACETS and len(rows) >= OPTION_LIMIT + len(selected):
        facet.all_options_url = all_options_url(parameter, without_page)
    return facet


def active_filters(filterset, query):
    """Each active filter value with a label and a link that removes just that value."""
    form = filterset.form
    result = []
    for parameter in query:
        if parameter not in filterset.filters:
            continue
        for value in query.getlist(parameter):
            if not value.strip():
                continue
            remaining = query.copy()
            remaining.setlist(parameter, [v for v in query.getlist(parameter) if v != value])
            label = display_value(filterset, parameter, value)
            result.append(
                {
                    "parameter": form.fields[parameter].label,
                    "value": label,
                    "invalid": parameter in form.errors,
                    "remove_url": "?" + remaining.urlencode(),
                }
            )
    return result


def display_value(filterset, parameter, value):
    """A reader's label for one value of a filter parameter."""
    form = filterset.form
    cleaned = None if parameter in form.errors else form.cleaned_data.get(parameter)
    if parameter in RECORD_MODELS or parameter in ("theme", "source"):
        for record in cleaned or []:
            if record.slug == value:
                return record.title if parameter == "source" else record.name
        return value
    choices = getattr(form.fields[parameter], "choices", None)
    if parameter == "sort":  # a comma-separated list of orders, as the API takes
        labels = dict(choices)
        keys = [key for key in value.split(",") if key]
        return list_separator().join(str(labels.get(key, key)) for key in keys)
    if choices:
        return str(dict(choices).get(value, value))
    if parameter in ("amount_min", "amount_max") and cleaned is not None:
        return format_amount(cleaned, get_language())
    return value
