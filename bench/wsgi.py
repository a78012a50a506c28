"""WSGI entry point for benchmarks: ``gunicorn bench.wsgi`` (production settings + the ceiling)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

application = get_wsgi_application()
