"""WSGI entry point, as served by gunicorn: ``gunicorn budget2026.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget2026.settings")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, their models) lives as long as the worker. Frozen,
# it is left out of the garbage collector's full collections, which otherwise walk all of it
# and pause a request for tens of milliseconds now and then.
gc.freeze()
