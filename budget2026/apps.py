from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeBaseAdminConfig(AdminConfig):
    default_site = "budget2026.admin_site.KnowledgeBaseAdminSite"


class LoginThrottlingConfig(AxesAppConfig):
    """django-axes, named in the admin for what it does, in the editor's language."""

    verbose_name = _("Login throttling")
