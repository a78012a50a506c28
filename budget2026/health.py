"""``GET /healthz``, for load balancers and uptime checks: 200 when the database answers, 503
when it does not, within a few seconds either way.

The check opens a connection of its own rather than reusing the worker's: a reused connection to
a database that has stopped answering waits on it for as long as the operating system lets it,
while a new one gives up after HEALTH_TIMEOUT_SECONDS (PostgreSQL's ``connect_timeout``, and a
``statement_timeout`` for the query).
"""

import copy

from django.db import DatabaseError, connections
from django.http import HttpResponse

HEALTH_TIMEOUT_SECONDS = 3  # libpq counts whole seconds, at least 2


def probe_connection(alias="default"):
    """A new, unshared connection to database ``alias`` that gives up quickly."""
    shared = connections[alias]
    settings_dict = copy.deepcopy(shared.settings_dict)
    settings_dict["CONN_MAX_AGE"] = 0
    if shared.vendor == "postgresql":
        options = settings_dict.setdefault("OPTIONS", {})
        options["connect_timeout"] = HEALTH_TIMEOUT_SECONDS
        statement_timeout = f"-c statement_timeout={HEALTH_TIMEOUT_SECONDS * 1000}"
        options["options"] = f"{options.get('options', '')} {statement_timeout}".strip()
    return type(shared)(settings_dict, alias)


def healthz(request):
    connection = probe_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    finally:
        connection.close()
    return HttpResponse("ok\n", content_type="text/plain")
