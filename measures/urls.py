from django.urls import path

from . import api, charts, exports, views
from .models import LINKED_RECORD_MODELS

app_name = "measures"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("measures/", views.MeasureListView.as_view(), name="measure-list"),
    path("measures/<slug:slug>/", views.MeasureDetailView.as_view(), name="measure-detail"),
    path("themes/", views.ThemeListView.as_view(), name="theme-list"),
]

for record_type, model in LINKED_RECORD_MODELS.items():
    urlpatterns += [
        path(
            f"{model.url_segment}/",
            views.RecordListView.as_view(model=model),
            name=f"{record_type}-list",
        ),
        path(
            f"{model.url_segment}/<slug:slug>/",
            views.RecordDetailView.as_view(model=model),
            name=f"{record_type}-detail",
        ),
    ]

# Open data: the JSON API, downloads, and pictures of the money and the timeline.
urlpatterns += [
    path("api/", api.ApiDocsView.as_view(), name="api-docs"),
    path("api/openapi.json", api.ApiSchemaView.as_view(), name="api-schema"),
    path("api/measures/", api.MeasureList.as_view(), name="api-measure-list"),
    path("api/measures/<slug:slug>/", api.MeasureDetail.as_view(), name="api-measure-detail"),
    path("api/themes/", api.ThemeList.as_view(), name="api-theme-list"),
    path("measures.csv", exports.measure_csv, name="measure-csv"),
    path("measures.json", exports.measure_json, name="measure-json-export"),
    path("data/", exports.DataView.as_view(), name="data"),
    path(f"data/{exports.FILE_PREFIX}.json", exports.full_json, name="data-full-json"),
    path("data/<slug:table>.csv", exports.table_csv, name="data-record-csv"),
    path("funding/", charts.FundingView.as_view(), name="funding"),
    path("timeline/", charts.TimelineView.as_view(), name="timeline"),
]

for record_type, model in LINKED_RECORD_MODELS.items():
    urlpatterns += [
        path(
            f"api/{model.url_segment}/",
            api.LinkedRecordList.as_view(model=model),
            name=f"api-{record_type}-list",
        ),
        path(
            f"api/{model.url_segment}/<slug:slug>/",
            api.LinkedRecordDetail.as_view(model=model),
            name=f"api-{record_type}-detail",
        ),
    ]
