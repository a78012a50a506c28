"""What follows a change to the knowledge base.

- Every change raises the data revision (see ``DataRevision``), so caches and ETags follow.
- A change to a measure, its links or its themes, or to a record (its names or chair) or theme
  it links to, rewrites that measure's search documents (see ``search.py``), fixture loads included.
- A development saved or deleted sets its measure's status again (``Measure.refresh_status``)
  and rewrites its search documents, which hold the developments' texts.
- A change to a measure, its links or its themes writes again the totals of the records and
  themes it touches (``refresh_totals()``); so does deleting a theme, for its measures' other
  themes.

Inside ``changes_written_at_end()`` (a bulk import), the revision, the search documents and
the totals are written once, at the end, for everything the changes touched.
"""

import threading
from contextlib import contextmanager

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .models import DataRevision, Development, Measure, MeasureLink, Record, Theme

_deferred = threading.local()


@contextmanager
def changes_written_at_end():
    """Collects the measures whose search documents changes touch, the records and themes whose
    totals they touch, and whether anything changed, and writes each once at the end (for
    imports of many rows, where writing them on every row would be slow)."""
    outer = getattr(_deferred, "pending", None)
    pending = _deferred.pending = {
        "measures": set(),
        "records": set(),
        "themes": set(),
        "changed": False,
    }
    try:
        yield
    finally:
        _deferred.pending = outer
    refresh_search(Measure.objects.filter(pk__in=pending["measures"]))
    refresh_totals(pending["records"], pending["themes"])
    if pending["changed"]:
        DataRevision.bump()


def refresh_search(measures):
    """Rewrites the search documents of ``measures`` (a queryset), or notes them for the end."""
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending["measures"].update(measures.values_list("pk", flat=True))
        return
    measures.refresh_search()


def refresh_totals(record_ids=(), theme_ids=()):
    record_ids, theme_ids = set(record_ids) - {None}, set(theme_ids) - {None}
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending["records"] |= record_ids
        pending["themes"] |= theme_ids
        return
    if record_ids:
        Record.objects.filter(pk__in=record_ids).refresh_totals()
    if theme_ids:
        Theme.objects.filter(pk__in=theme_ids).refresh_totals()


def touched_by(measure_ids):
    """``(record ids, theme ids)`` the measures are linked to or serve."""
    records = MeasureLink.objects.filter(measure__in=measure_ids).values_list("record", flat=True)
    themes = Measure.themes.through.objects.filter(measure__in=measure_ids).values_list(
        "theme", flat=True
    )
    return set(records), set(themes)


def measure_totals_changed(sender, instance, **kwargs):
    refresh_totals(*touched_by([instance.pk]))


def measure_deleting(sender, instance, **kwargs):
    instance._touched = touched_by([instance.pk])


def measure_deleted(sender, instance, **kwargs):
    refresh_totals(*getattr(instance, "_touched", ((), ())))


def remembering(field):
    """A pre_save handler keeping the stored value of ``field`` (a foreign key) on the instance
    as ``_<field>_before``, for the post_save handler to update what the row left too."""

    def remember(sender, instance, **kwargs):
        if instance.pk is not None:
            stored = sender._default_manager.filter(pk=instance.pk).values_list(field, flat=True)
            setattr(instance, f"_{field}_before", stored.first())

    return remember


def link_totals_changed(sender, instance, **kwargs):
    refresh_totals({instance.record_id, getattr(instance, "_record_before", None)})


def theme_totals_changed(sender, instance, action, reverse, pk_set=None, **kwargs):
    """Themes added to or removed from measures: those themes, and the other themes of those
    measures (whose money shared with other themes changed), are counted again."""
    if action == "pre_clear":
        if reverse:
            instance._measures_before = set(instance.measures.values_list("pk", flat=True))
        else:
            instance._themes_before = set(instance.themes.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        measure_ids = set(pk_set or ()) | getattr(instance, "_measures_before", set())
        themes = {instance.pk} | touched_by(measure_ids)[1]
    else:
        themes = set(pk_set or ()) | getattr(instance, "_themes_before", set())
        themes |= touched_by([instance.pk])[1]
    refresh_totals((), themes)


def theme_deleting(sender, instance, **kwargs):
    instance._measures_before = set(instance.measures.values_list("pk", flat=True))


def theme_deleted(sender, instance, **kwargs):
    """A theme deleted takes its rows of the measures' themes with it, without m2m_changed: its
    measures are no longer found by its name, and their other themes are counted again."""
    measure_ids = getattr(instance, "_measures_before", set())
    refresh_search(Measure.objects.filter(pk__in=measure_ids))
    refresh_totals((), touched_by(measure_ids)[1])


def data_changed(sender, **kwargs):
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending["changed"] = True
        return
    DataRevision.bump()


def measure_saved(sender, instance, **kwargs):
    refresh_search(Measure.objects.filter(pk=instance.pk))


def link_changed(sender, instance, **kwargs):
    refresh_search(Measure.objects.filter(pk=instance.measure_id))


def development_changed(sender, instance, **kwargs):
    """The development's measure (and the one it was moved from) take their status again, and
    are found by the development's words (or no longer)."""
    moved_from = getattr(instance, "_measure_before", None)
    measures = Measure.objects.filter(pk__in={instance.measure_id, moved_from} - {None})
    for measure in measures:
        measure.refresh_status()
    refresh_search(measures)


def themes_changed(sender, instance, action, reverse, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # a theme's measures changed
        refresh_search(Measure.objects.filter(pk__in=pk_set or []))
    else:
        refresh_search(Measure.objects.filter(pk=instance.pk))


def name_saved(sender, instance, **kwargs):
    """A record or theme saved: the measures linked to it are found by its new name or chair
    (all of them rewritten a chunk at a time, however many there are)."""
    refresh_search(instance.measures.distinct())


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
    post_save.connect(measure_totals_changed, sender=Measure, dispatch_uid="totals-measure")
    pre_delete.connect(measure_deleting, sender=Measure, dispatch_uid="totals-measure-deleting")
    post_delete.connect(measure_deleted, sender=Measure, dispatch_uid="totals-measure-deleted")
    pre_save.connect(
        remembering("record"), sender=MeasureLink, dispatch_uid="link-saving", weak=False
    )
    post_save.connect(link_totals_changed, sender=MeasureLink, dispatch_uid="totals-link-save")
    post_delete.connect(link_totals_changed, sender=MeasureLink, dispatch_uid="totals-link-del")
    m2m_changed.connect(
        theme_totals_changed, sender=Measure.themes.through, dispatch_uid="totals-themes"
    )
    pre_save.connect(
        remembering("measure"), sender=Development, dispatch_uid="development-saving", weak=False
    )
    post_save.connect(development_changed, sender=Development, dispatch_uid="status-save")
    post_delete.connect(development_changed, sender=Development, dispatch_uid="status-delete")
    m2m_changed.connect(themes_changed, sender=Measure.themes.through, dispatch_uid="search-themes")
    pre_delete.connect(theme_deleting, sender=Theme, dispatch_uid="theme-deleting")
    post_delete.connect(theme_deleted, sender=Theme, dispatch_uid="theme-deleted")
