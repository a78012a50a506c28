from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from budget2026.health import healthz
from measures.views import favicon

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
]

urlpatterns += i18n_patterns(
    path("", include("measures.urls")),
    prefix_default_language=False,
)
