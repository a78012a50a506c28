"""Repeated pages come from the cache, an edit shows on the very next request, and the cache can
neither take the site down nor be filled with junk."""

import logging
import socket
import socketserver
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern

from budget2026.settings import redis_cache
from measures import caching
from measures import urls as measure_urls
from measures.caching import QUERY_PARAMETERS
from measures.listing import counts
from measures.models import DataRevision, Measure

pytestmark = pytest.mark.django_db

DETAIL = "/en/measures/labour-ai-job-matching/"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 3600
    settings.COUNT_CACHE_SECONDS = 3600


def stored_pages():
    """The pages in the (in-process) cache."""
    return [key for key in cache._cache if ":page:" in key]


@pytest.mark.parametrize("url", [DETAIL, "/en/measures/?kind=public_service", "/", "/bureaux/"])
def test_a_repeated_page_is_served_without_rendering_it_again(
    client, url, django_assert_max_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_max_num_queries(0):  # the data revision is cached too
        second = client.get(url)
    assert second.content == first.content


def test_no_page_is_stored_when_page_caching_is_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(DETAIL)
    assert stored_pages() == []
    second = client.get(DETAIL)
    assert second.status_code == 200 and "Labour Department" in second.content.decode()


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


def facet_counts(response):
    return {
        facet.parameter: [(option.value, option.count) for option in facet.options]
        for facet in response.context["facets"]
    }


def test_another_page_or_order_of_the_same_filters_reuses_their_counts(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    first = client.get("/en/measures/", {"kind": "public_service"})
    total = first.context["paginator"].count
    assert total > 0
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/measures/", {"kind": "public_service", "sort": "-amount"})
    # Neither the total nor any facet is counted again: only the page's own rows are read.
    assert [query["sql"] for query in queries if "COUNT(" in query["sql"]] == []
    assert again.context["paginator"].count == total
    assert facet_counts(again) == facet_counts(first)


def test_an_edit_changes_the_counts_on_the_next_request(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    before = client.get("/en/measures/", {"kind": "public_service"})
    kinds = dict(facet_counts(before)["kind"])
    measure = Measure.objects.exclude(kind="public_service").first()
    measure.kind = "public_service"
    measure.save()
    after = client.get("/en/measures/", {"kind": "public_service", "page": "1"})
    assert after.context["paginator"].count == before.context["paginator"].count + 1
    assert dict(facet_counts(after)["kind"])["public_service"] == kinds["public_service"] + 1


def test_no_count_is_kept_when_count_caching_is_off(client, settings):
    settings.COUNT_CACHE_SECONDS = 0
    client.get("/en/measures/", {"kind": "public_service"})
    assert [key for key in cache._cache if ":count:" in key] == []


def test_etag_and_not_modified(client):
    first = client.get(DETAIL)
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(DETAIL, headers={"if-none-match": first["ETag"]}).status_code == 304
    assert (
        client.get(DETAIL, headers={"if-modified-since": first["Last-Modified"]}).status_code == 304
    )
    DataRevision.bump()
    again = client.get(DETAIL, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_pages_and_counts_kept_by_the_code_before_a_deploy_are_not_used_after_it(
    client, monkeypatch
):
    first = client.get("/en/measures/", {"kind": "public_service"})
    assert stored_pages()
    monkeypatch.setattr(caching, "PAGES_FORMAT", caching.PAGES_FORMAT + 1)
    monkeypatch.setattr(counts, "COUNTS_FORMAT", counts.COUNTS_FORMAT + 1)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(
            "/en/measures/", {"kind": "public_service"}, headers={"if-none-match": first["ETag"]}
        )
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert again.context is not None  # rendered afresh, not the page kept before
    assert any("COUNT(" in query["sql"] for query in queries)  # counted afresh too


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


# Cache keys from the canonical query -------------------------------------------------------------


def test_unknown_parameters_neither_change_a_page_nor_add_to_the_cache(
    client, django_assert_max_num_queries
):
    plain = client.get("/en/measures/", {"kind": "research"})
    with django_assert_max_num_queries(0):
        tagged = [
            client.get("/en/measures/", {"kind": "research", "utm_source": f"mail-{n}"})
            for n in range(5)
        ]
    assert {response["ETag"] for response in tagged} == {plain["ETag"]}
    assert tagged[0].content == plain.content
    assert "utm_source" not in plain.content.decode()
    assert len(stored_pages()) == 1


def test_the_order_of_parameters_does_not_matter(client, django_assert_max_num_queries):
    first = client.get("/en/measures/?status=ongoing&kind=research")
    with django_assert_max_num_queries(0):
        second = client.get("/en/measures/?kind=research&status=ongoing&fbclid=x")
    assert second["ETag"] == first["ETag"]
    assert len(stored_pages()) == 1


@pytest.mark.parametrize(
    "url",
    [DETAIL + "?q=anything", "/en/bureaux/?page=2", "/api/measures/labour-ai-job-matching/?kind=x"],
)
def test_parameters_a_page_does_not_read_are_dropped(client, url):
    path = url.split("?")[0]
    assert client.get(url)["ETag"] == client.get(path)["ETag"]
    assert len(stored_pages()) == 1


def test_the_api_pages_keep_their_page_parameters_and_link_the_canonical_query(client):
    first = client.get("/api/measures/", {"page_size": 1, "utm_source": "mail"})
    second = client.get("/api/measures/", {"page_size": 1, "page": 2})
    assert first.json()["results"] != second.json()["results"]
    assert first.json()["next"] == "http://testserver/api/measures/?page=2&page_size=1"


def test_the_openapi_language_must_be_one_of_the_sites(client):
    english = client.get("/api/openapi.json", {"lang": "en"})
    assert english.status_code == 200
    assert client.get("/api/openapi.json", {"lang": "EN"})["ETag"] == english["ETag"]
    for junk in ["xx", "en-junk-1", "zh-hant<script>"]:
        response = client.get("/api/openapi.json", {"lang": junk})
        assert response.status_code == 400
        assert "zh-hant, en" in response.content.decode()
    assert len(stored_pages()) == 1


def test_every_page_of_the_app_lists_the_parameters_it_reads():
    names = {
        pattern.name for pattern in measure_urls.urlpatterns if isinstance(pattern, URLPattern)
    }
    assert names - QUERY_PARAMETERS.keys() == set()


# Conditional requests and OPTIONS ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url, status",
    [
        ("/en/measures/no-such-measure/", 404),
        ("/api/measures/no-such-measure/", 404),
        ("/en/bureaux/no-such-bureau/", 404),
        ("/data/no-such-table.csv", 404),
        ("/api/measures/?kind=magic", 400),
        ("/measures.csv?amount_min=lots", 400),
        ("/measures.json?kind=magic", 400),
    ],
)
def test_a_conditional_request_gets_the_pages_own_error(client, url, status):
    for headers in [
        {"if-none-match": "*"},
        {"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ]:
        assert client.get(url, headers=headers).status_code == status
        assert client.get(url, headers=headers).status_code == status  # and when cached


def test_a_conditional_request_with_a_bad_filter_gets_the_list_with_its_error(client):
    url = "/en/measures/?amount_min=lots"
    assert client.get(url).status_code == 200
    for headers in [
        {"if-none-match": "*"},
        {"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ]:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert "lots" in response.content.decode()


@pytest.mark.parametrize("url", ["/measures.csv", "/measures.json", "/data/measures.csv"])
def test_options_on_a_download_answers_allow_without_the_file(client, url):
    response = client.options(url)
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert b"".join(response) == b""


@pytest.mark.parametrize(
    "url", ["/measures.csv", "/en/measures/", "/api/measures/", "/developments.atom", "/data/"]
)
def test_posting_to_a_read_only_page_is_not_allowed(url):
    # As a browser would post: with the CSRF check, which comes before the view.
    response = Client(enforce_csrf_checks=True).post(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert b"".join(response) == b""


# Redis failures ----------------------------------------------------------------------------------


class MisbehavingRedis(socketserver.ThreadingTCPServer):
    """A Redis on 127.0.0.1 for tests: ``reply(command)`` gives the bytes to answer a command
    with, or None to never answer it. Counts connections and commands."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, reply):
        self.reply = reply
        self.connections = 0
        self.commands = []
        self.sockets = []
        super().__init__(("127.0.0.1", 0), RespHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.server_address[1]}/0"

    def stop(self):
        self.shutdown()
        for sock in self.sockets:
            sock.close()
        self.server_close()


class RespHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.server.connections += 1
        self.server.sockets.append(self.request)
        try:
            while command := self.read_command():
                self.server.commands.append(command)
                answer = self.server.reply(command)
                if answer is None:
                    self.rfile.read()  # until the client gives up
                    return
                self.wfile.write(answer)
        except OSError:
            return

    def read_command(self):
        header = self.rfile.readline()
        if not header.startswith(b"*"):
            return None
        words = []
        for _ in range(int(header[1:])):
            length = int(self.rfile.readline()[1:])
            words.append(self.rfile.read(length + 2)[:-2].decode(errors="replace"))
        return [words[0].upper(), *words[1:]]


def refuse_writes(error):
    def reply(command):
        if command[0] == "HELLO":
            return b"%1\r\n$5\r\nproto\r\n:3\r\n"  # speaks RESP3, as redis-py asks
        if command[0] in ("CLIENT", "PING"):
            return b"+OK\r\n"
        if command[0] == "GET":
            return b"_\r\n"  # nothing stored (RESP3 null)
        return error

    return reply


@pytest.fixture
def redis_double(settings):
    servers = []

    def start(reply, timeout=None):
        server = MisbehavingRedis(reply)
        servers.append(server)
        config = redis_cache(server.url, retry_seconds=60)
        if timeout:  # for a double that does answer, however busy the machine
            config["OPTIONS"].update(SOCKET_CONNECT_TIMEOUT=timeout, SOCKET_TIMEOUT=timeout)
        settings.CACHES = {"default": config}
        return server

    yield start
    for server in servers:
        server.stop()


def test_pages_still_render_when_redis_refuses_connections(client, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{port}/0")}
    response = client.get(DETAIL)
    assert response.status_code == 200
    assert "Labour Department" in response.content.decode()


@pytest.mark.parametrize(
    "error, logged",
    [
        (b"-OOM command not allowed when used memory > 'maxmemory'.\r\n", "OutOfMemoryError"),
        (b"-READONLY You can't write against a read only replica.\r\n", "ReadOnlyError"),
    ],
)
def test_redis_refusing_writes_is_logged_and_pages_render_afresh(
    client, redis_double, caplog, django_capture_on_commit_callbacks, error, logged
):
    redis = redis_double(refuse_writes(error), timeout=5)
    for _ in range(2):
        response = client.get(DETAIL)
        assert response.status_code == 200
        assert "Labour Department" in response.content.decode()
    assert any(command[0] == "SET" for command in redis.commands)
    ignored = [record for record in caplog.records if record.getMessage() == "Exception ignored"]
    assert ignored and type(ignored[0].exc_info[1].__cause__).__name__ == logged

    # An edit saved meanwhile (the revision is published when the transaction commits).
    measure = Measure.objects.get(slug="labour-ai-job-matching")
    measure.name_en = "Saved while Redis was full"
    with django_capture_on_commit_callbacks(execute=True):
        measure.save()
    assert "Saved while Redis was full" in client.get(DETAIL).content.decode()


def test_a_redis_that_never_answers_is_left_alone_after_one_timeout(client, redis_double, caplog):
    redis = redis_double(lambda command: None)
    with caplog.at_level(logging.WARNING, logger="budget2026.cache"):
        for url in [DETAIL, "/en/measures/", DETAIL, "/"]:
            response = client.get(url)
            assert response.status_code == 200
    assert redis.connections == 1
    assert len(redis.commands) == 1
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count("Exception ignored") == 1  # the rest is quiet
    assert any("serving without the cache for 60 s" in message for message in messages)


def answer_all_but_batched_writes(command):
    """Answers as an empty Redis would, but never answers a batch of writes (MULTI)."""
    if command[0] == "HELLO":
        return b"%1\r\n$5\r\nproto\r\n:3\r\n"
    if command[0] in ("CLIENT", "PING", "SET"):
        return b"+OK\r\n"
    if command[0] == "GET":
        return b"_\r\n"
    if command[0] == "MGET":
        keys = len(command) - 1
        return b"*%d\r\n" % keys + b"_\r\n" * keys
    return None


def test_a_batch_of_counts_that_redis_never_takes_starts_the_same_rest(
    client, redis_double, caplog
):
    redis = redis_double(answer_all_but_batched_writes)
    with caplog.at_level(logging.WARNING, logger="budget2026.cache"):
        for url in ["/en/measures/", "/en/measures/?kind=public_service", DETAIL]:
            response = client.get(url)
            assert response.status_code == 200
    sent = [command[0] for command in redis.commands]
    assert "MULTI" in sent
    assert sent[sent.index("MULTI") + 1 :] == []  # nothing is asked of Redis after the timeout
    messages = [record.getMessage() for record in caplog.records]
    assert sum("serving without the cache for 60 s" in message for message in messages) == 1
