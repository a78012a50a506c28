from django.urls import path

from . import views
from .api import docs as api_docs
from .api import views as api
from .caching import cached_by_revision
from .charts import views as charts
from .developments.feeds import DevelopmentFeed, MeasureDevelopmentFeed
from .developments.views import DevelopmentListView
from .exports import views as exports
from .listing.views import FacetOptionsView, MeasureListView
from .models import RECORD_MODELS

app_name = "measures"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("measures/", MeasureListView.as_view(), name="measure-list"),
    path(
        "measures/options/<slug:parameter>/",
        FacetOptionsView.as_view(),
        name="facet-options",
    ),
    path("measures/<slug:slug>/", views.MeasureDetailView.as_view(), name="measure-detail"),
    path(
        "measures/<slug:slug>/developments.atom",
        cached_by_revision(MeasureDevelopmentFeed()),
        name="measure-development-feed",
    ),
    path("developments/", DevelopmentListView.as_view(), name="development-list"),
    path("developments.atom", cached_by_revision(DevelopmentFeed()), name="development-feed"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("about/", views.AboutView.as_view(), name="about"),
    path("themes/", views.ThemeListView.as_view(), name="theme-list"),
    # Open data: the JSON API, downloads, and pictures of the money and the timeline.
    path("api/", api_docs.ApiDocsView.as_view(), name="api-docs"),
    path("api/openapi.json", api.ApiSchemaView.as_view(), name="api-schema"),
    path("api/measures/", api.MeasureList.as_view(), name="api-measure-list"),
    path("api/measures/<slug:slug>/", api.MeasureDetail.as_view(), name="api-measure-detail"),
    path("api/themes/", api.ThemeList.as_view(), name="api-theme-list"),
    path("api/developments/", api.DevelopmentList.as_view(), name="api-development-list"),
    path("measures.csv", exports.measure_csv, name="measure-csv"),
    path("measures.json", exports.measure_json, name="measure-json-export"),
    path("data/", exports.DataView.as_view(), name="data"),
    path(f"data/{exports.FILE_PREFIX}.json", exports.full_json, name="data-full-json"),
    path("data/<slug:table>.csv", exports.table_csv, name="data-record-csv"),
    path("funding/", charts.FundingView.as_view(), name="funding"),
    path("timeline/", charts.TimelineView.as_view(), name="timeline"),
]

# Each kind of record: its index and pages, on the site and in the API.
for record_type, model in RECORD_MODELS.items():
    segment = model.url_segment
    urlpatterns += [
        path(f"{segment}/", views.RecordListView.as_view(model=model), name=f"{record_type}-list"),
        path(
            f"{segment}/<slug:slug>/",
            views.RecordDetailView.as_view(model=model),
            name=f"{record_type}-detail",
        ),
        path(
            f"api/{segment}/",
            api.RecordList.as_view(model=model),
            name=f"api-{record_type}-list",
        ),
        path(
            f"api/{segment}/<slug:slug>/",
            api.RecordDetail.as_view(model=model),
            name=f"api-{record_type}-detail",
        ),
    ]
