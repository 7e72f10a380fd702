"""What an editor types that the register cannot keep gets a field error
(admin) or a 400 naming the field (API), never a 500 and never a stored
record that breaks ``make backup``."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from rest_framework.authtoken.models import Token

from diplomacy.models import Organization, Person, Project, Sector, Source, State, Treaty, Visit
from tests.factories import PersonFactory, SourceFactory
from tests.helpers import world

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def api(client, editor):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=editor).key}"
    return client


@pytest.fixture
def w():
    return world()


def refused(response, field: str, *words: str) -> str:
    """The 400's message for ``field``, which must contain each of ``words``."""
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    message = str(errors[field])
    for word in words:
        assert word in message, message
    return message


# -- control characters ----------------------------------------------------------------

# One valid record per endpoint, and a text field of it.
RECORDS = {
    "sources": ({"slug": "report", "title": "Report on talks"}, ["title", "publisher", "text"]),
    "states": (
        {"iso2": "TM", "iso3": "TKM", "name": "Turkmenistan", "slug": "turkmenistan"},
        ["name", "official_name", "capital", "summary"],
    ),
    "people": ({"slug": "p", "name": "A Person"}, ["name", "office", "summary"]),
    "organizations": ({"slug": "o", "name": "An Organization"}, ["name", "acronym", "summary"]),
    "sectors": ({"slug": "s", "name": "A Sector"}, ["name", "description"]),
    "treaties": (
        {"slug": "t", "title": "A Treaty", "parties": [{"state": "az"}, {"state": "uz"}]},
        ["title", "short_title", "place_signed", "summary"],
    ),
    "visits": (
        {"slug": "v", "title": "A Visit", "host": "az", "guest": "uz"},
        ["title", "city", "summary"],
    ),
    "projects": ({"slug": "j", "name": "A Project"}, ["name", "city", "value_note", "description"]),
}
MODELS = {
    "sources": Source, "states": State, "people": Person, "organizations": Organization,
    "sectors": Sector, "treaties": Treaty, "visits": Visit, "projects": Project,
}  # fmt: skip
TEXT_FIELDS = [(endpoint, field) for endpoint, (_, fields) in RECORDS.items() for field in fields]


def test_a_source_titled_with_a_vertical_tab_is_refused_by_the_api(api, w):
    response = api.post(
        "/api/v1/sources/", {"slug": "report", "title": "Report\u000bon talks"}, content_type=JSON
    )
    refused(response, "title", "control character (U+000B)")
    assert not Source.objects.filter(slug="report").exists()


@pytest.mark.parametrize(("endpoint", "field"), TEXT_FIELDS)
def test_every_text_field_refuses_control_characters(api, w, endpoint, field):
    record, _ = RECORDS[endpoint]
    payload = {**record, field: "Text\u000bmore"}
    response = api.post(f"/api/v1/{endpoint}/", payload, content_type=JSON)
    refused(response, field)
    assert not MODELS[endpoint].objects.filter(slug=record["slug"]).exists()


@pytest.mark.parametrize(
    ("character", "code"),
    [("\x00", "U+0000"), ("\x08", "U+0008"), ("\x1b", "U+001B"), ("\x7f", "U+007F"),
     ("\x85", "U+0085"), ("\r", "U+000D")],
)  # fmt: skip
def test_each_control_character_is_named(api, w, character, code):
    """A carriage return is kept only in a CR LF line break (what browsers send)."""
    payload = {"slug": "report", "title": "Report", "text": f"Text{character}more"}
    response = api.post("/api/v1/sources/", payload, content_type=JSON)
    refused(response, "text", code)


def test_a_change_is_refused_as_a_new_record_is(api, w):
    SourceFactory(slug="report", title="Report")
    response = api.patch("/api/v1/sources/report/", {"notes": "Seen\x1b[31m"}, content_type=JSON)
    refused(response, "notes", "U+001B")
    assert Source.objects.get(slug="report").notes == ""


def test_tabs_and_line_breaks_are_kept(api, w):
    text = "First line\r\nsecond line\n\tindented"
    response = api.post(
        "/api/v1/sources/", {"slug": "report", "title": "Report", "text": text}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    assert Source.objects.get(slug="report").text == text


def test_what_the_api_accepts_can_be_backed_up(api, w, tmp_path):
    """The characters that are let through are the ones XML keeps."""
    text = "Tab\there, line\nfeed, CR LF\r\nend"
    response = api.post(
        "/api/v1/sources/",
        {"slug": "report", "title": "Report\ton talks", "notes": text},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    call_command("backup", output=str(tmp_path / "register.xml"))
    assert "Report\ton talks" in (tmp_path / "register.xml").read_text()


def test_a_link_with_a_control_character_is_refused(api, w):
    response = api.post(
        "/api/v1/sources/",
        {"slug": "report", "title": "Report", "source_url": "https://example.org/a\x01b"},
        content_type=JSON,
    )
    refused(response, "source_url", "U+0001")


def text_fields():
    """Every free-text column of every model of the register (choices are
    checked against their list, slugs by their own pattern)."""
    for model in apps.get_app_config("diplomacy").get_models():
        if model._meta.model_name.startswith("historical"):
            continue  # a copy of what the record held
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.CharField | models.TextField)
                and not field.choices
                and not isinstance(field, models.SlugField)
            ):
                yield pytest.param(model, field, id=f"{model.__name__}.{field.name}")


@pytest.mark.parametrize(("model", "field"), list(text_fields()))
def test_every_text_field_of_every_model_refuses_control_characters(model, field):
    """The rule sits on the model fields, so the admin's forms, the API's
    serializers and the importer's full_clean() all apply it."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refusal:
        field.clean("A\x0bB", model())
    assert any("U+000B" in message for message in refusal.value.messages)


# -- values the database would refuse ----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"iso2": "0!"}, "iso2"),
        ({"iso2": "\x00A"}, "iso2"),
        ({"iso3": "TK1"}, "iso3"),
        ({"iso3": "T"}, "iso3"),
        ({"iso2": "az"}, "iso2"),  # Azerbaijan's code, in lower case
        ({"iso3": "aze"}, "iso3"),
    ],
)
def test_a_state_code_the_database_would_refuse_is_a_400(api, w, change, field):
    state = {"iso2": "TM", "iso3": "TKM", "name": "Turkmenistan", "slug": "turkmenistan"}
    response = api.post("/api/v1/states/", {**state, **change}, content_type=JSON)
    refused(response, field)
    assert not State.objects.filter(slug="turkmenistan").exists()


def test_a_state_code_in_lower_case_is_stored_in_upper_case(api, w):
    state = {"iso2": "tm", "iso3": "tkm", "name": "Turkmenistan", "slug": "turkmenistan"}
    response = api.post("/api/v1/states/", state, content_type=JSON)
    assert response.status_code == 201, response.content
    assert State.objects.filter(iso2="TM", iso3="TKM").exists()


def test_links_longer_than_their_column_are_a_400(api, w):
    long_path = "https://example.org/" + "a" * 490
    response = api.post(
        "/api/v1/sources/",
        {"slug": "report", "title": "Report", "source_url": long_path},
        content_type=JSON,
    )
    refused(response, "source_url", "500 characters")
    response = api.post(
        "/api/v1/organizations/",
        {"slug": "o", "name": "An Organization", "url_website": long_path[:210]},
        content_type=JSON,
    )
    refused(response, "url_website", "200 characters")
    response = api.post(
        "/api/v1/treaties/",
        {**RECORDS["treaties"][0], "full_text_url": long_path},
        content_type=JSON,
    )
    refused(response, "full_text_url", "500 characters")
    assert not Source.objects.filter(slug="report").exists()
    assert not Organization.objects.exists() and not Treaty.objects.exists()


@pytest.mark.parametrize(
    ("endpoint", "change", "field"),
    [
        ("visits", {"principals": ["a\x00b"]}, "principals"),
        ("visits", {"host": "a\x00"}, "host"),
        ("treaties", {"sectors": ["energy\x00"]}, "sectors"),
        ("treaties", {"parties": [{"state": "\x00a"}, {"state": "az"}]}, "parties"),
        ("projects", {"sectors": ["\x00"]}, "sectors"),
        ("projects", {"states": ["a\x00"]}, "states"),
        ("projects", {"location_state": "\x00\x00"}, "location_state"),
        ("people", {"state": "a\x00"}, "state"),
    ],
)
def test_a_nul_byte_in_a_related_key_is_a_400(api, w, endpoint, change, field):
    PersonFactory(slug="ab")
    record, _ = RECORDS[endpoint]
    response = api.post(f"/api/v1/{endpoint}/", {**record, **change}, content_type=JSON)
    refused(response, field)


@pytest.mark.parametrize(
    ("endpoint", "change", "field"),
    [
        ("sources", {"slug": "report\x00"}, "slug"),
        ("sectors", {"name": "Energy\x00"}, "name"),  # a unique name
        ("states", {"iso3": "T\x00M"}, "iso3"),
    ],
)
def test_a_nul_byte_in_a_unique_field_is_a_400(api, w, endpoint, change, field):
    """Checking that no other record has the value must not send it to the database."""
    record, _ = RECORDS[endpoint]
    response = api.post(f"/api/v1/{endpoint}/", {**record, **change}, content_type=JSON)
    refused(response, field)


def test_a_currency_in_lower_case_is_a_400(api, w):
    project = {**RECORDS["projects"][0], "value_amount": "10.00", "value_currency": "usd"}
    response = api.post("/api/v1/projects/", project, content_type=JSON)
    refused(response, "value_currency", "USD")
    assert not Project.objects.exists()


def test_a_visit_refused_by_a_rule_writes_nothing(api, w):
    visit = {**RECORDS["visits"][0], "guest": "az", "host": "az"}
    assert api.post("/api/v1/visits/", visit, content_type=JSON).status_code == 400
    assert not Visit.objects.exists()


# -- the admin -----------------------------------------------------------------------


def admin_add(client, model: str, **fields):
    """Post the admin's add form of ``model`` (its hidden inputs, management
    forms included, and ``fields``)."""
    html = client.get(f"/admin/diplomacy/{model}/add/").content.decode()
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    data.update(fields)
    return client.post(f"/admin/diplomacy/{model}/add/", data)


STATE_FORM = {
    "name": "Turkmenistan",
    "slug": "turkmenistan",
    "iso2": "TM",
    "iso3": "TKM",
    "independence_on_precision": "day",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"iso2": "0!"}, "ISO 3166-1 alpha-2"),
        ({"iso3": "TK1"}, "ISO 3166-1 alpha-3"),
        ({"name": "Turkmen\x0bistan"}, "U+000B"),
        ({"summary": "A\x00B"}, "Null characters are not allowed"),
    ],
)
def test_the_admin_shows_a_form_error_for_a_state_the_database_would_refuse(
    editor_client, change, message
):
    response = admin_add(editor_client, "state", **{**STATE_FORM, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not State.objects.filter(slug="turkmenistan").exists()


def test_the_admin_refuses_a_source_titled_with_a_vertical_tab(editor_client):
    response = admin_add(
        editor_client,
        "source",
        title="Report\x0bon talks",
        slug="report",
        language="en",
        published_on_precision="day",
    )
    assert response.status_code == 200
    assert "control character (U+000B)" in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.parametrize("slug", ["per-year", "compare", "feed"])
def test_a_slug_that_is_a_page_of_the_register_is_refused(api, w, slug):
    """/treaties/per-year/ is the per-year table: a treaty of that slug would
    have a page no one could reach."""
    data = {**RECORDS["treaties"][0], "slug": slug}
    refused(api.post("/api/v1/treaties/", data, content_type=JSON), "slug", "choose another")
    assert not Treaty.objects.filter(slug=slug).exists()
