"""Request guards and the anonymous page cache."""

import hashlib
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseBadRequest, JsonResponse

from diplomacy.cache import data_version

MAX_QUERY_STRING = 4096


class QueryStringGuardMiddleware:
    """400 for query strings with NUL bytes or of absurd length.

    PostgreSQL cannot store or compare NUL characters in text, and no filter of
    the register needs kilobytes of parameters; both are probes, not queries.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("QUERY_STRING", "")
        if len(raw) > MAX_QUERY_STRING:
            return self.refuse(
                request, f"The query string is longer than {MAX_QUERY_STRING} characters."
            )
        if "\x00" in raw or b"\x00" in unquote_to_bytes(raw):
            return self.refuse(request, "The query string contains a NUL character.")
        return self.get_response(request)

    @staticmethod
    def refuse(request, message: str):
        # The API answers in JSON, as its schema documents; pages in plain text.
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class AnonymousPageCacheMiddleware:
    """Serve anonymous visitors' public pages from the shared cache.

    Keys carry the register's data version (``diplomacy.cache``), which every
    save bumps, so an edit shows at once. Only visitors without a session
    cookie are served from the cache: staff may be previewing drafts. The API
    is left out so its throttling still counts every anonymous request.
    """

    excluded_prefixes = ("/admin/", "/api/", "/healthz", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def cacheable_request(self, request) -> bool:
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(self.excluded_prefixes)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
        )

    def __call__(self, request):
        if not self.cacheable_request(request):
            return self.get_response(request)
        key = self.key(request)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if self.cacheable_response(response):
            response["X-Cache"] = "miss"
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def cacheable_response(response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    @staticmethod
    def key(request) -> str:
        digest = hashlib.sha256(
            f"{request.get_host()}|{request.get_full_path()}".encode()
        ).hexdigest()
        return f"page:{data_version()}:{digest}"
