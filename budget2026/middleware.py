from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .errors import is_api_address, json_error


class RejectNulCharactersMiddleware:
    """Answers 400 to a query string holding a NUL character.

    No page has a use for one, and PostgreSQL refuses to compare text with it: without this,
    such a value would turn into a server error wherever it reached a query (admin search too).
    It runs once the page's language is known (after the locale middlewares), and answers in it:
    in the API, in JSON, naming each parameter as the API's other 400s do.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        holding_nul = [
            key
            for key, values in request.GET.lists()
            if "\x00" in key or any("\x00" in value for value in values)
        ]
        if not holding_nul:
            return self.get_response(request)
        message = _("Query strings cannot contain NUL characters.")
        if is_api_address(request):
            return json_error(dict.fromkeys(holding_nul, [message]), 400)
        return HttpResponseBadRequest(message + "\n", content_type="text/plain; charset=utf-8")


class PermissionsPolicyMiddleware:
    """Sends ``settings.PERMISSIONS_POLICY`` (camera, microphone, geolocation and the like off)
    with every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class AdminLanguageMiddleware:
    """The admin speaks the editor's language: the one chosen with its switch (a cookie), else
    the browser's (Accept-Language). The public pages take theirs from the address instead
    (``/`` Chinese, ``/en/`` English), which LocaleMiddleware applies before this runs."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = f"/{settings.ADMIN_URL_PATH}"

    def __call__(self, request):
        if request.path_info.startswith(self.prefix):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response
        return self.get_response(request)
