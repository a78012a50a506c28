"""What follows a change to the knowledge base.

- Every change raises the data revision (see ``DataRevision``), so caches and ETags follow.
- A change to a measure, its links or its themes, or to the name of a record or theme it links
  to, rewrites that measure's search documents (see ``search.py``), fixture loads included.
- A development saved or deleted sets its measure's status again (``Measure.refresh_status``).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import DataRevision, Development, Measure, MeasureLink, Record, Theme


def data_changed(sender, **kwargs):
    DataRevision.bump()


def measure_saved(sender, instance, **kwargs):
    Measure.objects.filter(pk=instance.pk).refresh_search()


def link_changed(sender, instance, **kwargs):
    Measure.objects.filter(pk=instance.measure_id).refresh_search()


def development_changed(sender, instance, **kwargs):
    measure = Measure.objects.filter(pk=instance.measure_id).first()
    if measure is not None:
        measure.refresh_status()


def themes_changed(sender, instance, action, reverse, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # a theme's measures changed
        Measure.objects.filter(pk__in=pk_set or []).refresh_search()
    else:
        Measure.objects.filter(pk=instance.pk).refresh_search()


def name_saved(sender, instance, **kwargs):
    """A record or theme renamed: the measures linked to it are found by its new name (all of
    them rewritten a chunk at a time, however many there are)."""
    instance.measures.distinct().refresh_search()


def connect(app_config):
    for model in app_config.get_models():
        if model is DataRevision or model.__name__.startswith("Historical"):
            continue
        post_save.connect(
            data_changed, sender=model, dispatch_uid=f"revision-save-{model.__name__}"
        )
        post_delete.connect(
            data_changed, sender=model, dispatch_uid=f"revision-delete-{model.__name__}"
        )
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                data_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"revision-m2m-{model.__name__}-{field.name}",
            )
        if issubclass(model, Record) or model is Theme:
            post_save.connect(name_saved, sender=model, dispatch_uid=f"search-{model.__name__}")
    post_save.connect(measure_saved, sender=Measure, dispatch_uid="search-measure")
    post_save.connect(link_changed, sender=MeasureLink, dispatch_uid="search-link-save")
    post_delete.connect(link_changed, sender=MeasureLink, dispatch_uid="search-link-delete")
    post_save.connect(development_changed, sender=Development, dispatch_uid="status-save")
    post_delete.connect(development_changed, sender=Development, dispatch_uid="status-delete")
    m2m_changed.connect(themes_changed, sender=Measure.themes.through, dispatch_uid="search-themes")
