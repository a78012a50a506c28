"""WSGI entry point for benchmarks: ``gunicorn bench.wsgi`` (production settings + the ceiling)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from budget2026.wsgi import application  # noqa: E402, F401  (production's start-up, measured)
