"""What an import writes is what an editor's save writes (issue 19): the
records, their parties, sectors, identifiers and citations, a history row
each under the importer's name, the search index and the party lists; and
records made after an import get keys of their own (on PostgreSQL the rows
stream in with COPY, with keys drawn from each table's sequence)."""

import pytest
from django.contrib.auth import get_user_model

from diplomacy.importing import import_file
from diplomacy.models import Treaty, TreatyCitation, TreatyParty, Visit
from tests.factories import SectorFactory, StateFactory

pytestmark = pytest.mark.django_db

TREATIES = (
    "slug,title,kind,signed_on,parties,sectors,unts,source_title,source_url,quote,locator\n"
    "transit-pact,Transit pact of the steppe,agreement,2021-05-04,AZ;UZ;KZ,energy,I-70001,"
    "Steppe treaty list,https://example.org/steppe,The transit pact was signed.,p. 4\n"
    "grain-memo,Grain memorandum,memorandum,2019,UZ;KZ,energy;trade,,"
    "Steppe treaty list,https://example.org/steppe,The grain memorandum was signed.,p. 9\n"
)


@pytest.fixture
def register():
    StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan")
    StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan")
    StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan")
    SectorFactory(slug="energy", name="Energy")
    SectorFactory(slug="trade", name="Trade")
    return get_user_model().objects.create_user("importer", password="x")


def test_imported_treaties_read_back_whole_on_their_pages_lists_and_search(
    tmp_path, register, client
):
    path = tmp_path / "treaties.csv"
    path.write_text(TREATIES, encoding="utf-8")
    report = import_file(path, "treaty", user=register, publish=True)
    assert report.ok and report.created == 2, report.summary()

    pact = Treaty.objects.get(slug="transit-pact")
    assert sorted(pact.parties.values_list("iso2", flat=True)) == ["AZ", "KZ", "UZ"]
    assert list(pact.sectors.values_list("slug", flat=True)) == ["energy"]
    assert pact.identifiers.get().value == "I-70001"
    assert pact.created_at is not None and pact.updated_at is not None
    citation = TreatyCitation.objects.get(record=pact)
    assert citation.source.title == "Steppe treaty list" and citation.locator == "p. 4"
    # One source for both rows, created once.
    assert TreatyCitation.objects.get(record__slug="grain-memo").source == citation.source

    page = client.get(pact.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Transit pact of the steppe" in html and "Kazakhstan" in html
    # The list of a party reads the copies of the treaty's date on party rows.
    listed = client.get("/treaties/?party=KZ").content.decode()
    assert "Transit pact of the steppe" in listed and "Grain memorandum" in listed
    assert "Grain memorandum" not in client.get("/treaties/?party=AZ").content.decode()
    # The search index is the database's, filled as for a save.
    assert "Transit pact of the steppe" in client.get("/search/?q=steppe").content.decode()


def test_every_imported_row_has_its_history_under_the_importer_name(tmp_path, register):
    path = tmp_path / "treaties.csv"
    path.write_text(TREATIES, encoding="utf-8")
    import_file(path, "treaty", user=register)
    pact = Treaty.objects.get(slug="transit-pact")
    created = pact.history.get()
    assert created.history_type == "+" and created.history_user == register
    assert created.history_change_reason == "import"
    assert created.title == "Transit pact of the steppe" and not created.is_published
    parties = TreatyParty.history.filter(treaty_id=pact.pk)
    assert parties.count() == 3 and {h.history_user for h in parties} == {register}
    # Written as an admin save writes a party row's history: no reason given.
    assert {h.history_change_reason for h in parties} == {None}
    assert pact.identifiers.get().history.get().history_user == register


def test_records_made_after_an_import_get_keys_of_their_own(tmp_path, register, client):
    path = tmp_path / "treaties.csv"
    path.write_text(TREATIES, encoding="utf-8")
    import_file(path, "treaty", publish=True)
    later = Treaty.objects.create(
        slug="later", title="Later treaty", kind="agreement", status="signed", is_published=True
    )
    assert later.pk not in set(Treaty.objects.exclude(slug="later").values_list("pk", flat=True))
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "slug,title,kind,level,host,guest,start_on\n"
        "steppe-visit,Steppe visit,official,head_of_state,UZ,KZ,2022-03-01\n",
        encoding="utf-8",
    )
    assert import_file(visits, "visit", publish=True).created == 1
    assert Visit.objects.get(slug="steppe-visit").history.get().history_change_reason == "import"
    assert client.get("/treaties/later/").status_code == 200


def test_a_database_that_returns_no_keys_from_a_bulk_insert_still_imports_whole(
    tmp_path, register, monkeypatch
):
    """SQLite before 3.35 gives no keys back from a bulk insert: the rows are
    then saved one by one, each with its history."""
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL writes with COPY")
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    path = tmp_path / "treaties.csv"
    path.write_text(TREATIES, encoding="utf-8")
    report = import_file(path, "treaty", user=register)
    assert report.ok and report.created == 2, report.summary()
    pact = Treaty.objects.get(slug="transit-pact")
    assert pact.parties.count() == 3 and pact.identifiers.get().value == "I-70001"
    assert pact.history.get().history_user == register
    assert TreatyParty.history.filter(treaty_id=pact.pk).count() == 3
