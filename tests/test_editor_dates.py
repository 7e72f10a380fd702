"""Dates as people write them, read by one reader in the admin, the API and the import."""

import datetime
import re

import pytest
from rest_framework.authtoken.models import Token

from diplomacy.choices import DatePrecision
from diplomacy.importing import import_file
from diplomacy.models import Treaty
from tests.factories import StateFactory, TreatyFactory
from tests.test_admin import add_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return StateFactory(iso2="AZ", iso3="AZE"), StateFactory(iso2="UZ", iso3="UZB")


def party_rows(az, uz, ratified=("", "")):
    return {
        "treatyparty_set-0-state": az.pk,
        "treatyparty_set-0-ratified_on": ratified[0],
        "treatyparty_set-1-state": uz.pk,
        "treatyparty_set-1-ratified_on": ratified[1],
    }


def test_the_add_form_has_one_box_per_date_and_two_party_rows_and_a_citation_row(editor_client):
    html = editor_client.get("/admin/diplomacy/treaty/add/").content.decode()
    assert 'name="signed_on"' in html and 'name="treatyparty_set-1-ratified_on"' in html
    assert "_precision" not in html
    assert 'name="treatyparty_set-TOTAL_FORMS" value="2"' in html
    assert 'name="citations-TOTAL_FORMS" value="1"' in html
    assert "23.08.2024" in html  # the box says what it reads


@pytest.mark.parametrize(
    ("typed", "shown", "precision"),
    [
        ("2024", "2024", DatePrecision.YEAR),
        ("2024-08", "August 2024", DatePrecision.MONTH),
        ("Aug 2024", "August 2024", DatePrecision.MONTH),
        ("23.08.2024", "23 August 2024", DatePrecision.DAY),
        ("23 August 2024", "23 August 2024", DatePrecision.DAY),
    ],
)
def test_a_date_typed_in_the_admin_is_kept_and_shown_at_its_precision(
    editor_client, parties, typed, shown, precision
):
    data = add_form_data(editor_client, signed_on=typed, **party_rows(*parties, ("March 2025", "")))
    response = editor_client.post("/admin/diplomacy/treaty/add/", data)
    assert response.status_code == 302, response.context["errors"]
    treaty = Treaty.objects.get()
    assert treaty.signed_on_precision == precision and str(treaty.signed) == shown
    party = treaty.treatyparty_set.get(state=parties[0])
    assert str(party.ratified) == "March 2025"
    html = editor_client.get(f"/admin/diplomacy/treaty/{treaty.pk}/change/").content.decode()
    assert re.search(rf'name="signed_on" value="{shown}"', html)
    assert 'value="March 2025"' in html


def test_an_impossible_date_is_refused_with_what_is_wrong(editor_client, parties):
    data = add_form_data(editor_client, signed_on="30 February 2024", **party_rows(*parties))
    response = editor_client.post("/admin/diplomacy/treaty/add/", data)
    assert response.status_code == 200
    assert "30 February 2024 does not exist." in response.content.decode()
    assert not Treaty.objects.exists()


def test_a_stored_date_is_shown_at_its_precision(editor_client):
    treaty = TreatyFactory(
        signed_on=datetime.date(2024, 8, 1), signed_on_precision=DatePrecision.MONTH
    )
    html = editor_client.get(f"/admin/diplomacy/treaty/{treaty.pk}/change/").content.decode()
    assert 'name="signed_on" value="August 2024"' in html


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    return client


def test_the_api_reads_written_dates_and_answers_as_before(client, editor, parties):
    payload = {
        "slug": "written-dates",
        "title": "Agreement with written dates",
        "kind": "agreement",
        "signed_on": "August 2024",
        "entry_into_force_on": "2025",
        "parties": [{"state": "az", "ratified_on": "23.09.2024"}, {"state": "uz"}],
    }
    response = api(client, editor).post(
        "/api/v1/treaties/", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["signed_on"], body["signed_on_precision"]) == ("2024-08-01", "month")
    assert (body["entry_into_force_on"], body["entry_into_force_on_precision"]) == (
        "2025-01-01",
        "year",
    )
    assert body["parties"][0]["iso2"] == "AZ"
    party = Treaty.objects.get().treatyparty_set.get(state__iso2="AZ")
    assert str(party.ratified) == "23 September 2024"


def test_the_api_keeps_iso_dates_with_a_precision_and_refuses_contradictions(
    client, editor, parties
):
    base = {"title": "T", "kind": "agreement", "parties": [{"state": "az"}, {"state": "uz"}]}
    writer = api(client, editor)
    iso = {**base, "slug": "iso", "signed_on": "2024-08-23", "signed_on_precision": "month"}
    assert writer.post("/api/v1/treaties/", iso, content_type="application/json").status_code == 201
    assert str(Treaty.objects.get(slug="iso").signed) == "August 2024"
    both = {**base, "slug": "both", "signed_on": "August 2024", "signed_on_precision": "day"}
    response = writer.post("/api/v1/treaties/", both, content_type="application/json")
    assert response.status_code == 400
    assert "known to the month" in response.json()["signed_on"][0]
    bad = {**base, "slug": "bad", "signed_on": "30 February 2024"}
    response = writer.post("/api/v1/treaties/", bad, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["signed_on"] == ["30 February 2024 does not exist."]


def test_the_import_reads_the_same_written_dates(tmp_path, parties):
    path = tmp_path / "rows.csv"
    path.write_text(
        "title,kind,signed_on,parties\n"
        "A,agreement,August 2024,AZ;UZ\n"
        "B,agreement,23.08.2024,AZ;UZ\n"
        "C,agreement,30 February 2024,AZ;UZ\n"
    )
    report = import_file(path, "treaty")
    assert [error.message for error in report.errors] == ["30 February 2024 does not exist."]
    path.write_text(path.read_text().rsplit("C,", 1)[0])
    assert import_file(path, "treaty").ok
    assert {t.title: str(t.signed) for t in Treaty.objects.all()} == {
        "A": "August 2024",
        "B": "23 August 2024",
    }
