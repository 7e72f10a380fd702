"""Import at real scale (issue 19): rejects, grouped errors, inline sources,
probable duplicates, progress, and a re-import that writes nothing."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from diplomacy.caching.version import data_version
from diplomacy.importing import import_file
from diplomacy.models import Source, Treaty, TreatyIdentifier, Visit
from tests.factories import SectorFactory, SourceFactory, StateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def states():
    return {
        "az": StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", cow_code=373),
        "uz": StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", cow_code=704),
        "kz": StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan", cow_code=705),
    }


def write(tmp_path, text, name="rows.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_records", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue() + str(exc), False
    return out.getvalue(), err.getvalue(), True


MIXED = """title,kind,signed_on,parties
Good one,agreement,2024-08-23,AZ;UZ
Bad codes,agreement,2024,AZ;XX;YY
Good two,protocol,2023,KZ;UZ
Bad date,agreement,2024-13-01,AZ;UZ
"""


def test_skip_invalid_writes_the_good_rows_and_the_bad_ones_to_a_reject_file_to_fix(
    tmp_path, states, client
):
    path = write(tmp_path, MIXED)
    out, err, ok = run(path, "--kind", "treaty", "--skip-invalid")
    assert ok, err
    assert sorted(Treaty.objects.values_list("title", flat=True)) == ["Good one", "Good two"]
    rejects = tmp_path / "rows.rejects.csv"
    assert str(rejects) in out and "2 were refused" in out
    with open(rejects, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["title"] for row in rows] == ["Bad codes", "Bad date"]
    assert "XX" in rows[0]["reason"] and "YY" in rows[0]["reason"]
    assert rows[1]["reason"].startswith("signed_on:")
    # Fixed in the reject file itself (its reason column is read as nothing).
    text = rejects.read_text(encoding="utf-8").replace("AZ;XX;YY", "AZ;KZ")
    rejects.write_text(text.replace("2024-13-01", "2024-12-01"), encoding="utf-8")
    out, err, ok = run(rejects, "--kind", "treaty")
    assert ok, err
    assert Treaty.objects.count() == 4


def test_without_skip_invalid_one_bad_row_still_writes_nothing_and_no_reject_file(tmp_path, states):
    path = write(tmp_path, MIXED)
    _, err, ok = run(path, "--kind", "treaty")
    assert not ok and "nothing was written" in err
    assert Treaty.objects.count() == 0
    assert not (tmp_path / "rows.rejects.csv").exists()


def test_a_json_file_gets_a_json_reject_file_at_the_path_asked(tmp_path, states):
    rows = [
        {"title": "Fine", "kind": "agreement", "parties": ["AZ", "UZ"]},
        {"title": "Bad", "kind": "space_treaty", "parties": ["AZ", "UZ"]},
    ]
    path = write(tmp_path, json.dumps(rows), "rows.json")
    target = tmp_path / "out" / "bad.json"
    target.parent.mkdir()
    report = import_file(path, "treaty", skip_invalid=True, reject_path=target)
    assert report.ok and report.written and report.rejected == 1
    assert report.reject_path == target
    (rejected,) = json.loads(target.read_text(encoding="utf-8"))
    assert rejected["title"] == "Bad" and rejected["parties"] == ["AZ", "UZ"]
    assert rejected["reason"].startswith("kind:")
    assert list(Treaty.objects.values_list("title", flat=True)) == ["Fine"]


def test_errors_are_grouped_by_column_and_value_with_every_unknown_code_of_a_cell(tmp_path, states):
    lines = ["title,kind,signed_on,parties"]
    lines += [f"T{n},agreement,2024,AZ;300;315" for n in range(3)]
    lines += [f"U{n},agreement,2024,UZ;300" for n in range(2)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    _, err, ok = run(path, "--kind", "treaty")
    assert not ok and Treaty.objects.count() == 0
    assert "parties: 2 unknown codes in 5 rows — 300 ×5, 315 ×3 (lines 2, 3, 4, 5, 6)" in err  # noqa: RUF001
    # One summary, not five separate lines of the same error.
    assert err.count("Unknown state") <= 5
    report = import_file(path, "treaty", dry_run=True)
    (group,) = report.grouped_errors()
    assert (group.column, group.count, group.examples) == ("parties", 5, (2, 3, 4, 5, 6))
    assert "“300”, “315”" in report.errors[0].message


def test_inline_source_columns_create_a_source_once_and_match_it_after(tmp_path, states):
    existing = SourceFactory(title="Treaty Series, volume 1", url="")
    path = write(
        tmp_path,
        "title,kind,signed_on,parties,source_url,source_title,source_publisher,"
        "source_published_on,quote,locator\n"
        "First,agreement,2024,AZ;UZ,https://example.org/list,A list of treaties,An office,"
        "2024-05,It was signed.,p. 3\n"
        "Second,agreement,2023,AZ;KZ,https://example.org/list,,,,Also signed.,p. 4\n"
        'Third,agreement,2022,KZ;UZ,,"Treaty Series, volume 1",,,Signed too.,\n',
    )
    report = import_file(path, "treaty")
    assert report.ok, report.errors
    created = Source.objects.get(url="https://example.org/list")
    assert (created.title, created.publisher, str(created.published)) == (
        "A list of treaties",
        "An office",
        "May 2024",
    )
    first = Treaty.objects.get(title="First").citations.get()
    assert (first.source, first.quote, first.locator) == (created, "It was signed.", "p. 3")
    assert Treaty.objects.get(title="Second").citations.get().source == created
    assert Treaty.objects.get(title="Third").citations.get().source == existing
    assert Source.objects.count() == 2
    again = import_file(path, "treaty")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Source.objects.count() == 2


def test_an_unknown_source_address_without_a_title_is_refused(tmp_path, states):
    path = write(
        tmp_path,
        "title,kind,parties,source_url,quote\nA,agreement,AZ;UZ,https://example.org/x,Q.\n",
    )
    report = import_file(path, "treaty")
    assert not report.ok and Source.objects.count() == 0
    assert report.errors[0].field == "source_title"


def test_visits_cite_inline_sources_too(tmp_path, states):
    path = write(
        tmp_path,
        "title,host,guest,start_on,source_title,quote\n"
        "State visit,AZ,UZ,2024-05-01,Press release of 1 May,The president arrived.\n",
    )
    report = import_file(path, "visit")
    assert report.ok, report.errors
    citation = Visit.objects.get().citations.get()
    assert citation.source.title == "Press release of 1 May"


SEED_ALLIANCE = (
    "slug,title,kind,signed_on,parties,atop,entry_into_force_on,place_signed\n"
    "uzb-rus-alliance,Treaty on Allied Relations,alliance,2005-11-14,RU;UZ,4365,2006-01-01,"
    "Tashkent\n"
)


@pytest.fixture
def seed(db):
    call_command("loaddata", "seed", verbosity=0)
    return Treaty.objects.get(slug="alliance-uzbekistan-russia-2005")


def test_the_dry_run_reports_the_seeds_russia_uzbekistan_alliance_as_a_probable_duplicate(
    tmp_path, seed
):
    path = write(tmp_path, SEED_ALLIANCE)
    _, err, ok = run(path, "--kind", "treaty", "--dry-run")
    assert ok, err
    assert "uzb-rus-alliance: probably the same as alliance-uzbekistan-russia-2005" in err
    report = import_file(path, "treaty", dry_run=True)
    (duplicate,) = report.probable_duplicates
    assert (duplicate.line, duplicate.slug, duplicate.existing_slug) == (
        2,
        "uzb-rus-alliance",
        "alliance-uzbekistan-russia-2005",
    )
    assert duplicate.existing_url == seed.get_absolute_url()


def test_without_merge_the_row_is_created_with_a_warning(tmp_path, seed):
    before = Treaty.objects.count()
    _, err, ok = run(write(tmp_path, SEED_ALLIANCE), "--kind", "treaty")
    assert ok and "warning: line 2, uzb-rus-alliance: probably the same as" in err
    assert Treaty.objects.count() == before + 1


def test_merge_duplicates_adds_identifiers_and_only_missing_fields_to_the_seed_record(
    tmp_path, seed, client
):
    before = Treaty.objects.count()
    _, err, ok = run(write(tmp_path, SEED_ALLIANCE), "--kind", "treaty", "--merge-duplicates")
    assert ok, err
    assert Treaty.objects.count() == before
    seed.refresh_from_db()
    # Empty before: filled. Set before: kept.
    assert str(seed.partial("entry_into_force_on")) == "1 January 2006"
    assert seed.title.startswith("Agreement on alliance relations")
    assert seed.place_signed == "Moscow"
    assert TreatyIdentifier.objects.get(treaty=seed).value == "4365"
    page = client.get(seed.get_absolute_url())
    assert page.status_code == 200 and b"4365" in page.content
    # The same file again is matched by the identifier it gave: no duplicate now.
    again = import_file(write(tmp_path, SEED_ALLIANCE), "treaty", dry_run=True)
    assert again.probable_duplicates == [] and again.created == 0


def test_a_shared_identifier_is_the_same_record_not_a_probable_duplicate(tmp_path, seed):
    TreatyIdentifier.objects.create(treaty=seed, scheme="atop", value="4365")
    report = import_file(write(tmp_path, SEED_ALLIANCE), "treaty", dry_run=True)
    assert report.probable_duplicates == [] and report.updated == 1


def test_progress_is_called_after_each_batch_with_the_rows_done(tmp_path, states):
    rows = "".join(f"Treaty {n},agreement,2024,AZ;UZ\n" for n in range(2500))
    path = write(tmp_path, "title,kind,signed_on,parties\n" + rows)
    calls = []
    report = import_file(path, "treaty", progress=lambda done, total: calls.append((done, total)))
    assert report.ok and report.created == 2500
    assert calls[-1] == (2500, 2500) and len(calls) >= 2
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_reimport_that_changes_nothing_writes_no_history_and_keeps_the_data_version(
    tmp_path, states
):
    sector = SectorFactory(slug="energy")
    path = write(
        tmp_path,
        "title,kind,signed_on,parties,sectors,unts,source,quote\n"
        f"One,agreement,2024,AZ;UZ,{sector.slug},I-1,{SourceFactory(url='https://e.org/a').url},Q\n",
    )
    assert import_file(path, "treaty").created == 1
    history = Treaty.history.count()
    version = data_version()
    again = import_file(path, "treaty")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Treaty.history.count() == history and data_version() == version


def test_an_import_shows_at_once_on_the_list_page(tmp_path, states, publisher, client):
    assert client.get("/treaties/").status_code == 200  # cached before the import
    path = write(tmp_path, "title,kind,signed_on,parties\nA fresh accord,agreement,2024,AZ;UZ\n")
    report = import_file(path, "treaty", user=publisher, publish=True)
    assert report.written
    assert "A fresh accord" in client.get("/treaties/").content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics: PostgreSQL")
def test_after_an_import_the_planner_knows_how_many_rows_there_are(tmp_path, states):
    rows = "".join(f"Treaty {n},agreement,2024,AZ;UZ\n" for n in range(300))
    report = import_file(write(tmp_path, "title,kind,signed_on,parties\n" + rows), "treaty")
    assert report.written
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Treaty._meta.db_table])
        assert cursor.fetchone()[0] == 300


def test_membership_files_take_skip_invalid_too(tmp_path, states):
    treaty_file = write(tmp_path, "slug,title,kind,parties\npact,Pact,treaty,AZ;UZ\n", "t.csv")
    assert import_file(treaty_file, "treaty").written
    path = write(tmp_path, "treaty,state,mode\npact,KZ,accession\npact,XX,accession\n")
    report = import_file(path, "membership", skip_invalid=True)
    assert report.ok and report.written and (report.created, report.rejected) == (1, 1)
    with open(tmp_path / "rows.rejects.csv", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert row["state"] == "XX" and row["reason"].startswith("state:")


def test_a_row_with_too_many_cells_goes_to_the_reject_file_with_its_cells(tmp_path, states):
    path = write(
        tmp_path,
        "title,kind,parties\nBad,agreement,AZ;UZ,stray\nGood,agreement,AZ;UZ\n",
    )
    report = import_file(path, "treaty", skip_invalid=True)
    assert report.written and report.created == 1 and report.rejected == 1
    with open(report.reject_path, encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert (row["title"], row["parties"]) == ("Bad", "AZ;UZ")
    assert row["reason"] == "row: 4 cells but 3 columns."


def test_a_reject_file_never_overwrites_the_file_imported_or_an_earlier_reject_file(
    tmp_path, states
):
    path = write(tmp_path, MIXED)
    before = path.read_text(encoding="utf-8")
    same = tmp_path / "." / "rows.csv"
    with pytest.raises(CommandError, match="the file imported"):
        call_command("import_records", str(path), "--kind", "treaty", "--skip-invalid",
                     "--reject-file", str(same), stdout=io.StringIO())  # fmt: skip
    assert path.read_text(encoding="utf-8") == before and not Treaty.objects.exists()
    # A reject file the user is fixing is kept: the next goes beside it.
    earlier = tmp_path / "rows.rejects.csv"
    earlier.write_text("slug,title,reason\nbeing-fixed,By hand,\n", encoding="utf-8")
    report = import_file(path, "treaty", skip_invalid=True)
    assert report.reject_path == tmp_path / "rows.rejects-2.csv"
    assert "being-fixed" in earlier.read_text(encoding="utf-8")
    assert "Bad codes" in report.reject_path.read_text(encoding="utf-8")
