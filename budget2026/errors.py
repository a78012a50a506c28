"""Error pages in the reader's language, and robots.txt.

An address under the JSON API (``/api/``, ``/en/api/``) is answered in JSON, as the API's own
errors are: a client reading JSON never has to parse an HTML page.

The 500 page is rendered without context processors or anything else that may need the
database: it is shown when something, perhaps the database, has just failed.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe


def is_api_address(request):
    """Whether ``request`` asks for an address under the JSON API, in either language."""
    path = request.path_info
    language = translation.get_language_from_path(path)
    if language:
        path = path.removeprefix(f"/{language}")
    return path.startswith("/api/") and path != "/api/"


def json_error(body, status):
    """An error answer in JSON, its text readable as written (not escaped to ``\\uXXXX``)."""
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def language_homes():
    """A link to the home page in each language, for pages that have no translation."""
    links = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            links.append({"code": code, "name": name, "url": reverse("measures:home")})
    return links


def page_not_found(request, exception, template_name="404.html"):
    """Django's 404 view with links home in both languages (the missing page has none); in the
    API, the JSON a missing object answers."""
    if is_api_address(request):
        return json_error({"detail": _("There is nothing at this address.")}, 404)
    template = loader.get_template(template_name)
    context = {"language_homes": language_homes()}
    return HttpResponse(template.render(context, request), status=404)


def server_error(request, template_name="500.html"):
    """The designed 500 page, in the language of the address asked for (in the API, JSON)."""
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        if is_api_address(request):
            return json_error(
                {"detail": _("Something went wrong: please try again in a few minutes.")}, 500
            )
        context = {
            "request": request,
            "language_homes": language_homes(),
            "LANGUAGE_CODE": language,
        }
        # No `request=` argument: context processors (and their queries) are not run.
        body = loader.get_template(template_name).render(context)
    return HttpResponseServerError(body)


@require_safe
def robots_txt(request):
    """Everything public may be crawled; the admin may not. Points at the sitemap."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
