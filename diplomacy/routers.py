"""Send reads to the replica when one is configured (DATABASE_REPLICA_URL).

A request that writes, or comes from a signed-in user (an editor must see
their own edit at once, whatever the replication lag), is pinned to the
primary for all its queries: see ``PrimaryPinningMiddleware``.
"""

import threading

_state = threading.local()


def pin_to_primary(value: bool) -> None:
    _state.pinned = value


def pinned_to_primary() -> bool:
    return getattr(_state, "pinned", False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return "default" if pinned_to_primary() else "replica"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same data as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class PrimaryPinningMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
        authorised = "HTTP_AUTHORIZATION" in request.META
        pin_to_primary(writes or signed_in or authorised)
        try:
            return self.get_response(request)
        finally:
            pin_to_primary(False)
