from django.urls import path

from . import views
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
