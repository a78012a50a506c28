"""The public pages but the list of measures (see listing/). Query work lives in the models."""

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from .caching import cached_by_revision
from .listing.views import nearest_page
from .models import (
    AMOUNT_TYPE_DEFINITIONS,
    BUDGET_DAYS,
    RECORD_MODELS,
    STATUS_DEFINITIONS,
    AmountType,
    Budget,
    Bureau,
    Development,
    Measure,
    MeasureLink,
    MeasureStatus,
    Record,
    Source,
    Theme,
    renamed_object,
)


class FormerSlugsRedirect:
    """A detail page or API answer asked for by a slug its object had before an editor changed
    it redirects for good to the object's address now, so that links to the old address and
    citations of it keep working. The change history keeps every slug an object had."""

    redirects_former_slugs = True

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            redirect_to_renamed = renamed_redirect(request, self.get_queryset(), kwargs)
            if redirect_to_renamed is None:
                # In the reader's language (the API shows it), not Django's "No Measure matches".
                name = self.get_queryset().model._meta.verbose_name
                raise Http404(_("There is no %(name)s at this address.") % {"name": name}) from None
        return redirect_to_renamed


def renamed_redirect(request, objects, kwargs):
    """A permanent redirect from the page asked for by the slug ``kwargs["slug"]`` to the same
    page of the object of ``objects`` that had that slug last (its query kept), or None if
    there is no such object."""
    renamed = renamed_object(objects, kwargs["slug"])
    if renamed is None:
        return None
    address = reverse(request.resolver_match.view_name, kwargs={**kwargs, "slug": renamed.slug})
    query = request.META.get("QUERY_STRING")
    return HttpResponsePermanentRedirect(f"{address}?{query}" if query else address)


@method_decorator(cached_by_revision, name="dispatch")
class HomeView(TemplateView):
    template_name = "measures/home.html"

    def get_context_data(self, **kwargs):
        current = Measure.objects.of_budget()
        totals = current.aggregate(
            measure_count=Count("pk"),
            total_amount=Sum("amount_hkd"),
            without_amount=Count("pk", filter=Q(amount_hkd__isnull=True)),
        )
        counts = dict(Record.objects.values_list("type").annotate(n=Count("pk")).order_by())
        record_types = [
            {
                "model": model,
                "label": model._meta.verbose_name_plural,
                "count": counts.get(record_type, 0),
                "url": model.get_list_url(),
            }
            for record_type, model in RECORD_MODELS.items()
        ]
        recently_edited = sorted(
            [
                *Measure.objects.order_by("-updated_at")[:8],
                *Record.objects.order_by("-updated_at")[:8],
            ],
            key=lambda record: record.updated_at,
            reverse=True,
        )[:8]
        return super().get_context_data(
            **kwargs,
            totals=totals,
            money_by_amount_type=current.money_by_amount_type(),
            record_types=record_types,
            bodies=Bureau.objects.most_linked(12),
            themes=Theme.objects.order_by("-measure_count", "name_en"),
            recently_edited=recently_edited,
            largest=current.with_amount().order_by("-amount_hkd")[:5],
            origins=Measure.objects.origins(),
            budget=Budget.current(),
            latest_developments=Development.objects.for_display().newest_first()[:5],
        )


@method_decorator(cached_by_revision, name="dispatch")
class MeasureDetailView(FormerSlugsRedirect, DetailView):
    queryset = Measure.objects.for_display()
    template_name = "measures/measure_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, related=self.object.related_measures())


@method_decorator(cached_by_revision, name="dispatch")
class ThemeListView(ListView):
    template_name = "measures/theme_list.html"
    context_object_name = "themes"

    def get_queryset(self):
        return Theme.objects.order_by("-measure_count", "name_en")


@method_decorator(cached_by_revision, name="dispatch")
class RecordListView(ListView):
    """Every record of one type, with its number of measures and the money they carry."""

    template_name = "measures/record_list.html"
    context_object_name = "records"

    def get_queryset(self):
        return self.model.objects.order_by("-measure_count", "name_en")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            record_types=[(model, model.get_list_url()) for model in RECORD_MODELS.values()],
            filter_parameter=self.model.TYPE,
        )


@method_decorator(cached_by_revision, name="dispatch")
class RecordDetailView(FormerSlugsRedirect, DetailView):
    """One record: what it is, and every measure it takes part in, with its role and money."""

    template_name = "measures/record_detail.html"
    context_object_name = "record"

    measures_per_page = 50

    def get_context_data(self, **kwargs):
        record = self.object
        measures = Measure.objects.linked_to([record]).order_by(
            F("starts_on").asc(nulls_last=True), "name_en", "pk"
        )
        page, page_message = nearest_page(
            Paginator(measures, self.measures_per_page), self.request.GET.get("page")
        )
        roles = {}
        for link in MeasureLink.objects.filter(record=record, measure__in=page.object_list):
            roles.setdefault(link.measure_id, []).append(link)
        query = QueryDict(mutable=True)
        query[record.type] = record.slug
        return super().get_context_data(
            **kwargs,
            page_obj=page,
            page_message=page_message,
            measure_roles=[(measure, roles.get(measure.pk, [])) for measure in page],
            measure_count=record.measure_count,
            total_amount=record.total_amount_hkd,
            filtered_list_query=query.urlencode(),
        )


@method_decorator(cached_by_revision, name="dispatch")
class SourceListView(ListView):
    """Every source, newest first, with the measures and developments it supports."""

    template_name = "measures/source_list.html"
    context_object_name = "sources"

    # Each source lists this many of the measures and developments it supports; the list of
    # measures filtered by the source has them all.
    supports_shown = 20

    def get_queryset(self):
        return Source.objects.with_citation_counts().order_by("-published_on", "slug")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One short query per source (citation_source_idx): a prefetch would number every
        # citation of a source cited by 100,000 measures to keep its first 20 (357 ms).
        for source in context["sources"]:
            source.first_citations = list(
                source.citations.select_related("measure", "development__measure").order_by("pk")[
                    : self.supports_shown
                ]
            )
        return context


@method_decorator(cached_by_revision, name="dispatch")
class AboutView(TemplateView):
    """What the site covers, how it is curated and checked, what its words mean."""

    template_name = "measures/about.html"

    def get_context_data(self, **kwargs):
        example_measure = Measure.objects.order_by("pk").first()
        return super().get_context_data(
            **kwargs,
            example_measure=example_measure,
            example_address=example_measure
            and self.request.build_absolute_uri(example_measure.get_absolute_url()),
            statuses=[
                (value, label, STATUS_DEFINITIONS[value]) for value, label in MeasureStatus.choices
            ],
            amount_types=[
                (value, label, AMOUNT_TYPE_DEFINITIONS[value])
                for value, label in AmountType.choices
            ],
            budgets=[(value, label, BUDGET_DAYS[value]) for value, label in Budget.choices],
            source_count=Source.objects.count(),
            origins=Measure.objects.origins(),
            latest_development=Development.objects.newest_first().first(),
            seed=Source.objects.filter(full_text_held=True).order_by("published_on").first(),
        )


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the hashed file."""
    return redirect(static("favicon.svg"), permanent=True)
