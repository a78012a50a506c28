"""Pictures of the data: money by theme, lead body, kind and type of amount; the timeline.

Sums are computed in the database; this module only lays the bars out. The SVG is drawn by the
templates from the coordinates worked out here, and each chart has a table of the same numbers.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, F, Q, Sum
from django.http import QueryDict
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ..caching import cached_by_revision
from ..models import (
    AmountType,
    Budget,
    Measure,
    MeasureKind,
    MeasureLink,
    Theme,
    in_language,
    is_english,
    with_years,
)
from ..money import format_amount

# Bars are drawn in percent of the longest (funding) or of the axis (timeline); a tiny amount
# or a short period still shows as a sliver.
MINIMUM_PERCENT = 0.5


@dataclass
class Bar:
    """One group of measures: its label, money, how many measures, and its bar's length."""

    key: str  # the slug or choice value of the group; empty for "none stated"
    label: str
    total_hkd: int
    measure_count: int
    list_url: str = ""
    shared_hkd: int = 0  # of total_hkd, the money of measures counted under other bars too
    percent: float = 0  # the bar's length, as a share of the longest
    shared_text: str = ""
    amount_text: str = ""


@dataclass
class BarChart:
    """A horizontal bar chart: bars with money only, largest first."""

    slug: str
    title: str
    bars: list[Bar]
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.bars = [bar for bar in self.bars if bar.total_hkd]
        self.bars.sort(key=lambda bar: (-bar.total_hkd, bar.label))
        if len(self.bars) > BARS_SHOWN:
            shown, rest = self.bars[: BARS_SHOWN - 1], self.bars[BARS_SHOWN - 1 :]
            self.bars = [*shown, others_bar(rest)]
        largest = max((bar.total_hkd for bar in self.bars), default=0)
        language = get_language()
        for bar in self.bars:
            bar.amount_text = format_amount(bar.total_hkd, language)
            bar.percent = max(MINIMUM_PERCENT, round(bar.total_hkd / largest * 100, 2))
            if bar.shared_hkd:
                bar.shared_text = format_amount(bar.shared_hkd, language)

    @property
    def total_hkd(self):
        return sum(bar.total_hkd for bar in self.bars)


# A chart shows the largest groups and one bar for the rest together, so a page stays readable
# (and small) with thousands of bodies.
BARS_SHOWN = 20


def others_bar(bars):
    count = len(bars)
    return Bar(
        key="others",
        label=ngettext("%(count)s other, together", "%(count)s others, together", count)
        % {"count": f"{count:,}"},
        total_hkd=sum(bar.total_hkd for bar in bars),
        measure_count=sum(bar.measure_count for bar in bars),
    )


def list_url(**parameters):
    query = QueryDict(mutable=True)
    query.update(parameters)
    return f"{reverse('measures:measure-list')}?{query.urlencode()}"


def money_list_url(**parameters):
    """The list of today's Budget's measures a funding bar counts."""
    return list_url(budget=Budget.current(), **parameters)


def localized_name(row, prefix):
    """The name of a ``values()`` row in the page's language, the other one if it is empty."""
    return in_language(row[f"{prefix}name_zh"], row[f"{prefix}name_en"])


def money_by_theme():
    themes = Theme.objects.filter(measures_with_amount__gt=0)
    bars = [
        Bar(
            key=theme.slug,
            label=theme.name,
            total_hkd=theme.total_amount_hkd,
            measure_count=theme.measures_with_amount,
            list_url=money_list_url(theme=theme.slug),
            shared_hkd=theme.shared_amount_hkd or 0,
        )
        for theme in themes
    ]
    no_theme = Measure.objects.of_budget().with_amount().filter(themes__isnull=True)
    bars += unassigned_bar(no_theme, _("No theme stated"))
    return BarChart(
        "theme",
        _("Money by theme"),
        bars,
        notes=[
            _(
                "A measure that serves several themes counts in full under each of them, so "
                "these bars add up to more than the money stated; each bar says how much of "
                "its money is also counted under other themes."
            )
        ],
    )


def money_by_lead_body():
    bodies = (
        MeasureLink.objects.leading()
        .filter(measure__amount_hkd__isnull=False, measure__budget=Budget.current())
        .values("record__slug", "record__name_zh", "record__name_en")
        .annotate(total=Sum("measure__amount_hkd"), measures_with_amount=Count("measure"))
    )
    bars = [
        Bar(
            key=body["record__slug"],
            label=localized_name(body, "record__"),
            total_hkd=body["total"],
            measure_count=body["measures_with_amount"],
            list_url=money_list_url(bureau=body["record__slug"]),
        )
        for body in bodies
    ]
    without_lead = Measure.objects.of_budget().with_amount().without_lead_body()
    bars += unassigned_bar(without_lead, _("No bureau or department named"))
    return BarChart(
        "lead-body",
        _("Money by lead body"),
        bars,
        notes=[
            _(
                "A measure’s lead body is the body listed under “Bureaux and departments” (a "
                "bureau, department or public body) that the source says leads it; where none "
                "is said to lead it, the one that funds it. Measures naming neither (one paid "
                "from a fund or scheme that no such body is named beside, for instance) are "
                "counted under “No bureau or department named”. A measure with two lead bodies "
                "counts under each."
            )
        ],
    )


def unassigned_bar(measures, label):
    totals = measures.aggregate(total=Sum("amount_hkd"), count=Count("pk"))
    if not totals["total"]:
        return []
    return [Bar(key="", label=label, total_hkd=totals["total"], measure_count=totals["count"])]


def money_by_choice(field_name, choices, title, notes=(), filterable=False):
    """Money by the value of a choice field; ``filterable`` when the list has that filter."""
    rows = (
        Measure.objects.of_budget()
        .with_amount()
        .order_by()
        .values(field_name)
        .annotate(total=Sum("amount_hkd"), measures_with_amount=Count("pk"))
    )
    labels = dict(choices)
    bars = [
        Bar(
            key=row[field_name],
            label=str(labels.get(row[field_name], row[field_name])),
            total_hkd=row["total"],
            measure_count=row["measures_with_amount"],
            list_url=money_list_url(**{field_name: row[field_name]}) if filterable else "",
        )
        for row in rows
    ]
    return BarChart(field_name.replace("_", "-"), title, bars, notes=list(notes))


def funding_charts():
    return [
        money_by_theme(),
        money_by_lead_body(),
        money_by_choice(
            "kind", MeasureKind.choices, _("Money by kind of measure"), filterable=True
        ),
        money_by_choice(
            "amount_type",
            AmountType.choices,
            _("Money by what the amount is"),
            notes=[
                _(
                    "New money, earmarked money and the size of schemes that already exist are "
                    "different things; the totals on this page add them up as stated."
                )
            ],
        ),
    ]


@method_decorator(cached_by_revision, name="dispatch")
class FundingView(TemplateView):
    """Where the money goes, as bar charts with a table of the same numbers beside each."""

    template_name = "measures/funding.html"

    def get_context_data(self, **kwargs):
        totals = Measure.objects.of_budget().aggregate(
            measure_count=Count("pk"),
            total_hkd=Sum("amount_hkd"),
            with_amount=Count("amount_hkd"),
        )
        totals["without_amount"] = totals["measure_count"] - totals["with_amount"]
        earlier = (
            Measure.objects.of_earlier_budgets()
            .with_amount()
            .order_by("budget", "-amount_hkd", "pk")
        )
        return super().get_context_data(
            **kwargs,
            charts=funding_charts(),
            totals=totals,
            money_by_amount_type=Measure.objects.of_budget().money_by_amount_type(),
            budget=Budget.current(),
            earlier_commitments=earlier,
        )


# The timeline ------------------------------------------------------------------------------------


# A period of the timeline with this many measures or fewer lists them; a larger one links to them.
MEASURES_PER_PERIOD = 50
# The timeline lists at most this many measures in all (the earliest periods first); the other
# periods link to their measures, so the page stays readable however many periods there are.
MEASURES_LISTED = 500
# At most this many year gridlines on the timeline.
MAXIMUM_TICKS = 12


def measures_text(count):
    """The words for ``count`` measures ("12 measures"), in the page's language."""
    return ngettext("%(counter)s measure", "%(counter)s measures", count) % {"counter": count}


@dataclass
class Period:
    """Measures stated to start in the same period: how many, and the first few by name."""

    starts_on: datetime.date | None
    ends_on: datetime.date | None
    measure_count: int = 0
    wordings: dict = field(default_factory=dict)  # {(timing_zh, timing_en): None}, in order
    measures: list = field(default_factory=list)
    x_percent: float = 0  # where its bar starts on the axis
    width_percent: float = 0
    # Another dated period is worded the same: the label adds the years, as it does to a wording
    # that names no year (下半年, 「年內」).
    shares_wording: bool = False

    @property
    def timings(self):
        """The period as the sources state it, in the page's language, each wording once."""
        return list(dict.fromkeys(filter(None, (in_language(*pair) for pair in self.wordings))))

    @property
    def more_count(self):
        """How many of its measures are not listed (all of them, or none)."""
        return self.measure_count - len(self.measures)

    @cached_property
    def list_url(self):
        """The list of measures starting in this period's year (the list filters by year)."""
        return list_url(start_year=self.starts_on.year) if self.starts_on else ""

    @property
    def link(self):
        """Where its bar leads: its one measure, or the measures starting in its year."""
        if self.measure_count == 1 and self.measures:
            return self.measures[0].get_absolute_url()
        return self.list_url

    @property
    def label(self):
        label = " / ".join(self.timings)
        if self.starts_on:
            return with_years(label, self.years, always=self.shares_wording)
        return label

    @property
    def count_text(self):
        """How many measures it has ("12 measures"), in the page's language."""
        return measures_text(self.measure_count)

    @property
    def dates_text(self):
        """Its stated dates ("2026-03 to 2027-12"), or "" for an undated period."""
        if not self.starts_on:
            return ""
        start = self.starts_on.strftime("%Y-%m")
        if self.ends_on:
            return _("%(start)s to %(end)s") % {
                "start": start,
                "end": self.ends_on.strftime("%Y-%m"),
            }
        return _("from %(start)s, no end stated") % {"start": start}

    @property
    def more_text(self):
        """What stands for the measures it does not list."""
        if not self.list_url:
            return measures_text(self.more_count)
        return ngettext(
            "%(counter)s measure: see the measures starting that year",
            "%(counter)s measures: see the measures starting that year",
            self.more_count,
        ) % {"counter": self.more_count}

    @property
    def years(self):
        """The year it starts in, or its first and last years."""
        first, last = self.starts_on.year, (self.ends_on or self.starts_on).year
        return f"{first}–{last}" if last != first else str(first)

    @property
    def is_open_ended(self):
        return self.starts_on is not None and self.ends_on is None


@dataclass
class YearTick:
    """A year line of the timeline's axis."""

    label: str
    x_percent: float


def new_year(year):
    """The ordinal (as ``date.toordinal()`` counts) of 1 January of ``year``, for any year."""
    before = year - 1
    return 365 * before + before // 4 - before // 100 + before // 400 + 1


@dataclass
class Timeline:
    """Periods laid out on a year axis, with the groups that have no dates."""

    periods: list[Period]
    undated: list[Period]
    untimed: Period | None
    ticks: list[YearTick] = field(default_factory=list)

    @property
    def groups(self):
        """Every group for the list: dated periods, then undated, then "no timing stated"."""
        return [*self.periods, *self.undated, *([self.untimed] if self.untimed else [])]

    def __post_init__(self):
        if not self.periods:
            return
        first_year = min(period.starts_on.year for period in self.periods)
        last_year = max((period.ends_on or period.starts_on).year for period in self.periods) + 1
        # Days as ordinals (``date.toordinal()``), so that the axis may end after year 9999.
        start = new_year(first_year)
        span = new_year(last_year + 1) - start

        def percent_of(day):
            return round((day - start) / span * 100, 2)

        # A gridline every year, or every few years over a long span (every bar shows them).
        step = -(-(last_year + 1 - first_year) // MAXIMUM_TICKS)
        self.ticks = [
            YearTick(str(year), percent_of(new_year(year)))
            for year in range(first_year, last_year + 1, step)
        ]
        for period in self.periods:
            period.x_percent = percent_of(period.starts_on.toordinal())
            # ends_on is the last day of the period: its bar reaches the start of the next day.
            end = period.ends_on.toordinal() + 1 if period.ends_on else new_year(last_year + 1)
            period.width_percent = max(
                MINIMUM_PERCENT, round(percent_of(end) - period.x_percent, 2)
            )


def measure_timeline():
    """Measures grouped by stated start period, earliest first; then undated, then untimed.

    Two queries whatever the number of measures: the periods with their sizes and wordings,
    then the measures of the periods small enough to list (``MEASURES_PER_PERIOD`` or fewer);
    a larger period links to the list of the measures starting in its year.
    """
    name_field = "name_en" if is_english() else "name_zh"
    groups = {}
    periods = (
        Measure.objects.values_list("starts_on", "ends_on", "timing_zh", "timing_en")
        .annotate(n=Count("*"))  # COUNT(*): the period index alone answers (measure_period_idx)
        .order_by(F("starts_on").asc(nulls_last=True), F("ends_on").asc(nulls_last=True))
    )
    listed, listed_count = Q(pk__in=[]), 0
    for starts_on, ends_on, timing_zh, timing_en, n in periods:
        key = period_key(starts_on, ends_on, timing_zh, timing_en)
        period = groups.setdefault(key, Period(starts_on, ends_on))
        period.measure_count += n
        period.wordings[timing_zh, timing_en] = None
    for key, period in groups.items():
        count = period.measure_count
        if count <= MEASURES_PER_PERIOD and listed_count + count <= MEASURES_LISTED:
            listed |= period_condition(key)
            listed_count += count
    for measure in Measure.objects.filter(listed).order_by(name_field, "pk"):
        key = period_key(measure.starts_on, measure.ends_on, measure.timing_zh, measure.timing_en)
        groups[key].measures.append(measure)
    dated = [period for key, period in groups.items() if key[0] == "dated"]
    wordings = Counter(period.label for period in dated)
    for period in dated:
        period.shares_wording = wordings[period.label] > 1
    undated = [period for key, period in groups.items() if key[0] == "undated"]
    untimed = groups.get(("untimed",))
    return Timeline(periods=dated, undated=undated, untimed=untimed)


def period_condition(key):
    """The measures of the period ``key`` (see ``period_key``)."""
    if key[0] == "dated":
        return Q(starts_on=key[1], ends_on=key[2])
    if key[0] == "undated":
        return Q(starts_on__isnull=True, timing_zh=key[1], timing_en=key[2])
    return Q(starts_on__isnull=True, timing_zh="", timing_en="")


def period_key(starts_on, ends_on, timing_zh, timing_en):
    """Dated measures group by their dates; undated ones by their wording; then the rest."""
    if starts_on:
        return ("dated", starts_on, ends_on)
    if timing_zh or timing_en:
        return ("undated", timing_zh, timing_en)
    return ("untimed",)


@method_decorator(cached_by_revision, name="dispatch")
class TimelineView(TemplateView):
    """When the measures start, grouped by the period the sources state."""

    template_name = "measures/timeline.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, timeline=measure_timeline())
