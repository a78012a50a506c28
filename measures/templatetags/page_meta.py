"""Addresses a page gives search engines and link previews: its canonical URL and the same page
in each language (absolute, with x-default for readers of neither)."""

from django import template
from django.conf import settings
from django.urls import translate_url

register = template.Library()

# The `hreflang` of each of the site's languages, as the sitemap writes them (case aside).
HREFLANG = {"zh-hant": "zh-Hant", "en": "en"}


@register.simple_tag(takes_context=True)
def page_addresses(context):
    """The canonical address of the page (without its query: a filtered list is the list), its
    alternates, and the address a link preview opens (``shared``: with the page's query, so a
    shared filtered list opens filtered): ``{"canonical": url, "shared": url, "alternates":
    [(hreflang, url), ...]}``.

    ``translate_url`` resolves the path only: no database query, so error pages can use it.
    """
    request = context.get("request")
    if request is None:
        return {"canonical": "", "shared": "", "alternates": []}
    origin = f"{request.scheme}://{request.get_host()}"
    alternates = []
    for code, _name in settings.LANGUAGES:
        alternates.append((HREFLANG.get(code, code), origin + translate_url(request.path, code)))
    default = origin + translate_url(request.path, settings.LANGUAGE_CODE)
    alternates.append(("x-default", default))
    return {
        "canonical": origin + request.path,
        "shared": origin + request.get_full_path(),
        "alternates": alternates,
    }


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """``path`` (e.g. a static file's URL) as an absolute address on this site."""
    request = context.get("request")
    if request is None or "://" in path:
        return path
    return request.build_absolute_uri(path)
