"""Fuzz: thousands of generated query strings against every page, on a real gunicorn server.

    python bench/fuzz.py [--queries 20000] [--url http://127.0.0.1:PORT] [--database small|big]

The longer run of the property-based tests in tests/: Hypothesis generates query strings (known
and random keys, repeated keys; values in any Unicode, money as Hong Kong writes it such as
``5,000萬``, ``30億``, ``1.5億``, huge and negative numbers, SQL and HTML metacharacters, broken
percent-escapes) and sends each to one of the site's list, detail and API URLs, in turn, in both
languages (``/`` and ``/en/``). The URLs are found in the URL configuration, so new pages are
fuzzed without changing this file.

Two properties must hold for every request: no 5xx (nor a dropped connection), and no input
that looks like markup (``<script>``, ``"><svg onload=...>``, ...) comes back unescaped in an
HTML page. Each markup value carries a unique token, so an echo is found exactly.

Without ``--url`` it starts its own gunicorn (production settings) on a database holding the
20 curated measures of the fixtures (real names and slugs; full exports stay quick), or with
``--database small``/``big`` on bench/run.py's 1,000- or N-measure one. With ``--url`` pass
the ``--database`` that server uses: real slugs are taken from it. Only 127.0.0.1 is accepted.
"""

import argparse
import collections
import json
import os
import queue
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import log  # noqa: E402

KNOWN_KEYS = [
    "q", "committee", "institute", "funding_scheme", "bureau", "training_course", "kind",
    "status", "theme", "start_year", "amount_min", "amount_max", "amount", "sort", "page",
    "format", "limit", "offset", "page_size", "ordering", "search", "cursor", "language",
]  # fmt: skip
MARKUP = [
    "<script>alert('{token}')</script>",
    '"><script>{token}</script>',
    "<img src=x onerror={token}>",
    "'><svg onload={token}>",
    "</textarea><script>{token}</script>",
    '" autofocus onfocus="{token}',
    "<a href='javascript:{token}'>x</a>",
    "&lt;script&gt;{token}",
]
SQL = [
    "' OR '1'='1", "'; DROP TABLE measures_measure; --", '" OR 1=1 --', "%", "_", "\\",
    "1; SELECT pg_sleep(5)", "') UNION SELECT username FROM auth_user --", "%%", "%_%",
    "\x00", "a\x00b", "NULL", "null", "None", "[]", "{}", "__proto__", "*", "$1", "::text",
]  # fmt: skip
RAW_SUFFIXES = ["", "", "", "&", "&&", "=", "&=x", "%", "%zz", "%ff%fe", "%C0%AF", "%00",
                ";a=b", "&page", "+", "%E8%90", "&amount_min=%E5%84%84"]  # fmt: skip
TOKEN = re.compile(r"zq\d+x")
# gunicorn refuses request lines over 4,094 bytes (414) before Django sees them: stay below.
MAX_QUERY_LENGTH = 3_800


def strategies(slugs):
    """The Hypothesis strategy of one query string: ``(pairs, raw suffix)``."""
    from hypothesis import strategies as st

    digits = st.one_of(
        st.integers(-(10**40), 10**40).map(str),
        st.integers(0, 10**6).map(lambda n: f"{n:,}"),
        st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
        st.floats().map(str),
        st.sampled_from(["5,000", "1.5", "1,2,3", "", "0x10", "1e309", "-0", "５０００", "三十",
                         "一億五千萬", "兩", "1,00", "."]),
    )  # fmt: skip
    money = st.builds(
        lambda prefix, number, unit: f"{prefix}{number}{unit}",
        st.sampled_from(["", "", "HK$", "$", "港幣", "-", "−", "+", "HKD "]),
        digits,
        st.sampled_from(["", "萬", "億", "万", "亿", "元", "萬元", "億元", "億5000萬", "m", "bn",
                         " billion", " million", "k", "兆", "萬萬"]),
    )  # fmt: skip
    markup = st.builds(
        lambda template, n: template.format(token=f"zq{n}x"),
        st.sampled_from(MARKUP),
        st.integers(0, 10**9),
    )
    value = st.one_of(
        st.text(max_size=60),
        st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=20),
        money,
        st.sampled_from(SQL),
        markup,
        st.sampled_from(slugs),
        st.integers().map(str),
        st.text(min_size=150, max_size=400),
    )
    key = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=20))
    pairs = st.lists(st.tuples(key, value), max_size=8)
    repeated = st.builds(
        lambda k, values: [(k, v) for v in values], key, st.lists(value, min_size=2, max_size=6)
    )
    both = st.builds(lambda a, b: a + b, pairs, repeated)
    return st.tuples(st.one_of(pairs, repeated, both), st.sampled_from(RAW_SUFFIXES))


def discover_targets():
    """Every list, detail and API URL of the site (not the admin), in both languages."""
    from django.urls import reverse
    from django.utils import translation

    from bench.pages import named_patterns

    targets = []
    for name, pattern in sorted(named_patterns().items()):
        if name.startswith("admin:") or name.startswith("bench-"):
            continue
        route = pattern.pattern
        arguments = list(getattr(route, "converters", {}) or route.regex.groupindex)
        if "format" in arguments:  # DRF's .json/.csv suffix copies of the same views
            continue
        kwargs = {}
        for argument in arguments:
            kwargs[argument] = sample_argument(pattern, argument)
        if None in kwargs.values():
            log(f"  (not fuzzed: {name}, no value for {arguments})")
            continue
        for language in ("zh-hant", "en"):
            with translation.override(language):
                path = reverse(name, kwargs=kwargs or None)
            if path not in targets:
                targets.append(path)
    return targets


def sample_argument(pattern, argument):
    """A real value for a URL argument such as ``slug``: from the view's model."""
    callback = pattern.callback
    model = None
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    initkwargs = getattr(callback, "view_initkwargs", None) or getattr(callback, "initkwargs", {})
    model = initkwargs.get("model") or getattr(view_class, "model", None)
    queryset = initkwargs.get("queryset") or getattr(view_class, "queryset", None)
    if model is None and queryset is not None:
        model = queryset.model
    if model is None:
        # A view choosing among named things keeps them in a dict named after the argument
        # (``table`` → ``TABLES``): fuzz with its first key.
        choices = getattr(sys.modules.get(callback.__module__), f"{argument.upper()}S", None)
        return next(iter(choices), None) if isinstance(choices, dict) else None
    field = argument if argument in {f.name for f in model._meta.fields} else "pk"
    instance = model._default_manager.order_by("pk").first()
    return None if instance is None else str(getattr(instance, field))


class Fuzzer:
    def __init__(self, base, targets, concurrency, all_targets):
        self.base, self.targets, self.all_targets = base, targets, all_targets
        self.jobs = queue.Queue(maxsize=concurrency * 4)
        self.statuses = collections.Counter()
        self.per_target = collections.defaultdict(collections.Counter)
        self.seconds = collections.Counter()
        self.failures = []  # 5xx and dropped connections
        self.unescaped = []
        self.sent = 0
        self.markup_sent = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.work, daemon=True) for _ in range(concurrency)]
        for thread in self.threads:
            thread.start()

    def submit(self, number, query):
        targets = self.targets if self.all_targets else [self.targets[number % len(self.targets)]]
        for target in targets:
            self.jobs.put((target, query))

    def close(self):
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()

    def work(self):
        while (job := self.jobs.get()) is not None:
            target, (pairs, suffix) = job
            while len(pairs) > 1 and len(urlencode(pairs)) > MAX_QUERY_LENGTH:
                pairs = pairs[:-1]
            query = (urlencode(pairs) + suffix)[:MAX_QUERY_LENGTH]
            url = f"{self.base}{target}?{query}"
            started = time.monotonic()
            try:
                status, body, content_type = common.get(url, timeout=60)
            except Exception as error:  # a dropped connection or a timeout is a failure too
                self.record(target, "error", url, f"{type(error).__name__}: {error}", started)
                continue
            self.record(target, status, url, body[:300].decode("utf-8", "replace"), started)
            if "html" in content_type:
                self.check_escaping(target, url, pairs, body.decode("utf-8", "replace"))

    def record(self, target, status, url, detail, started):
        with self.lock:
            self.seconds[target] += time.monotonic() - started
            self.sent += 1
            self.statuses[status] += 1
            self.per_target[target][status] += 1
            if status == "error" or status >= 500:
                self.failures.append({"url": url, "status": status, "detail": detail})

    def check_escaping(self, target, url, pairs, body):
        for key, value in pairs:
            for text in (key, value):
                match = TOKEN.search(text)
                if not match:
                    continue
                with self.lock:
                    self.markup_sent += 1
                token = match.group()
                # The markup as typed, from its first special character up to the token.
                start = min((text.find(c) for c in "<\"'" if c in text), default=0)
                raw = text[start : match.end()]
                # ... or a link whose address is the typed javascript: (escaped quotes, as
                # in href=&#x27;javascript:..., are text, not an attribute).
                link = re.search(rf"""(href|src|action)\s*=\s*["']?\s*javascript:{token}""", body)
                if raw in body or link:
                    with self.lock:
                        self.unescaped.append({"url": url, "echoed": raw})


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=20_000, help="query strings to generate")
    parser.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--database", choices=["curated", "small", "big"], default="curated")
    parser.add_argument("--measures", type=int, help="build the database with this many first")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20260225)
    parser.add_argument(
        "--all-targets", action="store_true", help="send every query string to every URL"
    )
    args = parser.parse_args(argv)
    try:
        import hypothesis
    except ImportError:
        raise SystemExit("Hypothesis is a development dependency: make install-dev") from None

    db_url = {
        "curated": common.curated_database_url,
        "small": common.small_database_url,
        "big": common.database_url,
    }[args.database]()
    common.ensure_local(db_url)
    if args.url:
        common.ensure_local(args.url)
    if args.database == "curated":
        common.prepare_curated_database(db_url)
    elif args.measures:
        common.prepare_database(db_url, args.measures)
    if not args.url:
        common.collect_static(db_url)
    os.environ.update(common.django_env(db_url))
    import django

    django.setup()
    from measures.models import RECORD_MODELS, Measure, Theme

    targets = discover_targets()
    slugs = [*Measure.objects.values_list("slug", flat=True)[:20]]
    slugs += [*Theme.objects.values_list("slug", flat=True)[:20]]
    for model in RECORD_MODELS.values():
        slugs += model.objects.values_list("slug", flat=True)[:10]
    log(f"Fuzzing {len(targets)} URLs: {', '.join(targets)}")

    with common.terminate_on_sigterm():
        server = None if args.url else common.Server(db_url).__enter__()
        try:
            base = args.url.rstrip("/") if args.url else server.base
            started = time.monotonic()
            fuzzer = Fuzzer(base, targets, args.concurrency, args.all_targets)
            run_hypothesis(fuzzer, strategies(slugs), args.queries, args.seed, hypothesis)
            fuzzer.close()
            seconds = time.monotonic() - started
        finally:
            if server:
                server.stop()

    result = {
        "queries": args.queries,
        "requests": fuzzer.sent,
        "seconds": round(seconds, 1),
        "targets": targets,
        "statuses": {str(k): v for k, v in sorted(fuzzer.statuses.items(), key=str)},
        "per_target": {t: {str(k): v for k, v in c.items()} for t, c in fuzzer.per_target.items()},
        "slowest_targets_s": dict(fuzzer.seconds.most_common(5)),
        "failures": fuzzer.failures[:200],
        "failure_count": len(fuzzer.failures),
        "markup_values_checked": fuzzer.markup_sent,
        "unescaped": fuzzer.unescaped[:200],
        "unescaped_count": len(fuzzer.unescaped),
    }
    print(report(result))
    common.RESULTS.mkdir(exist_ok=True)
    path = common.RESULTS / f"fuzz-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log(f"Saved {path.relative_to(common.ROOT)}")
    sys.exit(0 if not fuzzer.failures and not fuzzer.unescaped else 1)


def run_hypothesis(fuzzer, strategy, count, seed, hypothesis):
    """Hypothesis draws the query strings; worker threads send them while it draws more."""
    from hypothesis import HealthCheck, Phase, given, settings

    numbers = iter(range(count))

    @hypothesis.seed(seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,  # nothing written to the project's .hypothesis folder
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def send(query):
        number = next(numbers, None)
        if number is not None:
            fuzzer.submit(number, query)

    send()


def report(result):
    statuses = ", ".join(f"{status}: {n:,}" for status, n in result["statuses"].items())
    fivexx = sum(n for s, n in result["statuses"].items() if s == "error" or s.startswith("5"))
    lines = [
        f"### Fuzz: {result['queries']:,} generated query strings, {result['requests']:,} "
        f"requests to {len(result['targets'])} URLs in {result['seconds']} s",
        "",
        f"Statuses: {statuses}",
        f"5xx or dropped: {fivexx} (must be 0); markup values checked: "
        f"{result['markup_values_checked']:,}, echoed unescaped: {result['unescaped_count']} "
        f"(must be 0)",
    ]
    for failure in result["failures"][:10]:
        lines.append(f"- {failure['status']} {failure['url'][:200]}")
    for echo in result["unescaped"][:10]:
        lines.append(f"- unescaped {echo['echoed']!r} in {echo['url'][:200]}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
