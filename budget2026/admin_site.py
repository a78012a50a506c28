"""The editors' admin site: the knowledge base first on its index, the rest after it."""

from django.contrib.admin import AdminSite

FIRST_APPS = ["measures"]


class KnowledgeBaseAdminSite(AdminSite):
    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        return sorted(
            apps,
            key=lambda app: (
                FIRST_APPS.index(app["app_label"]) if app["app_label"] in FIRST_APPS else 99
            ),
        )
