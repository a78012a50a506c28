"""The project's URLs, plus ``/bench/ceiling/``: fixed bytes through the whole middleware stack.

The ceiling view touches no database, template or cache, so its throughput is the most this
stack (gunicorn, Django, the middleware) can serve on this machine.
"""

from django.http import HttpResponse
from django.urls import path

from budget2026 import urls as project_urls


def ceiling(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/ceiling/", ceiling, name="bench-ceiling"), *project_urls.urlpatterns]

# Keep the project's error views, if it defines any.
for _handler in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(project_urls, _handler):
        globals()[_handler] = getattr(project_urls, _handler)
