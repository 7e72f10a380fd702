"""Property-based fuzzing of the whole API schema (schemathesis), on PostgreSQL.

Every operation gets generated requests, valid and invalid; no response may be
a server error, and every response must match the schema: documented status
code, content type and body.
"""

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import alliance, populate, world  # noqa: E402

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def load_schema():
    """The schema the API serves, generated once at collection (no request: a
    request reads the data version, and collection may not use the database),
    its operations called through the WSGI app."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from config.wsgi import application

    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    schema.app = application
    return schema


schema = load_schema()


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the
    connection that holds the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def register(db):
    if connection.vendor != "postgresql":
        pytest.skip("Fuzzed on PostgreSQL only: NUL bytes and odd strings differ on SQLite.")
    w = world()
    populate(w, 3)
    alliance(w)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_has_no_server_errors_and_matches_its_schema(
    case, register, wsgi_keeps_the_test_connection
):
    case.call_and_validate(checks=CHECKS)
