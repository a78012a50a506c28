from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("Budget AI measures")

    def ready(self):
        from . import signals
        from .editors import ensure_editors_group

        post_migrate.connect(ensure_editors_group, sender=self)
        signals.connect(self)
