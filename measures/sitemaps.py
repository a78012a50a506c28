"""sitemap.xml: every public page in both languages, each with its alternates and x-default."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import RECORD_MODELS, Measure


class BilingualSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True


class PageSitemap(BilingualSitemap):
    """The pages that are not a record: home, the list, themes, the charts, data and API docs."""

    def items(self):
        names = ["home", "measure-list", "theme-list", "funding", "timeline", "data", "api-docs"]
        names += [f"{record_type}-list" for record_type in RECORD_MODELS]
        return names

    def location(self, item):
        return reverse(f"measures:{item}")


class MeasureSitemap(BilingualSitemap):
    def items(self):
        return Measure.objects.order_by("pk").only("slug", "updated_at")

    def lastmod(self, measure):
        return measure.updated_at


class RecordSitemap(BilingualSitemap):
    """The pages of one kind of record (committees, bureaux and departments ...)."""

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.order_by("pk").only("type", "slug", "updated_at")

    def lastmod(self, record):
        return record.updated_at


SITEMAPS = {
    "pages": PageSitemap,
    "measures": MeasureSitemap,
    **{model.url_segment: RecordSitemap(model) for model in RECORD_MODELS.values()},
}
