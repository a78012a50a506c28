from django.contrib.admin.apps import AdminConfig


class KnowledgeBaseAdminConfig(AdminConfig):
    default_site = "budget2026.admin_site.KnowledgeBaseAdminSite"
