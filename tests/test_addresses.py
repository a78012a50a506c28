"""Addresses by slug are those ``reverse()`` gives, in every language and under a script prefix."""

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    include,
    path,
    reverse,
    set_script_prefix,
)
from django.utils import translation

from measures.addresses import slug_address
from measures.models import Measure, Record

pytestmark = pytest.mark.django_db

VIEWS = ["measures:measure-detail", "measures:bureau-detail", "measures:api-measure-detail"]
# The site's pages under another path, for the test that changes ROOT_URLCONF to this module.
urlpatterns = i18n_patterns(
    path("elsewhere/", include("measures.urls")), prefix_default_language=False
)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
@pytest.mark.parametrize("prefix", ["/", "/budget-ai/"])
def test_an_address_by_slug_is_the_one_reverse_gives(language, prefix):
    slugs = [*Measure.objects.values_list("slug", flat=True), "hkma"]
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for view in VIEWS:
                for slug in slugs:
                    assert slug_address(view, slug) == reverse(view, args=[slug])
            assert Record.objects.get(slug="hkma").get_absolute_url().startswith(prefix)
    finally:
        clear_script_prefix()


@pytest.mark.parametrize("slug", ["", "水浸", "a b", "a/b"])
def test_what_is_no_slug_is_refused_as_reverse_refuses_it(slug):
    with pytest.raises(NoReverseMatch):
        slug_address("measures:measure-detail", slug)


def test_another_url_configuration_gives_its_own_addresses():
    assert slug_address("measures:measure-detail", "m") == "/measures/m/"
    with override_settings(ROOT_URLCONF=__name__):
        assert slug_address("measures:measure-detail", "m") == "/elsewhere/measures/m/"
        with translation.override("en"):
            assert slug_address("measures:measure-detail", "m") == "/en/elsewhere/measures/m/"
