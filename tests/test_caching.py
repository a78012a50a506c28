"""Repeated pages come from the cache, and an edit shows on the very next request."""

import pytest

from measures.models import DataRevision, Measure

pytestmark = pytest.mark.django_db

DETAIL = "/en/measures/labour-ai-job-matching/"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 3600


@pytest.mark.parametrize("url", [DETAIL, "/en/measures/?kind=public_service", "/", "/bureaux/"])
def test_a_repeated_page_is_served_without_rendering_it_again(
    client, url, django_assert_max_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_max_num_queries(0):  # the data revision is cached too
        second = client.get(url)
    assert second.content == first.content


def test_an_edit_is_visible_on_the_next_request(client):
    assert "Freshly renamed" not in client.get(DETAIL).content.decode()
    measure = Measure.objects.get(slug="labour-ai-job-matching")
    measure.name_en = "Freshly renamed job matching"
    measure.save()
    assert "Freshly renamed job matching" in client.get(DETAIL).content.decode()
    listing = client.get("/en/measures/", {"kind": "public_service"}).content.decode()
    assert "Freshly renamed job matching" in listing


def test_a_link_edit_is_visible_on_the_record_page(client):
    page = client.get("/en/bureaux/labour-department/").content.decode()
    assert "labour-ai-job-matching" in page
    Measure.objects.get(slug="labour-ai-job-matching").record_links.filter(
        record__type="bureau"
    ).delete()
    assert (
        "labour-ai-job-matching"
        not in client.get("/en/bureaux/labour-department/").content.decode()
    )


def test_etag_and_not_modified(client):
    first = client.get(DETAIL)
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(DETAIL, headers={"if-none-match": first["ETag"]}).status_code == 304
    DataRevision.bump()
    again = client.get(DETAIL, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_the_etag_differs_by_language_and_query(client):
    etags = {
        client.get(url)["ETag"]
        for url in [
            DETAIL,
            DETAIL.replace("/en", ""),
            "/en/measures/?kind=research",
            "/en/measures/",
        ]
    }
    assert len(etags) == 4


def test_pages_still_render_when_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "budget2026.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    from django.core.cache import caches

    from budget2026.cache import ForgivingRedisCache

    assert isinstance(caches["default"], ForgivingRedisCache)
    response = client.get(DETAIL)
    assert response.status_code == 200
    assert "Labour Department" in response.content.decode()
