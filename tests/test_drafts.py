"""A draft never reaches the public: no page, list, count, search, feed, sitemap, export or API."""

import datetime
import re

import pytest

from diplomacy.choices import TreatyKind
from diplomacy.models import TreatyCitation
from tests.factories import ProjectFactory, SourceFactory, TreatyFactory, VisitFactory
from tests.helpers import world

pytestmark = pytest.mark.django_db
SECRET = "Zanzibarquux"


def make_draft(kind, w):
    if kind == "treaty":
        record = TreatyFactory(title=f"{SECRET} alliance", slug="secret", is_published=False,
                               kind=TreatyKind.ALLIANCE, signed_on=datetime.date(2024, 1, 1),
                               parties=[w["az"], w["uz"]])  # fmt: skip
    elif kind == "visit":
        record = VisitFactory(title=f"{SECRET} visit", slug="secret", is_published=False,
                              host=w["uz"], guest=w["az"])  # fmt: skip
    else:
        record = ProjectFactory(name=f"{SECRET} project", slug="secret", is_published=False)
        record.states.set([w["az"], w["uz"]])
    return record


PLURAL = {"treaty": "treaties", "visit": "visits", "project": "projects"}


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("kind", ["treaty", "visit", "project"])
def test_a_draft_is_invisible_on_every_public_surface(client, kind):
    w = world()
    home_before = body(client.get("/"))
    make_draft(kind, w)
    plural = PLURAL[kind]
    assert client.get(f"/{plural}/secret/").status_code == 404
    assert client.get(f"/api/v1/{plural}/secret/").status_code == 404
    surfaces = [
        f"/{plural}/",
        f"/{plural}/?q={SECRET}",
        f"/{plural}/export.csv",
        f"/api/v1/{plural}/",
        f"/api/v1/{plural}/?q={SECRET}",
        f"/search/?q={SECRET}",
        "/treaties/feed/",
        "/sitemap.xml",
        "/states/uz/",
        "/relations/az/uz/",
        "/api/v1/relations/az/uz/",
    ]
    # The query itself is echoed back (search box, links); the record's title is not.
    needle = f"{SECRET} {'alliance' if kind == 'treaty' else kind}"
    for url in surfaces:
        response = client.get(url)
        assert response.status_code == 200, url
        assert needle not in body(response), url
    assert body(client.get("/")) == home_before  # counts and lists unchanged
    listing = body(client.get(f"/{plural}/"))
    assert re.search(r'<h2 id="results-heading" class="count">0 ', listing), listing
    assert f"No {plural} match yet." in listing
    assert client.get("/api/v1/relations/az/uz/").json()["level"] == "none"


def test_staff_preview_a_draft_privately(editor_client):
    w = world()
    make_draft("treaty", w)
    response = editor_client.get("/treaties/secret/")
    assert response.status_code == 200
    assert "Draft preview" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert editor_client.get("/api/v1/treaties/secret/").status_code == 200


def test_draft_related_records_do_not_show_on_a_published_page(client):
    w = world()
    treaty = TreatyFactory(slug="public", parties=[w["az"], w["uz"]])
    treaty.visit = VisitFactory(
        title=f"{SECRET} visit", is_published=False, host=w["uz"], guest=w["az"]
    )
    treaty.save()
    hidden = SourceFactory(title=f"{SECRET} source", is_published=False)
    TreatyCitation.objects.create(record=treaty, source=hidden, quote=f"{SECRET} quote")
    for url in ("/treaties/public/", "/api/v1/treaties/public/"):
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in response.content.decode(), url
