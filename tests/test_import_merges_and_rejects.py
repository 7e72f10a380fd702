"""Imports that merge rows into records the register has, the reject file
that gives the refused rows back as they were written, the sources rows
describe in their own columns, and what the report says."""

import csv

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from diplomacy.importing import import_file
from diplomacy.models import Project, Source, Treaty, TreatyIdentifier
from tests.factories import SectorFactory, SourceFactory, StateFactory, TreatyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def states():
    return {
        "az": StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", cow_code=373),
        "uz": StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", cow_code=704),
    }


def write(tmp_path, text, name="rows.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


# -- two rows of a file merging into one record ---------------------------------------

TWO_FOR_ONE = (
    "slug,title,kind,signed_on,parties,place_signed,unts,commitments\n"
    "h1-dupA,A,diplomatic_relations,1995-10-02,az;uz,Baku,11111,consultation\n"
    "h1-dupB,B,diplomatic_relations,1995-10-02,uz;az,Tashkent,22222,defence\n"
)


@pytest.fixture
def relations_treaty(states):
    """The treaty both rows of TWO_FOR_ONE probably repeat, a draft without
    identifiers, sectors or place."""
    return TreatyFactory(
        slug="az-uz-relations",
        title="Diplomatic relations of Azerbaijan and Uzbekistan",
        kind="diplomatic_relations",
        signed_on="1995-10-02",
        is_published=False,
        parties=[states["az"], states["uz"]],
    )


def test_a_second_row_merging_into_the_record_an_earlier_row_merges_into_is_refused(
    tmp_path, relations_treaty
):
    path = write(tmp_path, TWO_FOR_ONE)
    preview = import_file(path, "treaty", dry_run=True, merge_duplicates=True)
    assert (preview.updated, preview.created) == (1, 0)
    (error,) = preview.errors
    assert error.line == 3 and "line 2" in error.message and "az-uz-relations" in error.message

    # All or nothing: the report's refusal, the same error, nothing written.
    report = import_file(path, "treaty", merge_duplicates=True)
    assert not report.written and "nothing was written" in report.summary()
    assert [(e.line, e.message) for e in report.errors] == [(error.line, error.message)]
    assert not TreatyIdentifier.objects.exists() and Treaty.objects.count() == 1

    # Skipping it: the first row merged, the second in the reject file.
    report = import_file(path, "treaty", merge_duplicates=True, skip_invalid=True)
    assert report.written and (report.updated, report.rejected) == (1, 1), report.summary()
    relations_treaty.refresh_from_db()
    assert relations_treaty.place_signed == "Baku"
    assert list(relations_treaty.identifiers.values_list("scheme", "value")) == [("unts", "11111")]
    (header, rejected) = csv_rows(report.reject_path)
    assert rejected[0] == "h1-dupB" and "line 2" in rejected[header.index("reason")]


def test_rows_merging_into_one_record_do_not_add_up_over_batches(
    tmp_path, relations_treaty, monkeypatch
):
    from diplomacy.importing import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 1)
    path = write(tmp_path, TWO_FOR_ONE)
    report = import_file(path, "treaty", dry_run=True, merge_duplicates=True)
    assert report.updated == 1 and [e.line for e in report.errors] == [3]


def test_a_later_row_naming_the_record_an_earlier_row_merged_into_is_refused(
    tmp_path, relations_treaty, monkeypatch
):
    from diplomacy.importing import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 1)
    path = write(
        tmp_path,
        "slug,title,kind,signed_on,parties,place_signed\n"
        "h1-dupA,A,diplomatic_relations,1995-10-02,az;uz,Baku\n"
        "az-uz-relations,B,diplomatic_relations,1995-10-02,az;uz,Tashkent\n",
    )
    for dry_run in (True, False):
        report = import_file(path, "treaty", dry_run=dry_run, merge_duplicates=True)
        assert [(e.line, "Line 2" in e.message) for e in report.errors] == [(3, True)]
    relations_treaty.refresh_from_db()
    assert relations_treaty.place_signed == ""


def test_a_second_merging_row_adds_no_sector_and_no_version(tmp_path, relations_treaty):
    SectorFactory(slug="energy")
    SectorFactory(slug="health")
    versions = relations_treaty.history.count()
    path = write(
        tmp_path,
        "slug,title,kind,signed_on,parties,sectors\n"
        "h1-dupA,A,diplomatic_relations,1995-10-02,az;uz,energy\n"
        "h1-dupB,B,diplomatic_relations,1995-10-02,uz;az,health\n",
    )
    report = import_file(path, "treaty", merge_duplicates=True, skip_invalid=True)
    assert report.written and (report.updated, report.rejected) == (1, 1), report.summary()
    assert list(relations_treaty.sectors.values_list("slug", flat=True)) == ["energy"]
    assert relations_treaty.history.count() == versions + 1


@pytest.fixture
def identifiers_refused_by_the_database():
    """A database that refuses every new identifier, as it would one that
    breaks a constraint the import did not foresee."""
    table = connection.ops.quote_name(TreatyIdentifier._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_identifier() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'identifier refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER test_refuse_identifier BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_identifier()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER test_refuse_identifier BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'identifier refused'); END"
            )
    # The test's transaction, rolled back, takes the trigger away.


def test_a_database_error_while_writing_is_the_reports_refusal(
    tmp_path, states, identifiers_refused_by_the_database
):
    path = write(tmp_path, "slug,title,kind,signed_on,parties,unts\nt1,T,agreement,2001,az;uz,1\n")
    report = import_file(path, "treaty")
    assert not report.written and not Treaty.objects.exists()
    assert report.summary().endswith("nothing was written.")
    assert "identifier refused" in report.errors[0].message
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_records", str(path), "--kind", "treaty")


# -- the reject file ------------------------------------------------------------------


def test_a_json_object_with_a_key_given_twice_is_refused_again_from_the_reject_file(
    tmp_path, states
):
    path = write(
        tmp_path,
        '[{"slug":"h1-pj4","name":"Dup key","name":"Dup2","states":"uz"},\n'
        ' {"slug":"h1-pj5","name":"Fine","states":"uz"}]\n',
        "rows.json",
    )
    report = import_file(path, "project", skip_invalid=True)
    assert report.written and (report.created, report.rejected) == (1, 1)
    text = report.reject_path.read_text(encoding="utf-8")
    assert "Dup key" in text and "Dup2" in text
    again = import_file(report.reject_path, "project")
    assert not again.ok and "given twice" in again.errors[0].message
    assert not Project.objects.filter(slug="h1-pj4").exists()


def test_a_json_item_that_is_not_an_object_is_kept_in_the_reject_file(tmp_path, states):
    path = write(
        tmp_path, '["just a string", {"slug":"h1-pj5","name":"Fine","states":"uz"}]', "rows.json"
    )
    report = import_file(path, "project", skip_invalid=True)
    assert report.written and report.rejected == 1
    assert "just a string" in report.reject_path.read_text(encoding="utf-8")
    assert not import_file(report.reject_path, "project").ok


LONG_AND_SHORT = (
    "slug,title,kind,signed_on,parties,summary\n"
    "h1-long,Title with, comma unquoted,agreement,2001,az;uz,Summary\n"
    "h1-short,Short,agreement,2001\n"
    "h1-fine,Fine,agreement,2001,az;uz,Kept\n"
)


def test_a_csv_row_of_too_many_or_too_few_cells_keeps_them_all_in_the_reject_file(tmp_path, states):
    path = write(tmp_path, LONG_AND_SHORT)
    report = import_file(path, "treaty", skip_invalid=True)
    assert report.written and (report.created, report.rejected) == (1, 2)
    header, long, short = csv_rows(report.reject_path)
    assert header == ["slug", "title", "kind", "signed_on", "parties", "summary", "reason"]
    original = ["h1-long", "Title with", "comma unquoted", "agreement", "2001", "az;uz", "Summary"]
    assert [cell for cell in long if not cell.startswith("row:")] == original
    assert [cell for cell in short if not cell.startswith("row:")] == [
        "h1-short",
        "Short",
        "agreement",
        "2001",
    ]
    # Imported again as it is, each is refused again, and nothing is written.
    again = import_file(report.reject_path, "treaty", skip_invalid=True)
    assert (again.created, again.rejected) == (0, 2), again.summary()
    assert list(Treaty.objects.values_list("slug", flat=True)) == ["h1-fine"]

    # And the reject file of that keeps the same cells, its reason in the same place.
    def without_reasons(path):
        return [[cell for cell in row if not cell.startswith("row:")] for row in csv_rows(path)]

    def reason_places(path):
        return [[cell.startswith("row:") for cell in row] for row in csv_rows(path)]

    assert without_reasons(again.reject_path) == without_reasons(report.reject_path)
    assert reason_places(again.reject_path) == reason_places(report.reject_path)


def test_the_reject_file_keeps_the_order_of_the_input(tmp_path, states):
    path = write(
        tmp_path,
        "slug,title,kind,parties,source_url,quote\n"
        "r1,No title for its source,agreement,az;uz,https://example.org/new,Q\n"
        "r2,Unknown kind,space_treaty,az;uz,,\n"
        "r3,Fine,agreement,az;uz,,\n"
        "r4,Only one party,bilateral_treaty,az,,\n"
        "r5,Wrong too,pact of steel,az;uz,,\n",
    )
    report = import_file(path, "treaty", skip_invalid=True)
    assert report.written and report.created == 1
    assert [row[0] for row in csv_rows(report.reject_path)[1:]] == ["r1", "r2", "r4", "r5"]


# -- sources given in the row's own columns -------------------------------------------

SHARED_TITLE = (
    "slug,title,kind,signed_on,parties,source_title,source_url,source_publisher,"
    "source_published_on,quote\n"
    "h1-s1,S1,other,2001,az;uz,Shared Title,https://example.org/one,Pub A,2001-05,quote one\n"
    "h1-s2,S2,other,2002,az;uz,Shared Title,https://example.org/two,Pub B,2002,quote two\n"
    "h1-s3,S3,other,2003,az;uz,,https://example.org/two,,,quote three\n"
)


def cited(slug):
    return [
        (c.source.url, c.source.publisher, c.quote)
        for c in Treaty.objects.get(slug=slug).citations.select_related("source")
    ]


def test_a_row_with_a_url_is_matched_to_a_source_by_its_url_only(tmp_path, states):
    report = import_file(write(tmp_path, SHARED_TITLE), "treaty")
    assert report.written and report.created == 3, report.summary()
    assert cited("h1-s1") == [("https://example.org/one", "Pub A", "quote one")]
    assert cited("h1-s2") == [("https://example.org/two", "Pub B", "quote two")]
    assert cited("h1-s3") == [("https://example.org/two", "Pub B", "quote three")]
    assert Source.objects.filter(title="Shared Title").count() == 2


def test_a_row_with_a_url_is_not_cited_to_a_source_of_the_register_with_its_title_only(
    tmp_path, states
):
    SourceFactory(title="Shared Title", url="https://example.org/one")
    rows = SHARED_TITLE.splitlines()
    report = import_file(write(tmp_path, "\n".join([rows[0], rows[2], rows[3]])), "treaty")
    assert report.written, report.summary()
    assert cited("h1-s2") == [("https://example.org/two", "Pub B", "quote two")]
    assert cited("h1-s3") == [("https://example.org/two", "Pub B", "quote three")]


# -- the report's words ---------------------------------------------------------------


def test_an_import_whose_every_row_is_refused_says_none_was_created(tmp_path, states, capsys):
    path = write(tmp_path, "slug,title,kind,parties\nx1,X,space_treaty,az;uz\n")
    report = import_file(path, "treaty", skip_invalid=True)
    assert "0 were created" in report.summary() and "would" not in report.summary()
    treaty = TreatyFactory(slug="pact", title="Pact", kind="alliance")
    path = write(
        tmp_path,
        "treaty,kind,article,quote,source,locator,parties_bound,conditions\n"
        f"{treaty.slug},no-such-kind,Art. 1,Q,,,,\n",
        "commitments.csv",
    )
    call_command("import_records", str(path), "--kind", "commitment", "--skip-invalid")
    out = capsys.readouterr().out
    assert "0 were created" in out and "would" not in out
