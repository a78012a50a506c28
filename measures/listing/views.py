"""The list of measures (filters, facets, sorting and pages) and every option of a facet."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_filters.views import FilterView

from ..caching import cached_by_revision
from ..models import Measure, in_language
from .counts import RememberedCountPaginator
from .facets import (
    LIMITED_FACETS,
    FacetOption,
    active_filters,
    facet_label,
    facets,
    linked_count_rows,
    toggled,
)
from .filters import MeasureFilter

MEASURES_PER_PAGE = 20


class NearestPage:
    """A list view whose page number past the end or not a number shows the nearest page
    instead of a 404."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


@method_decorator(cached_by_revision, name="dispatch")
class MeasureListView(NearestPage, FilterView):
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

    def get_paginator(self, queryset, per_page, **kwargs):
        return RememberedCountPaginator(queryset, per_page, query=self.request.GET, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET.copy()
        return kwargs

    def get_context_data(self, **kwargs):
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
        page.object_list = page.object_list.with_links()
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            facets=facets(self.filterset),
            active_filters=active_filters(self.filterset, query),
            query_without_page=query.urlencode(),
        )
        return context


@method_decorator(cached_by_revision, name="dispatch")
class FacetOptionsView(TemplateView):
    """Every option of one record or theme facet, for the list's current filters: where "see
    them all" under a facet leads. Each option links to the list with it chosen."""

    template_name = "measures/facet_options.html"
    options_per_page = 100

    def get_context_data(self, **kwargs):
        parameter = self.kwargs["parameter"]
        if parameter not in LIMITED_FACETS:
            raise Http404(_("There is no such filter."))
        query = self.request.GET.copy()
        query.pop("page", None)
        filterset = MeasureFilter(query, queryset=Measure.objects.all())
        selected = set(query.getlist(parameter))
        rows = Paginator(
            linked_count_rows(filterset, parameter, sorted(selected)), self.options_per_page
        )
        page = rows.get_page(self.request.GET.get("page"))
        without_page = dict(query.lists())
        options = [
            FacetOption(
                value=slug,
                label=in_language(name_zh, name_en),
                count=count,
                selected=slug in selected,
                url=(
                    reverse("measures:measure-list") + toggled(without_page, parameter, slug)
                ).rstrip("?"),
            )
            for slug, count, name_zh, name_en in page
        ]
        return super().get_context_data(
            **kwargs,
            label=facet_label(parameter),
            options=options,
            page_obj=page,
            list_url=reverse("measures:measure-list") + (f"?{query.urlencode()}" if query else ""),
            active_filters=active_filters(filterset, query),
        )
