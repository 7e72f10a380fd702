"""Every download imports as it is: export, import into an empty register,
export again, and the files are the same, byte for byte (issue 19 item 7).

The empty register keeps what the files name but do not hold: states
(countries and former states), sectors, people and sources. The records the
downloads hold (treaties with their parties and commitments, visits,
projects) are deleted, then imported from the files with ``import_records``.
"""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command

from diplomacy.importing import import_file
from diplomacy.models import (
    Commitment,
    Project,
    State,
    Treaty,
    TreatyIdentifier,
    TreatyParty,
    Visit,
)
from tests.factories import TreatyFactory, UserFactory
from tests.helpers import world

# Each download, the import kind that reads it back, in the order they import
# (memberships and commitments belong to treaties).
DOWNLOADS = [
    ("treaties", "/treaties/export", "treaty"),
    ("memberships", "/treaties/memberships", "membership"),
    ("commitments", "/treaties/commitments", "commitment"),
    ("visits", "/visits/export", "visit"),
    ("projects", "/projects/export", "project"),
]


def download(client, address: str) -> bytes:
    response = client.get(address)
    assert response.status_code == 200, address
    return b"".join(response.streaming_content)


def export_all(client, extension: str) -> dict[str, bytes]:
    return {name: download(client, f"{url}.{extension}") for name, url, _ in DOWNLOADS}


def empty_the_register():
    for model in (Commitment, TreatyParty, Treaty, Visit, Project):
        model.objects.all().delete()
    assert not Treaty.objects.exists() and not Visit.objects.exists()


def import_all(tmp_path, files: dict[str, bytes], extension: str, user) -> None:
    for name, _, kind in DOWNLOADS:
        path = tmp_path / f"{name}.{extension}"
        path.write_bytes(files[name])
        # Memberships and commitments are published with their treaty.
        publish = ["--publish"] if kind in ("treaty", "visit", "project") else []
        call_command("import_records", str(path), "--kind", kind, "--user", user.username,
                     *publish, stdout=io.StringIO())  # fmt: skip


def assert_round_trip(client, tmp_path, extension: str) -> dict[str, bytes]:
    user = UserFactory(username="importer", is_staff=True, is_superuser=True)
    before = export_all(client, extension)
    empty_the_register()
    import_all(tmp_path, before, extension, user)
    after = export_all(client, extension)
    for name, _, _ in DOWNLOADS:
        assert after[name] == before[name], name
    # A second import of the same files changes nothing.
    for name, _, kind in DOWNLOADS:
        report = import_file(tmp_path / f"{name}.{extension}", kind, user=user, dry_run=True)
        assert report.ok and (report.created, report.updated) == (0, 0), (name, report.summary())
    return before


def lines(content: bytes) -> int:
    return content.count(b"\n") - 1


@pytest.fixture
def seed(db):
    call_command("loaddata", "seed", verbosity=0)


@pytest.fixture
def generated(db):
    # Every country and the states through history, with the code table's
    # periods: a code written for a party must name it on the record's date.
    call_command("load_countries", verbosity=0, stdout=io.StringIO())
    call_command("load_historic_states", verbosity=0, stdout=io.StringIO())
    call_command(
        "generate_synthetic", treaties=200, visits=100, projects=100, verbosity=0,
        stdout=io.StringIO(),
    )  # fmt: skip


@pytest.mark.parametrize("extension", ["csv", "json"])
def test_the_seed_corpus_comes_back_the_same(client, tmp_path, seed, extension):
    files = assert_round_trip(client, tmp_path, extension)
    # What was compared is the corpus: every record, party and commitment.
    assert b"treaty-on-allied-relations-azerbaijan-uzbekistan-2024" in files["treaties"]
    assert b"political_support" in files["commitments"]
    assert b"ilham-aliyev" in files["visits"]


@pytest.mark.parametrize("extension", ["csv", "json"])
def test_generated_records_come_back_the_same(client, tmp_path, generated, extension):
    files = assert_round_trip(client, tmp_path, extension)
    if extension == "csv":
        assert lines(files["treaties"]) > 100 and lines(files["visits"]) > 50
        assert lines(files["commitments"]) > 0 and lines(files["memberships"]) > 200
    else:
        assert len(json.loads(files["projects"])) > 50


def test_a_code_another_state_held_on_the_date_is_written_as_one_that_reads_back(
    client, tmp_path, db
):
    """Anguilla's AI was the French Afars and Issas' code until 1977 (ISO
    3166-3 AIDJ): a 1975 treaty of Anguilla's must not come back as one of
    Djibouti's, nor be refused. Its download writes AIA, which names Anguilla
    on any date; a treaty of 1990 keeps AI."""
    call_command("load_countries", verbosity=0, stdout=io.StringIO())
    call_command("load_historic_states", verbosity=0, stdout=io.StringIO())
    anguilla, france = State.objects.get(iso2="AI"), State.objects.get(iso2="FR")
    for year in (1975, 1990):
        treaty = TreatyFactory(
            slug=f"anguilla-{year}", signed_on=datetime.date(year, 5, 1), is_published=True
        )
        for state in (anguilla, france):
            TreatyParty.objects.create(treaty=treaty, state=state)
    files = assert_round_trip(client, tmp_path, "csv")
    parties = {row["slug"]: row["parties"] for row in csv.DictReader(
        io.StringIO(files["treaties"].decode()))}  # fmt: skip
    assert parties == {"anguilla-1975": "AIA;FR", "anguilla-1990": "AI;FR"}
    assert set(Treaty.objects.get(slug="anguilla-1975").parties.all()) == {anguilla, france}


# The API's list pages import as they are too: its summaries of related
# records (a party, a sector, a person) are read as their codes and slugs,
# and the fields it writes for readers (url, html_url, the times a record was
# created and changed, is_published) are recognised and ignored. What a party
# row says of membership over time comes back with the memberships file.
API_LISTS = [("treaties", "treaty"), ("visits", "visit"), ("projects", "project")]
CHANGES_WITH_THE_REGISTER = ("created_at", "updated_at")


def api_pages(client) -> dict[str, dict]:
    pages = {}
    for name, _ in API_LISTS:
        response = client.get(f"/api/v1/{name}/?page_size=200", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        pages[name] = response.json()
    return pages


def without_times(page: dict) -> list[dict]:
    """The records of an API page, by slug: the API orders records of the
    same date by when the register created them."""
    return sorted(
        (
            {key: value for key, value in item.items() if key not in CHANGES_WITH_THE_REGISTER}
            for item in page["results"]
        ),
        key=lambda item: item["slug"],
    )


def test_api_list_pages_import_as_they_are(client, tmp_path, seed):
    user = UserFactory(username="importer", is_staff=True, is_superuser=True)
    before = api_pages(client)
    belonging = {
        name: download(client, f"/treaties/{name}.csv") for name in ("memberships", "commitments")
    }
    assert before["treaties"]["results"] and before["visits"]["results"]
    empty_the_register()
    for name, kind in API_LISTS:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(before[name]), encoding="utf-8")
        call_command("import_records", str(path), "--kind", kind, "--user", user.username,
                     "--publish", stdout=io.StringIO())  # fmt: skip
    for name, kind in (("memberships", "membership"), ("commitments", "commitment")):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(belonging[name])
        call_command("import_records", str(path), "--kind", kind, stdout=io.StringIO())
    after = api_pages(client)
    for name, _ in API_LISTS:
        assert without_times(after[name]) == without_times(before[name]), name


# -- the columns a download writes for readers ------------------------------------------------


@pytest.fixture
def states(db):
    return world()


def test_identifiers_and_precisions_of_a_download_are_read(tmp_path, states):
    path = tmp_path / "treaties.csv"
    path.write_text(
        "slug,title,kind,signed_on,signed_on_precision,parties,identifiers,url,party_names\n"
        "pact,Pact,agreement,2024-08-23,month,AZ;UZ,wikidata:Q42;unts:54113,/elsewhere/,X;Y\n",
        encoding="utf-8",
    )
    report = import_file(path, "treaty")
    assert report.ok, report.summary()
    treaty = Treaty.objects.get(slug="pact")
    assert (treaty.signed_on.isoformat(), treaty.signed_on_precision) == ("2024-08-01", "month")
    assert set(TreatyIdentifier.objects.values_list("scheme", "value")) == {
        ("wikidata", "Q42"), ("unts", "54113"),
    }  # fmt: skip
    # An empty cell clears every identifier, as an empty unts cell clears that one.
    path.write_text("slug,identifiers\npact,\n", encoding="utf-8")
    assert import_file(path, "treaty").updated == 1
    assert not TreatyIdentifier.objects.exists()


@pytest.mark.parametrize(
    ("columns", "cells", "column"),
    [
        ("signed_on,signed_on_precision", "2024,day", "signed_on_precision"),
        ("signed_on,signed_on_precision", "2024-08-23,hour", "signed_on_precision"),
        ("identifiers", "other:1", "identifiers"),
        ("identifiers", "unts:1;unts:2", "identifiers"),
    ],
)
def test_a_download_column_that_says_too_much_is_refused(tmp_path, states, columns, cells, column):
    path = tmp_path / "treaties.csv"
    path.write_text(f"title,kind,parties,{columns}\nPact,agreement,AZ;UZ,{cells}\n")
    report = import_file(path, "treaty")
    assert [error.field for error in report.errors] == [column]
    assert not Treaty.objects.exists()


@pytest.fixture
def former_states(db):
    call_command("load_countries", verbosity=0, stdout=io.StringIO())
    call_command("load_historic_states", verbosity=0, stdout=io.StringIO())


def test_former_states_parties_come_back_the_same(client, tmp_path, former_states):
    def named(name):
        return State.objects.get(name=name)

    soviet, gdr, yugoslavia = (
        named("Soviet Union"), named("German Democratic Republic"), named("Yugoslavia"),
    )  # fmt: skip
    TreatyFactory(slug="salt-ii", signed_on=datetime.date(1979, 6, 18),
                  parties=[soviet, named("United States")])  # fmt: skip
    treaty = TreatyFactory(slug="basic-treaty", signed_on=datetime.date(1972, 12, 21),
                           parties=[gdr, named("German Federal Republic")])  # fmt: skip
    TreatyParty.objects.filter(treaty=treaty, state=gdr).update(
        consent_mode="ratification", consented_on=datetime.date(1973, 6, 1),
        consented_on_precision="month",
    )  # fmt: skip
    TreatyFactory(slug="trade-1965", signed_on=datetime.date(1965, 1, 1),
                  signed_on_precision="year", parties=[yugoslavia, soviet])  # fmt: skip
    files = assert_round_trip(client, tmp_path, "csv")
    members = csv.DictReader(io.StringIO(files["memberships"].decode()))
    assert ("basic-treaty", "ratification", "1973-06") in {
        (m["treaty"], m["mode"], m["joined"]) for m in members
    }
