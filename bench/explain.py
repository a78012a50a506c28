"""Which SQL queries a page spends its time in, with PostgreSQL's plan for the slowest.

    python bench/explain.py "/measures/?bureau=hkma&amount_min=5000萬" [--top 5] [--no-analyze]

Requests the page once through Django's test client against the benchmark database (production
settings, no cache), captures every query with its time, lists them slowest first and prints
``EXPLAIN (ANALYZE, BUFFERS)`` for the ``--top`` slowest. ``BENCH_DATABASE_URL`` picks the
database (default: the 100,000-measure one of bench/run.py).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "path", help="a path with its query string, e.g. /en/measures/?kind=research"
    )
    parser.add_argument("--top", type=int, default=3, help="how many plans to print")
    parser.add_argument("--no-analyze", action="store_true", help="plans without running them")
    args = parser.parse_args(argv)

    os.environ.update(common.django_env(common.database_url(), no_cache=True))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.pages import QueryTimer

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(args.path)  # warm: connection, templates, translations
    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        response = client.get(args.path)
        if response.streaming:
            b"".join(response.streaming_content)
        total = time.perf_counter() - started
    queries = sorted(timer.queries, key=lambda query: -query[0])
    sql_time = sum(seconds for seconds, _, _ in queries)
    print(
        f"{args.path}: status {response.status_code}, {len(queries)} queries, "
        f"{total * 1000:.0f} ms in all, {sql_time * 1000:.0f} ms in SQL\n"
    )
    for number, (seconds, sql, _) in enumerate(queries, 1):
        print(f"{number:2}. {seconds * 1000:7.1f} ms  {sql[:150]}")
    explain = "EXPLAIN (BUFFERS)" if args.no_analyze else "EXPLAIN (ANALYZE, BUFFERS)"
    for seconds, sql, params in queries[: args.top]:
        with connection.cursor() as cursor:
            cursor.execute(f"{explain} {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\n--- {seconds * 1000:.1f} ms\n{cursor.mogrify(sql, params)}\n\n{plan}")


if __name__ == "__main__":
    main()
