"""The public pages. Query work lives in the models, the FilterSet and the facets module."""

from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, F, Q, Sum
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from .caching import cached_by_revision
from .facets import active_filters, facets
from .filters import MeasureFilter
from .models import (
    LINK_MODELS,
    LINKED_RECORD_MODELS,
    Measure,
    Theme,
    attach_links,
)

MEASURES_PER_PAGE = 20


@method_decorator(cached_by_revision, name="dispatch")
class HomeView(TemplateView):
    template_name = "measures/home.html"

    def get_context_data(self, **kwargs):
        totals = Measure.objects.aggregate(
            measure_count=Count("pk"),
            total_amount=Sum("amount_hkd"),
            without_amount=Count("pk", filter=Q(amount_hkd__isnull=True)),
        )
        record_types = [
            {
                "model": model,
                "label": model._meta.verbose_name_plural,
                "count": model.objects.count(),
                "url": model.get_list_url(),
            }
            for model in LINKED_RECORD_MODELS.values()
        ]
        bureau_model = LINKED_RECORD_MODELS["bureau"]
        recently_edited = sorted(
            [
                *Measure.objects.order_by("-updated_at")[:6],
                *(
                    record
                    for model in LINKED_RECORD_MODELS.values()
                    for record in model.objects.order_by("-updated_at")[:6]
                ),
            ],
            key=lambda record: record.updated_at,
            reverse=True,
        )[:8]
        return super().get_context_data(
            **kwargs,
            totals=totals,
            record_types=record_types,
            bodies=bureau_model.objects.most_linked(12),
            themes=Theme.objects.annotate(measure_count=Count("measures")).order_by(
                "-measure_count", "name_en"
            ),
            recently_edited=recently_edited,
            largest=Measure.objects.with_amount().order_by("-amount_hkd")[:5],
        )


class CountedPaginator(Paginator):
    """A paginator for a list whose length is already known: it makes no COUNT query."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # Paginator.count is a cached property: this is its value.


@method_decorator(cached_by_revision, name="dispatch")
class MeasureListView(FilterView):
    filterset_class = MeasureFilter
    queryset = Measure.objects.all()
    template_name = "measures/measure_list.html"
    paginate_by = MEASURES_PER_PAGE
    # Invalid filters are shown beside their fields and left out, rather than emptying the list.
    strict = False

    def get(self, request, *args, **kwargs):
        # A submitted filter form sends every field, most of them empty: drop those, so the
        # address a reader bookmarks or shares says only what they chose.
        query = request.GET.copy()
        for parameter in list(query):
            values = [value for value in query.getlist(parameter) if value != ""]
            if values:
                query.setlist(parameter, values)
            else:
                del query[parameter]
        if query != request.GET:
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        """Like ListView's, but a page number past the end or not a number shows the nearest
        page (with a message) instead of a 404.

        The list's length comes with the facets, instead of a COUNT query of its own; when
        the filters leave a few measures, the page is read by their ids.
        """
        ids = self.filterset.few_matching_ids()
        if ids is not None:
            queryset = self.filterset.sorted(self.queryset.filter(pk__in=ids))
        paginator = CountedPaginator(queryset, page_size, count=self.matching)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET.copy()
        return kwargs

    def get_context_data(self, **kwargs):
        self.facets, self.matching = facets(self.filterset)
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        requested = self.request.GET.get("page")
        if requested and str(page.number) != requested:
            context["page_message"] = _(
                "There is no page %(requested)s: showing page %(shown)s of %(total)s."
            ) % {
                "requested": requested[:20],
                "shown": page.number,
                "total": page.paginator.num_pages,
            }
        page.object_list = attach_links(page.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            facets=self.facets,
            active_filters=active_filters(self.filterset, query),
            query_without_page=query.urlencode(),
        )
        return context


@method_decorator(cached_by_revision, name="dispatch")
class MeasureDetailView(DetailView):
    queryset = Measure.objects.for_display()
    template_name = "measures/measure_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, related=self.object.related_measures())


@method_decorator(cached_by_revision, name="dispatch")
class ThemeListView(ListView):
    template_name = "measures/theme_list.html"
    context_object_name = "themes"

    def get_queryset(self):
        return Theme.objects.annotate(
            measure_count=Count("measures"), total_amount_hkd=Sum("measures__amount_hkd")
        ).order_by("-measure_count", "name_en")


@method_decorator(cached_by_revision, name="dispatch")
class RecordListView(ListView):
    """Every record of one type, with its number of measures and the money they carry."""

    template_name = "measures/record_list.html"
    context_object_name = "records"

    def get_queryset(self):
        return self.model.objects.with_measure_totals().order_by("-measure_count", "name_en")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            record_types=[(model, model.get_list_url()) for model in LINKED_RECORD_MODELS.values()],
            filter_parameter=self.model.record_type,
        )


@method_decorator(cached_by_revision, name="dispatch")
class RecordDetailView(DetailView):
    """One record: what it is, and every measure it takes part in, with its role and money."""

    template_name = "measures/record_detail.html"
    context_object_name = "record"

    measures_per_page = 50

    def get_context_data(self, **kwargs):
        record = self.object
        link_model = LINK_MODELS[record.record_type]
        totals = type(record).objects.with_measure_totals().get(pk=record.pk)
        measures = Measure.objects.filter(
            pk__in=link_model.objects.filter(record=record).values("measure_id")
        ).order_by(F("starts_on").asc(nulls_last=True), "name_en", "pk")
        page = Paginator(measures, self.measures_per_page).get_page(self.request.GET.get("page"))
        roles = {}
        for link in link_model.objects.filter(record=record, measure__in=page.object_list):
            roles.setdefault(link.measure_id, []).append(link)
        query = QueryDict(mutable=True)
        query[record.record_type] = record.slug
        return super().get_context_data(
            **kwargs,
            page_obj=page,
            measure_roles=[(measure, roles.get(measure.pk, [])) for measure in page],
            measure_count=totals.measure_count,
            total_amount=totals.total_amount_hkd,
            filtered_list_query=query.urlencode(),
        )


def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the hashed file."""
    return redirect(static("favicon.svg"), permanent=True)
