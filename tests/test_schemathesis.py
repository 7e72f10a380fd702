"""Property-based fuzzing of the whole API schema (schemathesis), on PostgreSQL.

Every operation gets generated requests, valid and invalid. Anonymous clients:
no response may be a server error, and every response must match the schema
(documented status code, content type and body). Editors and publishers, with
their tokens, so that writes (and, for publishers, deleting and publishing)
run: every check schemathesis has, among them that an invalid request is
refused, that a valid one is accepted, that the declared authentication is
enforced, and that unsupported methods and missing headers are refused.
"""

import json

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import CHECKS, not_a_server_error  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import alliance, populate, world  # noqa: E402
from tests.test_api_fuzz_rules import positive_data_acceptance_of_the_register  # noqa: E402

ANONYMOUS_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Every check schemathesis registers (its own and this project's), but the
# built-in positive_data_acceptance, run as positive_data_acceptance_of_the_register:
# tests/test_api_fuzz_rules.py says which refusals of a valid request it lets pass, and why.
STAFF_CHECKS = [
    check
    for check in CHECKS.get_all()
    if not isinstance(check, type)
    and check not in (positive_data_acceptance, positive_data_acceptance_of_the_register)
] + [positive_data_acceptance_of_the_register]


def load_schema(config: SchemathesisConfig | None = None):
    """The schema the API serves, generated once at collection (it needs no
    database; a request would read the data version), its operations called
    through the WSGI app."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from config.wsgi import application

    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(
        json.loads(OpenApiJsonRenderer().render(document)), config=config
    )
    schema.app = application
    return schema


anonymous = load_schema()
# The token is the credential under test: a generated session cookie sent beside
# it would have ignored_auth take the token's success for the cookie's.
as_staff = load_schema(
    SchemathesisConfig.from_dict({"generation": {"with-security-parameters": False}})
)


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


@anonymous.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_has_no_server_errors_and_matches_its_schema(
    case, register, wsgi_keeps_the_test_connection
):
    case.call_and_validate(checks=ANONYMOUS_CHECKS)


@as_staff.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.parametrize("persona", ["editor", "publisher"])
def test_staff_reads_and_writes_pass_every_check(
    case, persona, request, register, wsgi_keeps_the_test_connection
):
    user = request.getfixturevalue(persona)
    token, _ = Token.objects.get_or_create(user=user)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=STAFF_CHECKS)
