"""What happened to the measures since they were announced: the page of every development."""

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.decorators import method_decorator
from django_filters.views import FilterView

from ..caching import cached_by_revision
from ..listing.views import NearestPage
from ..models import Bureau, Development, Measure, MeasureLink
from .filters import DevelopmentFilter

DEVELOPMENTS_PER_PAGE = 50


@method_decorator(cached_by_revision, name="dispatch")
class DevelopmentListView(NearestPage, FilterView):
    """Every development, newest first, filtered by measure, body, month and status change."""

    filterset_class = DevelopmentFilter
    queryset = Development.objects.for_display().newest_first()
    template_name = "measures/development_list.html"
    paginate_by = DEVELOPMENTS_PER_PAGE
    strict = False

    def get_context_data(self, **kwargs):
        developments = Development.objects.order_by()
        measures = Measure.objects.filter(pk__in=developments.values("measure")).annotate(
            development_count=Count("developments")
        )
        bodies = Bureau.objects.filter(
            pk__in=MeasureLink.objects.filter(measure__in=developments.values("measure")).values(
                "record"
            )
        ).order_by("name_en")
        months = (
            developments.annotate(month=TruncMonth("happened_on"))
            .values_list("month", flat=True)
            .distinct()
            .order_by("-month")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            **kwargs,
            measures_with_developments=measures.order_by("name_en"),
            bodies=bodies,
            months=months,
            query=query,
        )
