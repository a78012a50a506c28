"""gunicorn in production: ``gunicorn -c deploy/gunicorn.conf.py budget2026.wsgi``.

The workers are synchronous: each handles one request at a time, start to finish, including
reading it from the client and writing the answer back. A client that sends its request slowly
(one header line every few seconds) would hold a worker for as long as it likes, so they never
face the internet themselves: nginx (deploy/nginx.conf) reads every request whole before passing
it on and takes every answer whole before sending it out, and listens on 127.0.0.1 only.
``bench/slowclients.py`` shows the difference.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # only nginx talks to gunicorn
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # about one per core
# A sync worker finishes a request after sending it: nginx has the whole answer (its length is
# given) while the worker makes facet counts a list page put off, for up to a second or ten
# facet budgets, one worker of the site at a time with the shared Redis cache
# (measures/listing/facets.py, count_put_off).
worker_class = "sync"
# A worker busy with one request for longer than this is restarted, even while it streams. The
# longest answer, the full CSV export of 100,000 measures, took 12 s on one machine and 31 s on a
# slower one, where gunicorn's default (30 s) cut it short; nginx absorbs it as fast as it comes.
timeout = 120
graceful_timeout = 30
keepalive = 2  # seconds an idle connection from nginx is kept
# Requests are small: a long query string is at most a few kilobytes.
limit_request_line = 8190
limit_request_fields = 100
