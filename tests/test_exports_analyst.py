"""CSV downloads an analyst can open: absolute addresses, names beside codes,
summaries, identifiers, dates with their precision, a file name that says what
it holds, and a file Excel reads as UTF-8. The treaties' parties over time and
their commitments download too, with their import's columns; every download
also comes as JSON."""

import csv
import datetime
import io
import json

import pytest

from diplomacy.choices import DatePrecision
from diplomacy.exports import COMMITMENT_COLUMNS, MEMBERSHIP_COLUMNS, TREATY_COLUMNS
from diplomacy.importing.specs import SPECS
from diplomacy.models import Commitment, CommitmentKind, TreatyIdentifier, TreatyParty
from tests.factories import ProjectFactory, SourceFactory, TreatyFactory, VisitFactory
from tests.helpers import alliance, world

# The columns scripts read before the analysts' ones were added, in their order.
OLD_TREATY_COLUMNS = [
    "slug", "title", "short_title", "kind", "status", "signed_on", "signed_on_precision",
    "place_signed", "entry_into_force_on", "ended_on", "parties", "sectors",
    "full_text_url", "url",
]  # fmt: skip


@pytest.fixture
def w(db):
    return world()


def download(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return response, content


def rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_treaty_rows_carry_addresses_names_summary_identifiers_and_precisions(client, w):
    treaty = alliance(w, summary="The two states become allies.")
    treaty.entry_into_force_on = datetime.date(2025, 3, 1)
    treaty.entry_into_force_on_precision = DatePrecision.MONTH
    treaty.save()
    TreatyIdentifier.objects.create(treaty=treaty, scheme="wikidata", value="Q42")
    _, content = download(client, "/treaties/export.csv")
    (row,) = rows(content)
    assert list(row)[: len(OLD_TREATY_COLUMNS)] == OLD_TREATY_COLUMNS
    assert row["url"] == "/treaties/treaty-on-allied-relations/"
    assert row["absolute_url"] == "http://testserver/treaties/treaty-on-allied-relations/"
    assert (row["parties"], row["party_names"]) == ("AZ;UZ", "Azerbaijan;Uzbekistan")
    assert row["summary"] == "The two states become allies."
    assert row["identifiers"] == "wikidata:Q42"
    assert (row["signed_on"], row["signed_on_precision"]) == ("2024-08-23", "day")
    assert (row["entry_into_force_on"], row["entry_into_force_on_precision"]) == (
        "2025-03",
        "month",
    )
    assert (row["ended_on"], row["ended_on_precision"]) == ("", "")


def test_visit_and_project_rows_name_their_states(client, w):
    VisitFactory(host=w["uz"], guest=w["az"], summary="A state visit.")
    project = ProjectFactory(location_state=w["uz"], description="A school.")
    project.states.set([w["az"], w["uz"]])
    (visit,) = rows(download(client, "/visits/export.csv")[1])
    assert (visit["host"], visit["host_name"], visit["guest_name"]) == (
        "UZ",
        "Uzbekistan",
        "Azerbaijan",
    )
    assert visit["absolute_url"].startswith("http://testserver/visits/")
    assert visit["summary"] == "A state visit."
    (row,) = rows(download(client, "/projects/export.csv")[1])
    assert (row["states"], row["state_names"]) == ("AZ;UZ", "Azerbaijan;Uzbekistan")
    assert row["location_state_name"] == "Uzbekistan" and row["description"] == "A school."


@pytest.mark.parametrize(
    ("query", "filename"),
    [
        ("", "treaties.csv"),
        ("?party=az&party=UZ&year=2024", "treaties-az-uz-2024.csv"),
        ("?kind=alliance&year_min=2020&year_max=2024", "treaties-alliance-from-2020-to-2024.csv"),
        ("?party=uz&excel=1&ordering=title", "treaties-uz.csv"),
    ],
)
def test_the_file_name_says_what_it_holds(client, w, query, filename):
    alliance(w)
    response, _ = download(client, f"/treaties/export.csv{query}")
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_excel_gets_a_byte_order_mark_and_scripts_do_not(client, w):
    alliance(w, summary="Союзнические отношения")
    _, plain = download(client, "/treaties/export.csv")
    _, excel = download(client, "/treaties/export.csv?excel=1")
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel.startswith(b"\xef\xbb\xbf")
    assert excel[3:] == plain
    assert rows(excel)[0]["summary"] == "Союзнические отношения"


def test_the_list_offers_the_excel_download_with_its_filters(client, w):
    alliance(w)
    html = client.get("/treaties/?party=uz").content.decode()
    assert 'href="/treaties/export.csv?party=uz&amp;excel=1"' in html


def test_the_export_reads_a_fixed_number_of_queries(client, w, django_assert_max_num_queries):
    for n in range(30):
        treaty = TreatyFactory(slug=f"t-{n}", parties=[w["az"], w["uz"]])
        TreatyIdentifier.objects.create(treaty=treaty, scheme="unts", value=str(n))
    # version; states, sectors (the filter form's choices); rows; party rows
    # and sectors; identifiers; the code table (states, periods, codes), which
    # picks the code that names each party on its treaty's date.
    with django_assert_max_num_queries(10):
        _, content = download(client, "/treaties/export.csv")
    assert len(rows(content)) == 30
    assert len(TREATY_COLUMNS) == len(rows(content)[0])


# -- memberships and commitments -------------------------------------------------------------


def commit(treaty, value: str, **fields) -> Commitment:
    return Commitment.objects.create(
        treaty=treaty, kind=CommitmentKind.objects.get(value=value), **fields
    )


def test_the_list_offers_parties_over_time_commitments_and_json_with_its_filters(client, w):
    alliance(w)
    html = client.get("/treaties/?party=uz").content.decode()
    for address in ("memberships.csv", "commitments.csv", "export.json"):
        assert f'href="/treaties/{address}?party=uz"' in html


def test_memberships_and_commitments_have_their_imports_columns(client, w):
    treaty = alliance(w)
    TreatyParty.objects.filter(treaty=treaty, state=w["uz"]).update(
        consent_mode="ratification", consented_on=datetime.date(2024, 10, 1),
        consented_on_precision=DatePrecision.MONTH,
    )  # fmt: skip
    defence = commit(treaty, "defence", article="Article 4", quote="Each party shall assist",
                     source=w["source"], locator="p. 3", conditions="if attacked")  # fmt: skip
    defence.parties_bound.set([w["az"]])
    response, content = download(client, "/treaties/memberships.csv")
    assert response["Content-Disposition"] == 'attachment; filename="memberships.csv"'
    members = rows(content)
    assert list(members[0]) == list(SPECS["membership"].columns)
    assert [(m["state"], m["mode"], m["joined"]) for m in members] == [
        ("AZ", "", ""), ("UZ", "ratification", "2024-10"),
    ]  # fmt: skip
    (row,) = rows(download(client, "/treaties/commitments.csv")[1])
    assert list(row) == list(SPECS["commitment"].columns)
    assert row == {
        "treaty": "treaty-on-allied-relations", "kind": "defence", "article": "Article 4",
        "quote": "Each party shall assist", "conditions": "if attacked", "parties_bound": "AZ",
        "source": w["source"].url or w["source"].title, "locator": "p. 3",
    }  # fmt: skip
    assert [name for name, _ in MEMBERSHIP_COLUMNS + COMMITMENT_COLUMNS] == [
        *members[0], *row,
    ]  # fmt: skip


def test_drafts_are_never_downloaded(client, w):
    commit(alliance(w), "defence", source=SourceFactory(is_published=False, title="Draft note"))
    draft = TreatyFactory(slug="draft-pact", parties=[w["az"], w["kz"]], is_published=False)
    commit(draft, "consultation", quote="Secret")
    memberships = download(client, "/treaties/memberships.csv")[1].decode()
    commitments = download(client, "/treaties/commitments.csv")[1].decode()
    assert "draft-pact" not in memberships + commitments and "Secret" not in commitments
    # A commitment of a published treaty citing a draft source names no source.
    assert rows(commitments.encode())[0]["source"] == ""


def test_the_treaty_lists_filters_choose_the_rows(client, w):
    first = alliance(w)
    commit(first, "defence")
    commit(first, "political_support")
    other = TreatyFactory(slug="az-kz", parties=[w["az"], w["kz"]])
    commit(other, "consultation")
    kz = rows(download(client, "/treaties/memberships.csv?party=kz")[1])
    assert {(m["treaty"], m["state"]) for m in kz} == {("az-kz", "AZ"), ("az-kz", "KZ")}
    chosen = rows(download(client, "/treaties/commitments.csv?commitment=defence")[1])
    assert [(c["treaty"], c["kind"]) for c in chosen] == [("treaty-on-allied-relations", "defence")]
    response = client.get("/treaties/commitments.csv?commitment=world_peace")
    assert response.status_code == 400


def test_every_download_also_comes_as_json(client, w):
    treaty = alliance(w)
    commit(treaty, "defence", article="Article 4")
    response, content = download(client, "/treaties/export.json?party=az")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="treaties-az.json"'
    (item,) = json.loads(content)
    assert item["parties"] == ["AZ", "UZ"] and item["commitments"] == ["defence"]
    assert list(item) == [name for name, _ in TREATY_COLUMNS]
    (commitment,) = json.loads(download(client, "/treaties/commitments.json")[1])
    assert (commitment["article"], commitment["parties_bound"]) == ("Article 4", [])
    assert len(json.loads(download(client, "/treaties/memberships.json")[1])) == 2
    assert json.loads(download(client, "/visits/export.json")[1]) == []
    assert json.loads(download(client, "/treaties/?format=json&party=kz")[1]) == []


def test_memberships_and_commitments_read_a_fixed_number_of_queries(
    client, w, django_assert_max_num_queries
):
    for n in range(30):
        treaty = TreatyFactory(slug=f"t-{n}", parties=[w["az"], w["uz"]])
        commit(treaty, "defence").parties_bound.set([w["az"]])
    # version; the filter form's choices; the rows (with their treaty, state,
    # kind, source); for commitments, the parties they bind.
    with django_assert_max_num_queries(6):
        assert len(rows(download(client, "/treaties/memberships.csv")[1])) == 60
    with django_assert_max_num_queries(7):
        assert len(rows(download(client, "/treaties/commitments.csv")[1])) == 30


# -- the order of a download ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        # The list's own order, newest first; records of one date by slug, descending.
        ("", None),
        ("?ordering=-signed_on", None),
        # By title, ascending: one title, so by slug, ascending.
        ("?ordering=title", ["old-b", "same-a", "same-b", "same-c", "undated"]),
        # A search keeps the list's order.
        ("?q=Pact", None),
        # A commitment: through its rows' copy of the date, newest first.
        ("?commitment=defence", None),
    ],
)
def test_records_of_equal_keys_download_in_slug_order_not_creation_order(
    client, w, query, expected
):
    """An import into another register creates records in the file's order:
    the order of a download must not depend on this register's keys."""
    for slug, on in (("same-c", (2020, 5, 1)), ("old-b", (2001, 1, 1)), ("same-a", (2020, 5, 1)),
                     ("undated", None), ("same-b", (2020, 5, 1))):  # fmt: skip
        treaty = TreatyFactory(
            slug=slug, title="Pact", parties=[w["az"], w["uz"]],
            signed_on=datetime.date(*on) if on else None,
        )  # fmt: skip
        commit(treaty, "defence")
    newest_first = ["same-c", "same-b", "same-a", "old-b", "undated"]
    for extension in ("csv", "json"):
        _, content = download(client, f"/treaties/export.{extension}{query}")
        slugs = (
            [row["slug"] for row in rows(content)]
            if extension == "csv"
            else [item["slug"] for item in json.loads(content)]
        )
        assert slugs == (expected or newest_first), (query, extension)
