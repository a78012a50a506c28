"""WSGI entry point, as served by gunicorn: ``gunicorn budget2026.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget2026.settings")

application = get_wsgi_application()
