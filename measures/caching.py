"""Whole-response caching keyed on the data revision, so an edit is visible on the next request.

Every saved edit raises ``DataRevision.number``; cache keys and ETags include it, so nothing
needs purging: entries of older revisions are simply never asked for again and expire.

A page is cached under its **canonical query**: only the parameters its view reads
(``QUERY_PARAMETERS``), sorted by name. The view is handed that query too, so what it shows
never depends on a parameter left out of the key, and junk such as ``utm_source`` can neither
change a page nor add entries to the cache.

Conditional requests (``If-None-Match``, ``If-Modified-Since``) are answered from the response
the request would get, so a 404 or a 400 is never turned into a 304.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed, QueryDict
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from .developments.filters import DevelopmentFilter
from .listing.filters import MeasureFilter
from .models import RECORD_MODELS, DataRevision, Measure

CACHED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Vary")
# Part of every page's key and ETag: raise it when a deploy changes what pages show, so that
# pages rendered by the code before it are neither served nor confirmed (304) after it.
PAGES_FORMAT = 3  # 3: stated numbers say about or nearly; the home says what its lists count
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

FILTERS = tuple(MeasureFilter.base_filters)
DEVELOPMENT_FILTERS = tuple(DevelopmentFilter.base_filters)
API_PAGES = ("page", "page_size")

# The query parameters each page reads, by URL name (in the ``measures`` namespace). A page
# missing here is served uncached and untouched; tests/test_caching.py checks that every URL
# of the app is listed.
QUERY_PARAMETERS = {
    "home": (),
    "measure-list": (*FILTERS, "page"),
    "facet-options": (*FILTERS, "page"),
    "measure-detail": (),
    "measure-development-feed": (),
    "development-list": (*DEVELOPMENT_FILTERS, "page"),
    "development-feed": (),
    "source-list": (),
    "about": (),
    "theme-list": (),
    **{f"{record_type}-list": () for record_type in RECORD_MODELS},
    **{f"{record_type}-detail": ("page",) for record_type in RECORD_MODELS},
    "api-docs": (),
    "api-schema": ("lang",),
    "api-measure-list": (*FILTERS, *API_PAGES),
    "api-measure-detail": (),
    "api-theme-list": API_PAGES,
    "api-development-list": (*DEVELOPMENT_FILTERS, *API_PAGES),
    **{f"api-{record_type}-list": API_PAGES for record_type in RECORD_MODELS},
    **{f"api-{record_type}-detail": () for record_type in RECORD_MODELS},
    "measure-csv": FILTERS,
    "measure-json-export": FILTERS,
    "data": (),
    "data-full-json": (),
    "data-record-csv": (),
    "funding": (),
    "timeline": (),
}


def language_codes():
    return [code for code, _name in settings.LANGUAGES]


# Parameters that take one of a few values: anything else is answered 400, not cached.
PARAMETER_CHOICES = {"lang": language_codes}


def canonical_query(request, names):
    """``(query, errors)``: the request's parameters among ``names``, sorted by name, each with
    its values in the order given; ``errors`` names a value outside ``PARAMETER_CHOICES``."""
    query = QueryDict(mutable=True)
    errors = []
    for name in sorted(set(names) & set(request.GET)):
        values = request.GET.getlist(name)
        if name in PARAMETER_CHOICES:
            choices = PARAMETER_CHOICES[name]()
            values = [value.lower() for value in values]
            errors += [
                f"{name}: {value[:20]!r} is not one of {', '.join(choices)}"
                for value in values
                if value not in choices
            ]
        query.setlist(name, values)
    query._mutable = False
    return query, errors


def shows_filter_errors(names, query):
    """Whether a page reading the list's filters shows ``query`` as invalid (the HTML list
    does so in a 200, beside the fields)."""
    if not set(FILTERS) <= set(names) or not query:
        return False
    return not MeasureFilter(query, queryset=Measure.objects.none()).is_valid()


def is_conditional(request):
    return "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META


def use_query(request, query):
    """Makes ``query`` the request's whole query string, for the view and for every address it
    builds from the request."""
    request.GET = query
    request.META["QUERY_STRING"] = query.urlencode()


def revision_etag(request, revision):
    """A strong ETag for this URL (host included: API answers hold absolute addresses),
    language, revision of the data and format of the pages."""
    address = request.build_absolute_uri()
    language = get_language()
    digest = hashlib.sha256(
        f"{PAGES_FORMAT}|{revision.number}|{language}|{address}".encode()
    ).hexdigest()
    digest = digest[:32]
    return f'"{digest}"'


def with_revision_headers(request, response, revision):
    response["ETag"] = revision_etag(request, revision)
    response["Last-Modified"] = http_date(revision.changed_at.timestamp())
    return response


def options_response():
    response = HttpResponse()
    response["Allow"] = ", ".join(SAFE_METHODS)
    return response


def rendered(view, request, args, kwargs):
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


def page_from_cache(key):
    stored = cache.get(key) if settings.PAGE_CACHE_SECONDS else None
    if stored is None:
        return None
    response = HttpResponse(stored["content"], status=200)
    for header, value in stored["headers"].items():
        response[header] = value
    response.complete = stored.get("complete", True)
    return response


def store_page(key, response):
    """Keeps a plain 200 (not streamed, setting no cookie) for ``PAGE_CACHE_SECONDS``, or for
    the response's ``cache_seconds`` if fewer (0: not kept)."""
    seconds = min(
        settings.PAGE_CACHE_SECONDS, getattr(response, "cache_seconds", settings.PAGE_CACHE_SECONDS)
    )
    if (
        seconds > 0
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
    ):
        headers = {header: response[header] for header in CACHED_HEADERS if header in response}
        stored = {
            "content": response.content,
            "headers": headers,
            "complete": getattr(response, "complete", True),
        }
        cache.set(key, stored, seconds)


def cached_by_revision(view):
    """Serves GET/HEAD of the read-only page ``view`` from the cache while the data is
    unchanged, for its canonical query; answers ``If-None-Match``/``If-Modified-Since`` with
    304 only where the page itself would be a 200; stores only plain 200 responses, and none
    when ``PAGE_CACHE_SECONDS`` is 0; a response may ask to be kept for less
    (``cache_seconds``). A response marked ``complete = False`` (a list whose facets miss
    counts) is given no ETag or Last-Modified, so that no browser keeps it on a 304 once the
    page has them. ``OPTIONS`` is answered with ``Allow`` alone, any other
    method with 405 (the page changes nothing, so no CSRF check stands before that answer)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return options_response()
        if request.method not in SAFE_METHODS:
            return HttpResponseNotAllowed(SAFE_METHODS)
        match = request.resolver_match
        names = QUERY_PARAMETERS.get(match.url_name) if match else None
        if names is None:
            return view(request, *args, **kwargs)
        query, errors = canonical_query(request, names)
        if errors:
            return HttpResponseBadRequest(
                "\n".join(errors) + "\n", content_type="text/plain; charset=utf-8"
            )
        use_query(request, query)

        revision = DataRevision.current()
        key = f"page:{revision_etag(request, revision).strip(chr(34))}"
        response = page_from_cache(key)
        if response is None:
            response = rendered(view, request, args, kwargs)
            store_page(key, response)
        if response.status_code != 200 or not getattr(response, "complete", True):
            return response
        with_revision_headers(request, response, revision)
        if is_conditional(request) and shows_filter_errors(names, query):
            return response  # the page with its errors, never a 304
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=int(revision.changed_at.timestamp()),
            response=response,
        )

    return wrapper
