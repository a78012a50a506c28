"""The list of measures (filters, facets, sorting and pages) and every option of a facet."""

import logging

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_filters.views import FilterView

from ..caching import cached_by_revision
from ..models import Measure, in_language
from .counts import OUT_OF_TIME_SECONDS, RememberedCountPaginator
from .facets import (
    FACETS,
    LIMITED_FACETS,
    FacetOption,
    active_filters,
    facet_label,
    facets,
    linked_count_rows,
    toggled,
)
from .filters import MeasureFilter, without_empty_values

MEASURES_PER_PAGE = 20
# A page number this long is shown cut short in the message about it.
ECHOED_PAGE_LENGTH = 20

logger = logging.getLogger(__name__)


def nearest_page(paginator, requested):
    """``(page, message)``: the page numbered ``requested`` (the ``page`` parameter, or None)
    or, when there is no such page, the nearest one (the first for a number below 1 or not a
    number, the last past the end) with a message saying so (otherwise None)."""
    try:
        return paginator.page(requested or 1), None
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(1 if int(requested) < 1 else paginator.num_pages)
    if len(requested) > ECHOED_PAGE_LENGTH:
        requested = requested[:ECHOED_PAGE_LENGTH] + "…"
    message = _("There is no page %(requested)s: showing page %(shown)s of %(total)s.") % {
        "requested": requested,
        "shown": page.number,
        "total": paginator.num_pages,
    }
    return page, message


def current_slugs_redirect(request, filterset):
    """A permanent redirect to the same address with today's slugs when the request filters by a
    record's, theme's or source's slug from before an editor changed it (a link older than the
    change), else None."""
    current = filterset.with_current_slugs()
    if current is None:
        return None
    return HttpResponsePermanentRedirect(f"{request.path}?{current.urlencode()}")


class ShortAddress:
    """A page of filters whose form sends every field, most of them empty: it redirects to the
    address without those, so the address a reader bookmarks or shares says only what they
    chose."""

    def get(self, request, *args, **kwargs):
        query = without_empty_values(request.GET)
        if query != request.GET:
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        return super().get(request, *args, **kwargs)


class NearestPage:
    """A list view whose page number past the end, below 1 or not a number shows the nearest
    page with a message (``page_message``) instead of a 404."""

    page_message = None

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page, self.page_message = nearest_page(paginator, self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_message"] = self.page_message
        return context


class ThenCountResponse(TemplateResponse):
    """A page that, once sent, runs ``after_sending`` (the facet counts it put off, for the
    readers after it). The server calls ``close()`` when the page is sent, the test client at
    the end of the request."""

    after_sending = None

    def close(self):
        try:
            if self.after_sending is not None:
                self.after_sending()
        except Exception:
            # The reader has the page already: a later page puts the counts off again.
            logger.exception(
                "Making the facet counts put off for %s failed", self._request.get_full_path()
            )
        finally:
            super().close()


@method_decorator(cached_by_revision, name="dispatch")
class MeasureListView(ShortAddress, NearestPage, FilterView):
    filterset_class = MeasureFilter
    queryset = Measure.objects.all()
    template_name = "measures/measure_list.html"
    paginate_by = MEASURES_PER_PAGE
    # Invalid filters are shown beside their fields and left out, rather than emptying the list.
    strict = False
    response_class = ThenCountResponse

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset(self.get_filterset_class())
        return current_slugs_redirect(request, filterset) or super().get(request, *args, **kwargs)

    def get_filterset(self, filterset_class):
        """One filterset for the request: ``get()`` reads it before ``FilterView`` does."""
        if not hasattr(self, "filterset"):
            self.filterset = super().get_filterset(filterset_class)
        return self.filterset

    def get_paginator(self, queryset, per_page, **kwargs):
        counted = getattr(self, "counted_facets", None)
        return RememberedCountPaginator(
            queryset,
            per_page,
            query=self.request.GET,
            known_count=counted.total if counted else None,
            **kwargs,
        )

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET.copy()
        return kwargs

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        counted = self.counted_facets
        response.after_sending = counted.count_put_off
        if counted.counts_to_come:
            response.cache_seconds = 0  # the next reader's page may have them
        elif not counted.complete:
            # Counts out of time are tried again after this (counts.py).
            response.cache_seconds = OUT_OF_TIME_SECONDS
        response.complete = counted.complete
        return response

    def get_context_data(self, **kwargs):
        # The facets first: counting them can count the list's total, which the page needs.
        self.counted_facets = facets(self.filterset)
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        page.object_list = page.object_list.with_links()
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            facets=self.counted_facets.facets,
            active_filters=active_filters(self.filterset, query),
            errors_without_control=errors_without_control(self.filterset.form),
            query_without_page=query.urlencode(),
        )
        return context


# The parameters the list's filter panel and sort menu have a control for, where their errors
# are shown.
PARAMETERS_WITH_CONTROLS = {"q", "amount_min", "amount_max", "sort", *FACETS}


def errors_without_control(form):
    """``[(label, messages)]`` for the parameters in error that have no control on the list
    page to show their messages beside (``source``, which a source's page links with)."""
    return [
        (form.fields[name].label, messages)
        for name, messages in form.errors.items()
        if name in form.fields and name not in PARAMETERS_WITH_CONTROLS
    ]


@method_decorator(cached_by_revision, name="dispatch")
class FacetOptionsView(ShortAddress, TemplateView):
    """Every option of one record or theme facet, for the list's current filters: where "see
    them all" under a facet leads. Each option links to the list with it chosen."""

    template_name = "measures/facet_options.html"
    options_per_page = 100

    def get(self, request, *args, **kwargs):
        if self.kwargs["parameter"] not in LIMITED_FACETS:
            raise Http404(_("There is no such filter."))
        self.filterset = MeasureFilter(request.GET.copy(), queryset=Measure.objects.all())
        return current_slugs_redirect(request, self.filterset) or super().get(
            request, *args, **kwargs
        )

    def get_context_data(self, **kwargs):
        parameter = self.kwargs["parameter"]
        filterset = self.filterset
        query = filterset.data.copy()
        query.pop("page", None)
        selected = set(query.getlist(parameter))
        rows = Paginator(
            linked_count_rows(filterset, parameter, sorted(selected)), self.options_per_page
        )
        page, page_message = nearest_page(rows, self.request.GET.get("page"))
        filters = active_filters(filterset, query)
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
            page_message=page_message,
            list_url=reverse("measures:measure-list") + (f"?{query.urlencode()}" if query else ""),
            active_filters=[active for active in filters if not active["invalid"]],
            unused_filters=[active for active in filters if active["invalid"]],
        )
