"""Property-based: no query string, however strange, makes any page fail or echo unescaped HTML.

2,000 generated query strings are sent, each to a URL drawn from every list, detail, API and
download URL in both languages. ``bench/fuzz.py`` runs the same idea far longer against a
running server.
"""

from urllib.parse import quote, urlencode

import pytest
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measures.listing.filters import MeasureFilter

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/measures/",
    "/measures/ai-subsidy-scheme/",
    "/measures/no-such-measure/",
    "/bureaux/",
    "/bureaux/drainage-services-department/",
    "/funding-schemes/ai-subsidy-scheme/",
    "/themes/",
    "/api/measures/",
    "/api/measures/ai-subsidy-scheme/",
    "/api/bureaux/",
    "/api/bureaux/hkma/",
    "/measures.csv",
    "/measures.json",
    "/funding/",
    "/timeline/",
]
URLS = PAGES + ["/en" + url for url in PAGES]

KEYS = [*MeasureFilter.base_filters, "page", "page_size"]
MONEY = [
    "5,000萬",
    "30億",
    "1.5億",
    "HK$100 million",
    "3bn",
    "50m",
    "三十億",
    "1億5000萬",
    "-5",
    "1e999",
]
NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "'; DROP TABLE measures_measure; --",
    "%00",
    "\x00",
    "\ud7ff",
    "{{ 7*7 }}",
    "../../etc/passwd",
    "drainage-services-department",
    "hkma",
    "public_service",
    "1b-plus",
    "-amount",
]

values = st.one_of(
    st.sampled_from(MONEY + NASTY),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=40),
    st.text(alphabet="水浸億萬元港幣<>&\"'%;", max_size=20),
    st.text(min_size=300, max_size=2000, alphabet="aA水<"),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12))
query_strings = st.lists(st.tuples(keys, values), max_size=8).map(
    lambda pairs: urlencode(pairs, encoding="utf-8", errors="surrogatepass")
)
raw_garbage = st.text(alphabet="%&=+;?#ff0A水", max_size=30)


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(url=st.sampled_from(URLS), query=st.one_of(query_strings, raw_garbage))
def test_no_query_string_breaks_a_page_or_is_echoed_unescaped(url, query):
    client = Client(raise_request_exception=False)
    response = client.get(f"{url}?{query}")
    assert response.status_code < 500, f"{url}?{query} answered {response.status_code}"
    if response.streaming:
        b"".join(response.streaming_content)  # an error while writing a download surfaces here
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        page = response.content.decode()
        for value in [v for values in QueryDict(query).lists() for v in values[1]]:
            if "<" in value and len(value) >= 6:
                assert value not in page, f"{url}?{query} echoed {value!r} unescaped"


def test_a_query_string_that_is_not_utf8_is_handled(client):
    response = client.get("/en/measures/?q=" + quote(b"\xff\xfe", safe="%"))
    assert response.status_code == 200
