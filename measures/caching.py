"""Whole-response caching keyed on the data revision, so an edit is visible on the next request.

Every saved edit raises ``DataRevision.number``; cache keys and ETags include it, so nothing
needs purging: entries of older revisions are simply never asked for again and expire.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language

from .models import DataRevision

CACHED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Vary")


def revision_etag(request, revision):
    """A strong ETag for this URL (host included: API answers hold absolute addresses),
    language and revision of the data."""
    address = request.build_absolute_uri()
    digest = hashlib.sha256(f"{revision.number}|{get_language()}|{address}".encode()).hexdigest()
    digest = digest[:32]
    return f'"{digest}"'


def with_revision_headers(request, response, revision):
    response["ETag"] = revision_etag(request, revision)
    response["Last-Modified"] = http_date(revision.changed_at.timestamp())
    return response


def cached_by_revision(view):
    """Serves GET/HEAD of ``view`` from the cache while the data is unchanged, answers
    ``If-None-Match``/``If-Modified-Since`` with 304, and stores only plain 200 responses."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        revision = DataRevision.current()
        etag = revision_etag(request, revision)
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(revision.changed_at.timestamp())
        )
        if not_modified is not None:
            return not_modified
        key = f"page:{etag.strip(chr(34))}"
        stored = cache.get(key) if settings.PAGE_CACHE_SECONDS else None
        if stored is not None:
            response = HttpResponse(stored["content"], status=200)
            for header, value in stored["headers"].items():
                response[header] = value
            return with_revision_headers(request, response, revision)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if (
            settings.PAGE_CACHE_SECONDS
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            cache.set(
                key,
                {
                    "content": response.content,
                    "headers": {h: response[h] for h in CACHED_HEADERS if h in response},
                },
                settings.PAGE_CACHE_SECONDS,
            )
        if response.status_code == 200:
            with_revision_headers(request, response, revision)
        return response

    return wrapper
