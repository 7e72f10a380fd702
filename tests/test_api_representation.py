"""The API's planned read path gives exactly DRF's own output, links included."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework import serializers

from diplomacy.api.representation import PlannedRepresentation, absolute_url
from diplomacy.choices import DatePrecision
from diplomacy.models import Organization, Person, Project, Source, State, Treaty, Visit
from tests.factories import ProjectFactory, TreatyFactory, VisitFactory

pytestmark = pytest.mark.django_db

PLURALS = {
    Treaty: "treaties",
    Visit: "visits",
    Project: "projects",
    Person: "people",
    Organization: "organizations",
    Source: "sources",
}


def api_urls() -> list[str]:
    urls = [f"/api/v1/{plural}/?page_size=200" for plural in PLURALS.values()]
    urls += ["/api/v1/states/?page_size=200", "/api/v1/sectors/", "/api/v1/relations/az/uz/"]
    for model, plural in PLURALS.items():
        slugs = model.objects.values_list("slug", flat=True)
        urls += [f"/api/v1/{plural}/{slug}/" for slug in slugs]
    codes = State.objects.values_list("iso2", flat=True)
    urls += [f"/api/v1/states/{code.lower()}/" for code in codes]
    return urls


def responses(client, urls) -> dict[str, bytes]:
    out = {}
    for url in urls:
        cache.clear()  # anonymous reads are throttled: this test makes hundreds
        response = client.get(url, HTTP_HOST="register.example", secure=True)
        assert response.status_code == 200, url
        out[url] = response.content
    return out


def test_every_record_reads_as_drf_would_render_it(client, monkeypatch, settings):
    settings.ALLOWED_HOSTS = ["register.example"]
    call_command("load_countries", verbosity=0)
    call_command("loaddata", "seed", verbosity=0)
    az, uz, kz = (State.objects.get(iso2=code) for code in ("AZ", "UZ", "KZ"))
    # Empty values of every kind: no date, blank text, no amount, no location.
    TreatyFactory(title="Undated", signed_on=None, summary="", parties=[az, kz])
    VisitFactory(host=kz, guest=uz, end_on=None, city="")
    ProjectFactory(
        value_amount=Decimal("1234.50"), value_currency="EUR", start_on=datetime.date(2020, 1, 1)
    )
    ProjectFactory(value_amount=None, start_on=None, start_on_precision=DatePrecision.YEAR)

    urls = api_urls()
    planned = responses(client, urls)
    monkeypatch.setattr(
        PlannedRepresentation, "to_representation", serializers.Serializer.to_representation
    )
    assert responses(client, urls) == planned
    treaties = planned["/api/v1/treaties/?page_size=200"]
    assert b'"url":"https://register.example/api/v1/states/az/"' in treaties


@pytest.mark.parametrize(
    ("secure", "host", "path"),
    [
        (False, "testserver", "/api/v1/treaties/treaty-on-allied-relations/"),
        (True, "register.example", "/treaties/a-slug/"),
        (True, "register.example:8443", "/api/v1/states/uz/"),
        (False, "testserver", "/treaties/%C3%A9change-de-lettres/"),
    ],
)
def test_absolute_url_is_build_absolute_uri(secure, host, path, settings):
    settings.ALLOWED_HOSTS = ["testserver", "register.example"]
    request = RequestFactory().get("/api/v1/", secure=secure, HTTP_HOST=host)
    expected = request.build_absolute_uri(path)
    assert absolute_url(request, path) == expected
    assert absolute_url(request, path) == expected  # the second from the memo
    assert absolute_url(None, path) == path
