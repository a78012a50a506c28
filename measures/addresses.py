"""The address of a page or API answer named by a slug, as ``reverse()`` gives it, faster.

A page of the API's bureaux lists up to 2,000 measures with two addresses each: reversing each
anew took 90 of its 250 ms (``reverse()`` matches the pattern's converters every time). A view's
address is the same for every slug but the slug itself, so it is reversed once per view,
language, script prefix and URL configuration (the request's, else ``ROOT_URLCONF``) with a
stand-in slug, which each slug then replaces.
"""

import functools
import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# What a slug of this site may be (Django's slug converter); nothing in it needs quoting.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
STAND_IN = "slug-stand-in-0f3a9c"


@functools.lru_cache(maxsize=512)
def address_with_stand_in(view_name, language, script_prefix, urlconf):
    return reverse(view_name, args=[STAND_IN], urlconf=urlconf)


def slug_address(view_name, slug):
    """``reverse(view_name, args=[slug])`` for a view whose one argument is a slug."""
    if not SLUG.fullmatch(slug or ""):
        return reverse(view_name, args=[slug])  # raises NoReverseMatch as it would
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pattern = address_with_stand_in(view_name, get_language(), get_script_prefix(), urlconf)
    return pattern.replace(STAND_IN, slug)
