"""The anonymous page cache, and what pages tell caches in front of the site."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control, patch_vary_headers

from diplomacy.caching.version import data_version, same_version


class AnonymousPageCacheMiddleware:
    """Serve anonymous visitors' public pages from the cache, keyed by the
    data version (``diplomacy.caching.version``), so an edit shows at once.

    Only visitors without a session cookie or credentials are served from the
    cache: staff may be previewing drafts. The API is left out so its
    throttling still counts every anonymous request. Cached pages also say
    ``public, s-maxage`` so that a proxy or CDN in front may keep them (and
    ``max-age=0``: browsers revalidate, a 304 by ETag); pages made for a
    signed-in user say ``private, no-store``.
    """

    excluded_prefixes = ("/admin/", "/api/", "/healthz", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def signed_in(request) -> bool:
        return (
            settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
        )

    def cacheable_request(self, request) -> bool:
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(self.excluded_prefixes)
            and not self.signed_in(request)
        )

    def __call__(self, request):
        if not self.cacheable_request(request):
            response = self.get_response(request)
            if self.signed_in(request):
                patch_cache_control(response, private=True, no_store=True)
            return response
        with same_version():  # the page is built under the version its key has
            return self.cached_or_built(request)

    def cached_or_built(self, request):
        key = self.key(request)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if self.cacheable_response(response):
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=settings.PAGE_CACHE_SECONDS
            )
            # A signed-in visitor's page differs: a shared cache must not serve this one to them.
            patch_vary_headers(response, ["Cookie"])
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
