"""Who is trying to log in, as django-axes records it for its lock-outs.

- ``client_address``: behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each appending the address
  it was connected from to ``X-Forwarded-For``, the client is the entry that many places from the
  right; entries further left were sent by the client and can be anything.
- ``recorded_username``: the user name typed, cut to what a user name can be (150 characters),
  so a longer one is a failed login like any other rather than too long for axes' column.
"""

import ipaddress

from django.conf import settings

USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username


def client_address(request):
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if not count:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped the outer ones; the leftmost entry is
    # then the address the first proxy it reached saw.
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def recorded_username(request, credentials=None):
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    if isinstance(username, str):
        return username[:USERNAME_MAX_LENGTH]
    return username
