"""Request guards. (The anonymous page cache is in ``diplomacy.caching.pages``.)"""

import logging
from urllib.parse import unquote_to_bytes

from django.db.utils import OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from psycopg.errors import QueryCanceled

MAX_QUERY_STRING = 4096

logger = logging.getLogger(__name__)


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


class QueryCanceledMiddleware:
    """503 with a message when PostgreSQL cut a query off at the statement timeout.

    Web requests run under ``DATABASE_STATEMENT_TIMEOUT`` so that no request
    holds a database backend for long; the one that reaches it is told so,
    instead of getting the generic server error. The connection stays usable:
    the statement was cancelled, not the session.
    """

    message = (
        "The query took too long: this request needed more database time than the "
        "register gives one request. Narrow the filters and try again, or download "
        "the CSV, which has no time limit."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (
            isinstance(exception, OperationalError)
            and isinstance(exception.__cause__, QueryCanceled)
        ):
            return None
        logger.warning("Statement timeout reached: %s", request.get_full_path())
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": self.message}, status=503)
        else:
            response = HttpResponse(
                QUERY_CANCELED_PAGE.format(message=self.message),
                status=503,
                content_type="text/html; charset=utf-8",
            )
        response["Cache-Control"] = "no-store"
        return response


# Self-contained, as the server error page is: nothing here may query again.
QUERY_CANCELED_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>The query took too long · Diplomacy Register</title>
<link rel="stylesheet" href="/static/css/site.css"></head>
<body><main class="wrap" id="main"><h1>The query took too long</h1>
<p>{message}</p>
<p><a href="/">Back to the home page</a></p></main></body>
</html>
"""
