from django.conf import settings
from django.http import HttpResponseBadRequest


class RejectNulCharactersMiddleware:
    """Answers 400 to a query string holding a NUL character.

    No page has a use for one, and PostgreSQL refuses to compare text with it: without this,
    such a value would turn into a server error wherever it reached a query (admin search too).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "Query strings cannot contain NUL characters.\n", content_type="text/plain"
            )
        return self.get_response(request)


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
