"""Reject malformed query strings before any view sees them."""

from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest

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
            return HttpResponseBadRequest(
                f"The query string is longer than {MAX_QUERY_STRING} characters.",
                content_type="text/plain; charset=utf-8",
            )
        if "\x00" in raw or b"\x00" in unquote_to_bytes(raw):
            return HttpResponseBadRequest(
                "The query string contains a NUL character.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
