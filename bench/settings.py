"""The production settings, plus a do-nothing view for measuring the stack's ceiling.

gunicorn runs with ``DJANGO_SETTINGS_MODULE=bench.settings``; everything else (DEBUG, the
database, the cache) still comes from the environment exactly as in production.
"""

import os
from pathlib import Path

from budget2026.settings import *  # noqa: F403
from budget2026.settings import BASE_DIR

ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"

# collectstatic writes here (git-ignored), so a benchmark never touches the project's folders.
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", BASE_DIR / "bench" / "results" / "static"))

# Counting the queries a page needs means not letting a cache answer for it.
if os.environ.get("BENCH_NO_CACHE") == "1":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
