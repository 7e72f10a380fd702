"""Every record of the seed corpus reads through the API, its links absolute
on the scheme and host the client used."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command

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
ORIGIN = "https://register.example"


def record_urls() -> list[str]:
    urls = []
    for model, plural in PLURALS.items():
        slugs = model.objects.published().values_list("slug", flat=True)
        urls += [f"/api/v1/{plural}/{slug}/" for slug in slugs]
    codes = State.objects.published().values_list("iso2", flat=True)
    return urls + [f"/api/v1/states/{code.lower()}/" for code in codes]


def get(client, url: str):
    cache.clear()  # anonymous reads are throttled: this test makes hundreds
    return client.get(url, HTTP_HOST="register.example", secure=True)


def test_every_record_reads_with_links_on_the_clients_host(client, settings):
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

    for url in record_urls():
        response = get(client, url)
        assert response.status_code == 200, url
        body = response.json()
        assert body["url"] == f"{ORIGIN}{url}"
        # Every link in the record (its parties, sectors, sources...) is absolute on this host.
        links = re.findall(r'"(?:url|html_url)":"([^"]*)"', response.content.decode())
        assert links and all(link.startswith(f"{ORIGIN}/") for link in links if link), url

    treaties = get(client, "/api/v1/treaties/?page_size=200").json()["results"]
    undated = next(row for row in treaties if row["title"] == "Undated")
    assert undated["signed_on"] is None and undated["summary"] == ""
    assert {"iso2": "AZ", "name": az.name, "url": f"{ORIGIN}/api/v1/states/az/"} in [
        {key: party[key] for key in ("iso2", "name", "url")} for party in undated["parties"]
    ]
    projects = get(client, "/api/v1/projects/?page_size=200").json()["results"]
    assert "1234.50" in {row["value_amount"] for row in projects}
    assert None in {row["value_amount"] for row in projects}
