"""API addresses a client can type: odd record keys and the browsable API."""

import pytest

from tests.helpers import alliance, world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sources/a%00b/",
        "/api/v1/treaties/a%00b/",
        "/api/v1/people/%0B/",
        "/api/v1/sectors/a%20b/",
    ],
)
def test_a_record_address_no_slug_could_have_is_not_found(client, url):
    # PostgreSQL refuses to compare text with a NUL byte: this was a 500.
    assert client.get(url).status_code == 404


def test_staff_can_open_a_treaty_in_the_browsable_api(client, editor):
    w = world()
    treaty = alliance(w)
    client.force_login(editor)
    response = client.get(f"/api/v1/treaties/{treaty.slug}/?format=api")
    assert response.status_code == 200
    assert treaty.title in response.content.decode()
