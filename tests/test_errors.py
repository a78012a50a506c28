"""Error pages as a reader meets them in production (DEBUG off): in the language of the address,
with the site's header, a search box and a way home."""

import pytest
from django.db import DatabaseError
from django.test import Client, RequestFactory

from budget2026 import errors
from measures import views
from measures.api.views import MeasureList

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


@pytest.mark.parametrize(
    ("path", "lang", "heading", "home", "search_label"),
    [
        ("/no-such-page/", "zh-Hant-HK", "找不到網頁", "/", "搜尋措施"),
        ("/measures/no-such-measure/", "zh-Hant-HK", "找不到網頁", "/", "搜尋措施"),
        ("/en/no-such-page/", "en", "Page not found", "/en/", "Search the measures"),
        ("/en/bureaux/no-such-bureau/", "en", "Page not found", "/en/", "Search the measures"),
    ],
)
def test_a_missing_page_is_the_designed_404_in_its_language(
    client, production, path, lang, heading, home, search_label
):
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert 'class="main-nav"' in page  # the site's header and menu
    assert f'<label for="error-q">{search_label}</label>' in page
    assert f'<a href="{home}">' in page
    # Search engines are told not to keep it; the language switch leads to the other home.
    assert '<meta name="robots" content="noindex">' in page
    other_home = "/" if lang == "en" else "/en/"
    assert f'<a href="{other_home}" hreflang=' in page
    assert "Not Found</h1>" not in page


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/no-such-list/", "這個地址沒有內容。"),
        ("/api/bureaux/not%5Ca%20slug/", "這個地址沒有內容。"),
        ("/en/api/measures/not%5Ca%20slug/", "There is nothing at this address."),
        ("/en/api/bureaux/no-such-bureau/", "There is no bureau or department at this address."),
    ],
)
def test_a_missing_address_in_the_api_answers_json_in_its_language(
    client, production, path, detail
):
    """Whether or not the address could name an object, an API client gets JSON, never the
    HTML page."""
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


def test_the_api_s_own_page_and_the_site_s_other_addresses_keep_the_html_404(client, production):
    for path in ("/api/", "/en/api/"):
        assert client.get(path).status_code == 200
    for path in ("/no-such-page/api/", "/en/apis/", "/en/measures/no-such-measure/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html"), path


@pytest.fixture
def broken_home(monkeypatch):
    def fail(self, **kwargs):
        raise DatabaseError("the database has gone away")

    monkeypatch.setattr(views.HomeView, "get_context_data", fail)


@pytest.mark.parametrize(
    ("path", "lang", "heading", "home"),
    [
        ("/", "zh-Hant-HK", "出現問題", "/"),
        ("/en/", "en", "Something went wrong", "/en/"),
    ],
)
def test_a_failure_is_the_designed_500_in_its_language(
    production, broken_home, path, lang, heading, home
):
    client = Client(raise_request_exception=False)
    response = client.get(path)
    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert 'class="main-nav"' in page
    assert 'role="search"' in page
    assert f'<a href="{home}">' in page


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/measures/", "出現問題：請在幾分鐘後再試。"),
        ("/en/api/measures/", "Something went wrong: please try again in a few minutes."),
    ],
)
def test_a_failure_in_the_api_answers_json_in_its_language(production, monkeypatch, path, detail):
    def fail(self, *args, **kwargs):
        raise DatabaseError("the database has gone away")

    monkeypatch.setattr(MeasureList, "list", fail)
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


def test_the_500_page_needs_no_database(production, django_assert_num_queries):
    request = RequestFactory().get("/en/measures/")
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
