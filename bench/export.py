"""Times one CSV export of measures in this process: rows per second, peak memory, a checksum.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/budget2026_bench \\
    DJANGO_SETTINGS_MODULE=bench.settings DEBUG=0 SECRET_KEY=x ALLOWED_HOSTS=127.0.0.1 \\
        python -m bench.export [--query kind=education]

Calls the ``/measures.csv`` view directly (no server, no page cache in between) and reads the
whole streamed answer. The checksum (sha256 of the bytes) tells whether two ways of writing the
export give the same file; the peak memory is the process's (``ru_maxrss``), Django included.
Build the database first with ``bench/dataset.py``.
"""

import argparse
import hashlib
import resource
import time


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--query", default="", help="the list's filters, e.g. kind=education")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from measures.exports.views import measure_csv

    request = RequestFactory().get(f"/measures.csv?{args.query}", HTTP_HOST="127.0.0.1")
    connection.ensure_connection()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digest, size, lines = hashlib.sha256(), 0, 0
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        for part in measure_csv(request).streaming_content:
            digest.update(part)
            size += len(part)
            lines += 1
    seconds = time.perf_counter() - started
    rows = lines - 2  # the byte-order mark and the header come first
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{rows:,} rows, {size / 1e6:.1f} MB in {seconds:.2f} s ({rows / seconds:,.0f} rows/s), "
        f"{len(queries)} queries; peak RSS {peak:.1f} MB ({before:.1f} MB before); "
        f"sha256 {digest.hexdigest()}"
    )


if __name__ == "__main__":
    main()
