from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from budget2026.health import healthz
from measures.sitemaps import SITEMAPS
from measures.views import favicon

from . import errors

urlpatterns = [
    path(settings.ADMIN_URL_PATH, admin.site.urls),
    # The admin's language switch (set_language, a POST with its CSRF token).
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("robots.txt", errors.robots_txt, name="robots-txt"),
    # An index of one sitemap per kind of page, so each stays under the 50,000-address limit.
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]

urlpatterns += i18n_patterns(
    path("", include("measures.urls")),
    prefix_default_language=False,
)

handler404 = "budget2026.errors.page_not_found"
handler500 = "budget2026.errors.server_error"
