"""The pages a benchmark requests, found in the database it runs against, and what they cost.

    DATABASE_URL=postgres://... DJANGO_SETTINGS_MODULE=bench.settings \\
        python -m bench.pages --samples --counts

prints JSON: the URL of each benchmarked page, values of the dataset for generating filter
combinations (``--samples``), and for each page the SQL queries an uncached request makes, its
time (the median of three requests) and size (``--counts``; run it with ``BENCH_NO_CACHE=1`` so
no cache answers).

The JSON API and the CSV export are found by URL name (``api-measure-list``, ``measure-csv``,
in any namespace); a page whose view does not exist yet is ``null``.
"""

import argparse
import json
import re
import statistics
import sys
import time
from urllib.parse import urlencode

# The filters of benchmark row 1: the most active department and a range written as people do.
AMOUNT_MIN = "5,000萬"  # HK$50 million
AMOUNT_MAX = "30億"  # HK$3 billion
# Money as people type it, with its value, for the amount_max of generated combinations.
AMOUNT_WORDS = {
    "100萬": 10**6,
    "5,000萬": 5 * 10**7,
    "1億": 10**8,
    "1.5億": 15 * 10**7,
    "10億": 10**9,
    "30億": 3 * 10**9,
    "HK$100 million": 10**8,
    "3bn": 3 * 10**9,
}
URL_NAMES = {"api": "api-measure-list", "csv": "measure-csv"}


def named_patterns(resolver=None, namespace=""):
    """Every named URL pattern as ``{"namespace:name": pattern}``."""
    from django.urls import URLPattern, URLResolver, get_resolver

    resolver = resolver or get_resolver()
    found = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(named_patterns(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[f"{namespace}{pattern.name}"] = pattern
    return found


def find_url(name, **kwargs):
    """The path of the pattern called ``name`` in any namespace, or None if there is none."""
    from django.urls import NoReverseMatch, reverse

    for full_name in named_patterns():
        if full_name == name or full_name.endswith(":" + name):
            try:
                return reverse(full_name, kwargs=kwargs or None)
            except NoReverseMatch:
                continue
    return None


def with_query(path, **params):
    if path is None:
        return None
    pairs = [(key, value) for key, value in params.items() if value is not None]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def top_bureaux():
    from django.db.models import Count

    from measures.models import Bureau

    return list(
        Bureau.objects.annotate(n=Count("measure_links__measure", distinct=True))
        .filter(n__gt=0)
        .order_by("-n", "slug")
        .values_list("slug", "n")
    )


def detail_measure():
    """A measure with everything a detail page can show: money, three links, themes, a count."""
    from measures.models import Measure

    candidates = Measure.objects.filter(amount_hkd__isnull=False).order_by("pk").for_display()
    for measure in candidates[:500]:
        if len(measure.links()) >= 3 and len(measure.themes.all()) >= 2 and measure.counts.all():
            return measure
    return candidates.first() or Measure.objects.first()


def page_urls():
    from django.urls import reverse

    from measures.models import Measure

    bureaux = top_bureaux()
    bureau = bureaux[0][0]
    measure = detail_measure()
    api, csv = find_url(URL_NAMES["api"]), find_url(URL_NAMES["csv"])
    list_path = reverse("measures:measure-list")
    filters = {"bureau": bureau, "amount_min": AMOUNT_MIN, "amount_max": AMOUNT_MAX}
    # The soak run edits measures shown on the first page of this list; ordered by amount, a
    # renamed measure keeps its place.
    soak_list = with_query(list_path, bureau=bureau, amount_min="1", sort="-amount")
    return {
        "measures": Measure.objects.count(),
        "bureau": bureau,
        "bureau_measures": bureaux[0][1],
        "list": with_query(list_path, **filters),
        # One generated combination of row 2, chosen to match measures at N = 1,000 too (an
        # empty page makes fewer queries, and the counts are compared).
        "combo_example": with_query(
            "/en" + list_path,
            bureau=bureaux[min(1, len(bureaux) - 1)][0],
            amount_min="12345678",
            kind="education",
            sort="-amount",
        ),
        "detail": measure.get_absolute_url(),
        "detail_slug": measure.slug,
        "api": with_query(api, **filters),
        "csv": with_query(csv, **filters),
        "csv_all": csv,
        "home": reverse("measures:home"),
        "record_detail": reverse("measures:bureau-detail", args=[bureau]),
        "soak_list": soak_list,
        "ceiling": "/bench/ceiling/",
    }


def cold_pages(urls):
    """One URL of every public page type, for the single-request table of the cold part: each
    is timed with no page cache, as the first reader after an edit sees it."""
    from django.urls import reverse

    from measures.models import RECORD_MODELS, Record, Theme

    list_path = reverse("measures:measure-list")
    busy_body = urls["bureau"]
    pages = {
        "home": reverse("measures:home"),
        "list (no filter)": list_path,
        "list, one broad facet": with_query(list_path, kind="education"),
        "list, amount band": with_query(list_path, amount="1b-plus"),
        "list, search matching most (AI)": with_query(list_path, q="AI"),
        "list, search, two Chinese characters": with_query(list_path, q=CHINESE_WORD),
        "list, search, Simplified Chinese": with_query(list_path, q=SIMPLIFIED_WORD),
        "list, search, rare English word": with_query(list_path, q="semiconductors"),
        "list, deep page by amount": with_query(list_path, sort="-amount", page=300),
        "measure detail": urls["detail"],
        "busy record page": reverse("measures:bureau-detail", args=[busy_body]),
        "themes": reverse("measures:theme-list"),
        "theme's list": Theme.objects.order_by("pk").first().get_absolute_url(),
        "funding": reverse("measures:funding"),
        "timeline": reverse("measures:timeline"),
        "API list": reverse("measures:api-measure-list"),
        "API detail": reverse("measures:api-measure-detail", args=[urls["detail_slug"]]),
        "API record": reverse("measures:api-bureau-detail", args=[busy_body]),
        "data page": reverse("measures:data"),
        "developments": reverse("measures:development-list"),
        "developments feed": reverse("measures:development-feed"),
        "sources": reverse("measures:source-list"),
        "about": reverse("measures:about"),
    }
    for record_type, model in RECORD_MODELS.items():
        pages[f"index: {model._meta.verbose_name_plural}"] = model.get_list_url()
        if not Record.objects.filter(type=record_type).exists():
            del pages[f"index: {model._meta.verbose_name_plural}"]
    return pages


# Search words of the synthetic data (see bench/dataset.py: TOPICS), as readers would type them.
CHINESE_WORD = "交通"
SIMPLIFIED_WORD = "医疗"


def cold_mix(samples, count=3000, seed=11):
    """``count`` list, search and page URLs in every shape, both languages, for the cold wrk row
    (a server without page cache renders each afresh)."""
    import random

    from django.urls import reverse

    rng = random.Random(seed)
    list_path = reverse("measures:measure-list")
    words = ["AI", "ai", "government", "semiconductors", "traffic", CHINESE_WORD, SIMPLIFIED_WORD]
    words += ["培訓", "數碼", "HKMA", "flood"]
    shapes = [
        lambda: {},
        lambda: {"kind": rng.choice(samples["kinds"])},
        lambda: {"status": rng.choice(samples["statuses"])},
        lambda: {"amount": rng.choice(["under-100m", "100m-1b", "1b-plus", "none"])},
        lambda: {"theme": rng.choice(samples["themes"])},
        lambda: {"bureau": rng.choice(samples["bureaux"])},
        lambda: {"start_year": rng.choice(samples["years"] or [2026])},
        lambda: {"q": rng.choice(words)},
        lambda: {"q": rng.choice(words), "kind": rng.choice(samples["kinds"])},
        lambda: {"sort": rng.choice(samples["sorts"]), "page": rng.randint(1, 400)},
        lambda: {"bureau": rng.choice(samples["bureaux"]), "amount_min": "1億"},
    ]
    paths = []
    for _ in range(count):
        prefix = rng.choice(["", "/en"])
        parameters = rng.choice(shapes)()
        if rng.random() < 0.3 and "sort" not in parameters:
            parameters["sort"] = rng.choice(samples["sorts"])
        paths.append(prefix + with_query(list_path, **parameters))
    for slug in samples["detail_slugs"]:
        paths.append(rng.choice(["", "/en"]) + reverse("measures:measure-detail", args=[slug]))
    rng.shuffle(paths)
    return paths


def samples(urls):
    """Values of this dataset for generating filter combinations (benchmark row 2, soak)."""
    import random

    from django.db.models.functions import ExtractYear

    from measures.models import Measure, MeasureKind, MeasureStatus, Theme

    rng = random.Random(7)
    bureaux = [slug for slug, _ in top_bureaux()]
    # Half the departments readers pick are the busy ones, half any department at all.
    chosen = bureaux[:20] + rng.sample(bureaux, min(180, len(bureaux)))
    amounts = sorted(
        set(Measure.objects.filter(amount_hkd__isnull=False).values_list("amount_hkd", flat=True))
    )
    years = sorted(
        {
            year
            for year in Measure.objects.filter(starts_on__isnull=False)
            .annotate(year=ExtractYear("starts_on"))
            .values_list("year", flat=True)
            .distinct()
        }
    )
    soak_measures = [
        {"slug": slug, "name_en": name_en}
        for slug, name_en in Measure.objects.filter(record_links__record__slug=urls["bureau"])
        .exclude(amount_hkd=None)
        .distinct()
        .order_by("-amount_hkd", "name_en", "pk")
        .values_list("slug", "name_en")[:10]
    ]
    detail_slugs = list(Measure.objects.order_by("?").values_list("slug", flat=True)[:200])
    return {
        "bureaux": chosen,
        "themes": list(Theme.objects.order_by("slug").values_list("slug", flat=True)),
        "kinds": list(MeasureKind.values),
        "statuses": list(MeasureStatus.values),
        "years": years,
        "amounts": rng.sample(amounts, min(100, len(amounts))),
        "amount_words": AMOUNT_WORDS,
        "sorts": ["amount", "-amount", "name", "-name", "start", "-start"],
        "soak_measures": soak_measures,
        "detail_slugs": detail_slugs,
    }


def cold_counts(urls):
    """The single-request table: queries and time of an uncached request to each page type."""
    return count_queries(cold_pages(urls))


class QueryTimer:
    """Times every query to the microsecond (Django's own log rounds to the millisecond)."""

    def __init__(self):
        self.queries = []  # (seconds, sql, params)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql, params))

    def slowest(self):
        return max((seconds for seconds, _, _ in self.queries), default=0)


# Statements that only manage the transaction: the list page counts its facets in a transaction,
# setting each count's time limit first (SET LOCAL), and a count cut off by it adds a ROLLBACK
# and a new BEGIN (savepoints inside a test's transaction). They are not counted as queries,
# which are compared across sizes to find reads that grow with the data.
BOOKKEEPING = re.compile(
    r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|SET LOCAL|BEGIN|COMMIT|ROLLBACK)\b",
    re.IGNORECASE,
)


# Each page's time is the median of this many requests: one request alone moved by half
# (the API's record page: 63-67 ms in five runs, 156 ms once).
TIMED_REQUESTS = 3


def timed_get(client, url):
    """``(response, body, seconds)`` of one request, the streamed body read to its end."""
    started = time.perf_counter()
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, time.perf_counter() - started


def count_queries(urls, pages=None):
    """Queries, time and size of a request to each page, after one warm-up request (which
    fills no cache when run with ``BENCH_NO_CACHE=1``: it warms the database's buffers and the
    templates, as any reader before the edit did). One request counts and times the queries;
    the page's time is the median of ``TIMED_REQUESTS`` requests after it, without that
    instrumentation."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    pages = pages or list(urls)
    result = {}
    for page in pages:
        url = urls.get(page)
        if url is None:
            result[page] = None
            continue
        try:
            client.get(url)
            timer = QueryTimer()
            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
                response, body, _ = timed_get(client, url)
            # Read before the next request: each request empties the connection's query log.
            queries = sum(1 for query in captured if not BOOKKEEPING.match(query["sql"]))
            times = [timed_get(client, url)[2] for _ in range(TIMED_REQUESTS)]
        except Exception as error:  # a broken page is reported, not fatal to the benchmark
            result[page] = {"status": 500, "error": f"{type(error).__name__}: {error}"[:300]}
            continue
        result[page] = {
            "status": response.status_code,
            "queries": queries,
            "ms": round(statistics.median(times) * 1000, 1),
            "ms_each": [round(seconds * 1000, 1) for seconds in times],
            "kb": round(len(body) / 1024, 1),
            "sql_ms": round(sum(seconds for seconds, _, _ in timer.queries) * 1000, 1),
            "slowest_query_ms": round(timer.slowest() * 1000, 1),
        }
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", action="store_true")
    parser.add_argument("--counts", action="store_true")
    parser.add_argument("--cold", action="store_true", help="the cold part's pages and URL mix")
    args = parser.parse_args(argv)

    import django

    django.setup()
    urls = page_urls()
    output = {"urls": urls}
    if args.samples or args.cold:
        output["samples"] = samples(urls)
    if args.counts:
        output["counts"] = count_queries(
            urls, ["list", "combo_example", "detail", "api", "csv", "home", "record_detail"]
        )
    if args.cold:
        output["cold_pages"] = cold_pages(urls)
        output["cold_counts"] = count_queries(output["cold_pages"])
        output["cold_mix"] = cold_mix(output["samples"])
    json.dump(output, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
