"""The REST API: reading, writing with permissions, keyset pagination, schema."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db.models import F
from rest_framework.authtoken.models import Token

from diplomacy.choices import TreatyKind
from diplomacy.models import Treaty, TreatyCitation
from tests.factories import (
    PersonFactory,
    SectorFactory,
    SourceFactory,
    StateFactory,
    TreatyFactory,
)
from tests.helpers import alliance, populate, world

pytestmark = pytest.mark.django_db

# Per endpoint, whatever the rows: the data version (read once per request, which
# keys every cached value: diplomacy.caching.version), filter choices, the page, one
# query per nested list.
API_BUDGETS = {
    # Each list also counts its filtered set once per data version (cold cache: counted).
    "/api/v1/treaties/": 6,  # version, count, states, sectors, rows, party rows and sectors
    "/api/v1/visits/": 5,  # version, count, states, rows (+ host, guest), principals
    "/api/v1/projects/": 7,  # version, count, states, sectors, rows (+ location), states, sectors
    "/api/v1/states/": 3,  # version, count, rows
    "/api/v1/people/": 3,
    "/api/v1/organizations/": 3,
    "/api/v1/sectors/": 3,
    "/api/v1/sources/": 3,
    # (cold cache: with the published states and sectors, read once per data version)
    "/api/v1/relations/az/uz/": 15,
}


@pytest.fixture
def w():
    return world()


@pytest.mark.parametrize("url", list(API_BUDGETS))
@pytest.mark.parametrize("rows", [5, 50])
def test_endpoint_budgets_do_not_grow(client, w, django_assert_max_num_queries, url, rows):
    populate(w, rows)
    with django_assert_max_num_queries(API_BUDGETS[url]):
        assert client.get(url).status_code == 200


def test_treaty_detail_nests_summaries_citations_and_precision(client, w):
    treaty = alliance(w)
    treaty.signatories.add(PersonFactory(slug="ilham-aliyev", name="Ilham Aliyev"))
    treaty.sectors.add(w["energy"])
    TreatyCitation.objects.create(record=treaty, source=w["source"], quote="signed the treaty")
    data = client.get(f"/api/v1/treaties/{treaty.slug}/").json()
    assert data["signed_on"] == "2024-08-23" and data["signed_on_precision"] == "day"
    assert [p["iso2"] for p in data["parties"]] == ["AZ", "UZ"]
    assert data["parties"][0]["url"] == "http://testserver/api/v1/states/az/"
    assert data["sectors"] == [
        {"slug": "energy", "name": "Energy", "url": "http://testserver/api/v1/sectors/energy/"}
    ]
    assert data["signatories"][0]["slug"] == "ilham-aliyev"
    assert data["citations"][0]["quote"] == "signed the treaty"
    assert data["citations"][0]["source"]["slug"] == w["source"].slug
    assert data["html_url"] == f"http://testserver/treaties/{treaty.slug}/"


def test_states_by_code_and_relations_either_order(client, w):
    alliance(w)
    assert client.get("/api/v1/states/uz/").json()["iso3"] == "UZB"
    assert client.get("/api/v1/states/UZ/").status_code == 200
    ab = client.get("/api/v1/relations/az/uz/").json()
    ba = client.get("/api/v1/relations/uz/az/").json()
    assert ab["level"] == ba["level"] == "alliance"
    assert ab["reached_on"] == "2024-08-23" and ab["reached_on_precision"] == "day"


TREATY = {
    "slug": "api-agreement",
    "title": "Agreement made through the API",
    "kind": "agreement",
    "signed_on": "2024-03-01",
    "signed_on_precision": "month",
    "parties": [{"state": "az"}, {"state": "uz"}],
    "sectors": ["energy"],
}


def token_client(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    return client


def test_anonymous_clients_cannot_write(client, w):
    treaty = alliance(w)
    json = "application/json"
    assert client.post("/api/v1/treaties/", TREATY, content_type=json).status_code in (401, 403)
    url = f"/api/v1/treaties/{treaty.slug}/"
    assert client.patch(url, {"title": "x"}, content_type=json).status_code in (401, 403)
    assert client.delete(f"/api/v1/treaties/{treaty.slug}/").status_code in (401, 403)
    assert Treaty.objects.count() == 1 and Treaty.objects.get().title == treaty.title


def test_editor_creates_a_draft_but_cannot_publish_or_delete(client, w, editor):
    api = token_client(client, editor)
    response = api.post("/api/v1/treaties/", TREATY, content_type="application/json")
    assert response.status_code == 201, response.content
    treaty = Treaty.objects.get(slug="api-agreement")
    assert not treaty.is_published
    assert sorted(treaty.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]
    assert treaty.history.first().history_user == editor
    assert response.json()["parties"][0]["name"] == "Azerbaijan"

    published = {**TREATY, "slug": "api-published", "is_published": True}
    assert (
        api.post("/api/v1/treaties/", published, content_type="application/json").status_code == 403
    )
    assert not Treaty.objects.filter(slug="api-published").exists()
    url = "/api/v1/treaties/api-agreement/"
    assert (
        api.patch(url, {"is_published": True}, content_type="application/json").status_code == 403
    )
    assert api.delete(url).status_code == 403
    treaty.refresh_from_db()
    assert not treaty.is_published


def test_publisher_publishes_updates_parties_and_deletes(client, w, publisher):
    api = token_client(client, publisher)
    api.post("/api/v1/treaties/", TREATY, content_type="application/json")
    url = "/api/v1/treaties/api-agreement/"
    response = api.patch(url, {"is_published": True, "parties": [{"state": "kz"}, {"state": "uz"}]},
                         content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    treaty = Treaty.objects.get(slug="api-agreement")
    assert treaty.is_published
    assert sorted(treaty.parties.values_list("iso2", flat=True)) == ["KZ", "UZ"]
    assert api.delete(url).status_code == 204
    assert not Treaty.objects.filter(slug="api-agreement").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"entry_into_force_on": "2020-01-01", "signed_on": "2024-01-01"}, "entry_into_force_on"),
        ({"kind": "alliance", "parties": [{"state": "az"}]}, "parties"),
        ({"parties": [{"state": "zz"}, {"state": "az"}]}, "parties"),
        ({"parties": [{"state": "az"}, {"state": "az"}]}, "parties"),
        ({"kind": "nonsense"}, "kind"),
        ({"signed_on": "2024-02-30"}, "signed_on"),
    ],
)
def test_invalid_payloads_get_400_with_field_messages_and_write_nothing(
    client, w, editor, change, field
):
    api = token_client(client, editor)
    response = api.post("/api/v1/treaties/", {**TREATY, **change}, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Treaty.objects.exists()


def test_visit_and_project_rules_hold_through_the_api(client, w, editor):
    api = token_client(client, editor)
    visit = {"slug": "v", "title": "Visit", "host": "az", "guest": "az", "start_on": "2024-01-01"}
    assert api.post("/api/v1/visits/", visit, content_type="application/json").status_code == 400
    visit = {**visit, "guest": "uz", "end_on": "2023-01-01"}
    assert "end_on" in api.post("/api/v1/visits/", visit, content_type="application/json").json()
    project = {"slug": "p", "name": "Project", "value_amount": "10.00"}
    assert (
        "value_currency"
        in api.post("/api/v1/projects/", project, content_type="application/json").json()
    )
    project = {**project, "value_currency": "XXQ"}
    assert (
        api.post("/api/v1/projects/", project, content_type="application/json").status_code == 400
    )


def test_cursor_pages_walk_every_record_once_in_page_order(
    client, w, django_assert_max_num_queries
):
    for i in range(64):
        TreatyFactory(
            slug=f"t{i:02d}",
            title=f"T{63 - i:02d}",
            signed_on=None if i % 9 == 0 else datetime.date(2000 + i % 5, 1, 1),
            parties=[w["az"], w["uz"]],
        )
    expected = list(
        Treaty.objects.published()
        .order_by(F("signed_on").desc(nulls_last=True), "-pk")
        .values_list("slug", flat=True)
    )
    pages, url = [], "/api/v1/treaties/?page_size=7"
    while url:
        # + 3 when a page spans dated and undated rows: the undated segment is read
        # (with its two prefetches) only then, and never grows with depth.
        with django_assert_max_num_queries(API_BUDGETS["/api/v1/treaties/"] + 3):
            body = client.get(url).json()
        pages.append([row["slug"] for row in body["results"]])
        last, url = body, body["next"]
    assert [slug for page in pages for slug in page] == expected
    # ... and back again with the previous links
    back, url = [pages[-1]], last["previous"]
    while url:
        body = client.get(url).json()
        back.insert(0, [row["slug"] for row in body["results"]])
        url = body["previous"]
    assert back == pages
    titles, url = [], "/api/v1/treaties/?ordering=title&page_size=10"
    while url:
        body = client.get(url).json()
        titles += [row["title"] for row in body["results"]]
        url = body["next"]
    assert titles == sorted(titles) and len(titles) == 64
    assert len(client.get("/api/v1/treaties/?page_size=200").json()["results"]) == 64
    assert client.get("/api/v1/treaties/?page_size=1000").status_code == 400
    bad = client.get("/api/v1/treaties/?cursor=not-a-cursor")
    assert bad.status_code == 400 and "Invalid cursor" in bad.json()["cursor"][0]


def test_schema_is_valid_documents_errors_and_docs_need_no_cdn(client, tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yml"))
    schema = client.get("/api/v1/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/treaties/"]["get"]
    assert {"200", "400", "429"} <= set(listing["responses"])
    names = {p["name"] for p in listing["parameters"]}
    assert {"year", "kind", "party", "ordering", "cursor", "page_size"} <= names
    kind = next(p for p in listing["parameters"] if p["name"] == "kind")
    assert "alliance" in str(kind["schema"])
    assert "404" in schema["paths"]["/api/v1/treaties/{slug}/"]["get"]["responses"]
    assert {"400", "401", "403"} <= set(schema["paths"]["/api/v1/treaties/"]["post"]["responses"])
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs and "cdn" not in docs.lower()


def test_anonymous_clients_are_throttled(client, w, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    codes = [client.get("/api/v1/states/").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_states_of_the_world_are_listed(client):
    StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan")
    assert client.get("/api/v1/states/?q=azer").json()["results"][0]["iso2"] == "AZ"


def test_relations_endpoint_reads_the_cached_relation_and_follows_an_edit(
    client, w, django_assert_max_num_queries
):
    """The endpoint shares the relations page's cached relation: a repeat costs
    the two states' lookup, not the aggregates; an edit shows at once."""
    alliance(w)
    first = client.get("/api/v1/relations/az/uz/").json()
    assert first["level"] == "alliance"
    with django_assert_max_num_queries(2):  # the data version, the two states
        assert client.get("/api/v1/relations/uz/az/").json()["treaties"] == first["treaties"]
    TreatyFactory(
        title="Later agreement on trade",
        kind=TreatyKind.AGREEMENT,
        signed_on=datetime.date(2025, 3, 1),
        parties=[w["az"], w["uz"]],
    )
    titles = [t["title"] for t in client.get("/api/v1/relations/az/uz/").json()["treaties"]]
    assert "Later agreement on trade" in titles


def test_a_record_is_read_the_same_with_or_without_filter_parameters(client, w, editor):
    treaty = alliance(w)
    treaty.sectors.add(w["energy"])
    TreatyCitation.objects.create(record=treaty, source=w["source"], quote="signed the treaty")
    url = f"/api/v1/treaties/{treaty.slug}/"
    plain = client.get(url)
    assert plain.status_code == 200
    # Filter parameters apply to the record as to a list (DRF's filtering).
    assert client.get(f"{url}?kind=alliance").json() == plain.json()
    assert client.get(f"{url}?kind=memorandum").status_code == 404
    missing = client.get("/api/v1/treaties/no-such-treaty/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No Treaty matches the given query."}

    treaty.is_published = False
    treaty.save()
    assert client.get(url).status_code == 404
    client.force_login(editor)
    draft = client.get(url).json()
    assert draft["is_published"] is False
    assert draft["citations"][0]["quote"] == "signed the treaty"


@pytest.mark.parametrize(
    ("plural", "field", "make"),
    [
        ("people", "name", lambda i: PersonFactory(name=f"Person {i:02d}")),
        ("sectors", "name", lambda i: SectorFactory(name=f"Sector {i:02d}")),
        ("sources", "title", lambda i: SourceFactory(title=f"Source {i:02d}")),
    ],
)
def test_lists_without_a_page_sort_as_their_schema_says(client, plural, field, make):
    for i in range(12):
        make(i)
    listing = client.get("/api/v1/schema/?format=json").json()["paths"][f"/api/v1/{plural}/"]
    ordering = next(p for p in listing["get"]["parameters"] if p["name"] == "ordering")
    pattern = re.compile(ordering["schema"]["pattern"])
    assert [bool(pattern.match(v)) for v in ("", field, f"-{field},{field}", f",{field}")] == [
        True,
        True,
        True,
        False,
    ]

    values, url = [], f"/api/v1/{plural}/?ordering=-{field}&page_size=5"
    while url:
        body = client.get(url).json()
        values += [row[field] for row in body["results"]]
        url = body["next"]
    assert values == sorted(values, reverse=True) and len(values) == 12
    refused = client.get(f"/api/v1/{plural}/?ordering=nonsense")
    assert refused.status_code == 400 and "ordering" in refused.json()


NEW_STATE = {"iso2": "QQ", "iso3": "QQQ", "name": "Q", "slug": "q"}


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        # DRF takes "true", 1 or 12 where the schema says boolean or text.
        ("sectors", {"slug": "s", "name": "S", "is_published": "false"}, "is_published"),
        ("sectors", {"slug": "s", "name": 12}, "name"),
        ("states", {**NEW_STATE, "cow_code": "7"}, "cow_code"),
        # Too long as sent, though nothing but spaces and line breaks.
        ("states", {**NEW_STATE, "iso_numeric": "\r\n\r\n"}, "iso_numeric"),
        # "" is no state's code (DRF read it as none).
        ("people", {"slug": "p", "name": "P", "state": ""}, "state"),
        # An amount is text such as "10.00", never negative.
        ("projects", {"slug": "p", "name": "P", "value_amount": 10, "value_currency": "USD"},
         "value_amount"),
        ("projects", {"slug": "p", "name": "P", "value_amount": "-1.00", "value_currency": "USD"},
         "value_amount"),
    ],
)  # fmt: skip
def test_writes_take_the_json_types_and_forms_the_schema_names(client, w, editor, endpoint,
                                                               body, field):  # fmt: skip
    api = token_client(client, editor)
    response = api.post(f"/api/v1/{endpoint}/", body, content_type="application/json")
    assert response.status_code == 400 and field in response.json(), response.content


def test_a_party_without_its_state_is_a_400_in_a_patch_too(client, w, publisher):
    treaty = alliance(w)
    api = token_client(client, publisher)
    url = f"/api/v1/treaties/{treaty.slug}/"
    response = api.patch(url, {"parties": [{}, {"state": "uz"}]}, content_type="application/json")
    assert response.status_code == 400  # was a server error (KeyError)
    assert "state" in str(response.json()["parties"])


def test_an_alliance_with_one_party_is_a_400_in_plain_english(client, w, publisher):
    treaty = alliance(w)
    api = token_client(client, publisher)
    url = f"/api/v1/treaties/{treaty.slug}/"
    response = api.patch(url, {"parties": [{"state": "uz"}]}, content_type="application/json")
    assert response.status_code == 400
    assert "An alliance document needs at least two parties." in response.content.decode()


def test_the_schema_says_reads_are_open_and_what_filters_take(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/treaties/"]
    assert {} in listing["get"]["security"]  # credentials optional: anyone reads
    assert {} not in listing["post"]["security"]
    parameters = {p["name"]: p["schema"] for p in listing["get"]["parameters"]}
    assert parameters["year"] == {"type": "integer", "minimum": 1, "maximum": 9999}
    assert parameters["party"]["items"]["pattern"] == "^[A-Za-z]{2,3}$"
    assert list(schema["paths"]["/api/v1/treaties/"]["post"]["requestBody"]["content"]) == [
        "application/json"
    ]


def test_deleting_a_record_others_refer_to_is_a_409_that_says_which(client, w, publisher):
    alliance(w)  # Azerbaijan is a party to it
    TreatyCitation.objects.create(record=TreatyFactory(), source=w["source"])
    api = token_client(client, publisher)
    for url in ("/api/v1/states/az/", f"/api/v1/sources/{w['source'].slug}/"):
        response = api.delete(url)
        assert response.status_code == 409, response.content  # was a server error
        assert "cannot be deleted" in response.json()["detail"]
    assert client.get("/api/v1/states/az/").status_code == 200
