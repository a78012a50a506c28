"""What happened to the measures since they were announced: the page of every development."""

from operator import attrgetter

from django.db.models import Count, Q, Value
from django.db.models.functions import TruncMonth
from django.utils.decorators import method_decorator
from django_filters.views import FilterView

from ..caching import cached_by_revision
from ..listing.views import NearestPage, ShortAddress
from ..models import Bureau, Development, Measure, MeasureLink
from .filters import DevelopmentFilter

DEVELOPMENTS_PER_PAGE = 50
# The measure and body menus list this many options (those with the most developments), so
# that they stay usable whatever the number of developments; a measure's own page lists its own.
MENU_LIMIT = 100


def menu(with_developments, selected_slugs):
    """``(listed, total)``: the ``MENU_LIMIT`` options of ``with_developments`` (annotated with
    ``development_count``) with the most, and the selected options (those without developments
    too, so that the menu shows what the list is filtered by), by name; and how many options
    have developments when that is more than are listed (otherwise None)."""
    busiest = with_developments.order_by("-development_count", "pk").values("pk")[:MENU_LIMIT]
    listed = list(with_developments.filter(Q(pk__in=busiest) | Q(slug__in=selected_slugs)))
    if selected_slugs:
        listed += (
            with_developments.model.objects.filter(slug__in=selected_slugs)
            .exclude(pk__in=[option.pk for option in listed])
            .annotate(development_count=Value(0))
        )
    total = with_developments.count()
    return sorted(listed, key=attrgetter("name_en")), total if total > MENU_LIMIT else None


@method_decorator(cached_by_revision, name="dispatch")
class DevelopmentListView(ShortAddress, NearestPage, FilterView):
    """Every development, newest first, filtered by measure, body, month and status change."""

    filterset_class = DevelopmentFilter
    queryset = Development.objects.for_display().newest_first()
    template_name = "measures/development_list.html"
    paginate_by = DEVELOPMENTS_PER_PAGE
    strict = False

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        developments = Development.objects.order_by()
        measures, measures_listed_of = menu(
            Measure.objects.filter(pk__in=developments.values("measure")).annotate(
                development_count=Count("developments")
            ),
            query.getlist("measure"),
        )
        bodies, bodies_listed_of = menu(
            Bureau.objects.filter(
                pk__in=MeasureLink.objects.filter(
                    measure__in=developments.values("measure")
                ).values("record")
            ).annotate(development_count=Count("measures__developments", distinct=True)),
            query.getlist("body"),
        )
        months = (
            developments.annotate(month=TruncMonth("happened_on"))
            .values_list("month", flat=True)
            .distinct()
            .order_by("-month")
        )
        return super().get_context_data(
            **kwargs,
            measures_with_developments=measures,
            measures_listed_of=measures_listed_of,
            bodies=bodies,
            bodies_listed_of=bodies_listed_of,
            menu_limit=MENU_LIMIT,
            months=months,
            query=query,
        )
