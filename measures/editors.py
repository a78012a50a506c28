"""The editors group: people who keep the knowledge base right, and nothing more."""

from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "editors"


def ensure_editors_group(sender, using="default", **kwargs):
    """Creates the editors group, allowed to add, change, delete and view every record of this
    app (users, groups and permissions are not theirs). Runs after every ``migrate``, when the
    permissions exist."""
    group, _created = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.using(using).filter(content_type__app_label=sender.label)
    group.permissions.set(permissions)
