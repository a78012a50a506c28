"""Every change to a knowledge-base record raises the data revision (see ``DataRevision``)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import DataRevision


def data_changed(sender, **kwargs):
    DataRevision.bump()


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
