"""Bulk import: all-or-nothing, idempotent, messy files, and 10,000 rows in the suite."""

import json
import time
import tracemalloc

import pytest
from django.core.management import CommandError, call_command

from diplomacy.importing import import_file
from diplomacy.models import Project, Treaty, Visit
from tests.factories import SectorFactory, SourceFactory, StateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def states():
    return {
        "az": StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", cow_code=373),
        "uz": StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", cow_code=704),
        "kz": StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan", cow_code=705),
    }


def write(tmp_path, text, name="rows.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


GOOD = """title,kind,signed_on,parties,wikidata
Alliance of A and B,alliance,2024-08-23,AZ;UZ,Q1001
Cultural agreement,agreement,2024-08,AZE|KAZ,
Old protocol,protocol,1997,704;705,
"""


def test_one_bad_row_means_nothing_is_written_and_the_line_is_reported(tmp_path, states):
    path = write(tmp_path, GOOD + "Broken,alliance,2024-13-01,AZ;XX,\n")
    report = import_file(path, "treaty")
    assert not report.ok and Treaty.objects.count() == 0
    problems = {(e.line, e.field) for e in report.errors}
    assert (5, "signed_on") in problems and (5, "parties") in problems


def test_a_column_no_kind_reads_is_named_and_a_header_of_many_is_summed_up(tmp_path, states):
    path = write(tmp_path, "title,kind,signed_on,parties,colour\nA,agreement,2024,AZ;UZ,red\n")
    report = import_file(path, "treaty")
    assert not report.ok and Treaty.objects.count() == 0
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (2, "row", "Unknown column(s): colour.")
    ]
    extra = [f"x{i:05d}" for i in range(10_000)]
    path = write(tmp_path, ",".join(["title", *extra]) + "\n" + ",".join(["A", *extra]) + "\n")
    (error,) = import_file(path, "treaty").errors
    assert error.message.startswith("Unknown column(s): x00000, x00001, ")
    assert error.message.endswith("x00019 and 9,980 more.") and len(error.message) < 300


def test_json_with_a_bad_item_writes_nothing(tmp_path, states):
    rows = [{"title": "Fine", "kind": "agreement", "parties": ["AZ", "UZ"]},
            {"title": "Bad", "kind": "space_treaty", "parties": ["AZ", "UZ"]}]  # fmt: skip
    report = import_file(write(tmp_path, json.dumps(rows), "rows.json"), "treaty")
    assert [(e.line, e.field) for e in report.errors] == [(2, "kind")]
    assert Treaty.objects.count() == 0


@pytest.mark.parametrize("shape", ["array", "records", "api page"])
def test_json_in_each_shape_imports_and_a_byte_order_mark_is_skipped(tmp_path, states, shape):
    rows = [
        {"title": "Fine", "kind": "agreement", "signed_on": "2024", "parties": ["AZ", "UZ"]},
        {"title": "Also fine", "kind": "protocol", "signed_on": "2023", "parties": "AZ;KZ"},
    ]
    data = {
        "array": rows,
        "records": {"records": rows},
        # An API page: its records under results, after the count and links.
        "api page": {"count": 2, "next": None, "results": rows, "facets": {"records": 2}},
    }[shape]
    path = write(tmp_path, "\ufeff" + json.dumps(data), "rows.json")
    report = import_file(path, "treaty")
    assert report.ok and report.created == 2, report.summary()
    assert sorted(Treaty.objects.values_list("title", flat=True)) == ["Also fine", "Fine"]


@pytest.mark.parametrize(
    "text",
    ['[{"title": "Fine", "kind": "agreement", "parties": ["AZ", "UZ"]}, {"title": ',
     '{"count": 1}', "42", "not json"],
)  # fmt: skip
def test_json_broken_or_of_another_shape_writes_nothing_and_says_why(tmp_path, states, text):
    report = import_file(write(tmp_path, text, "rows.json"), "treaty")
    assert not report.ok and Treaty.objects.count() == 0
    assert [e.field for e in report.errors] == ["file"]
    message = report.errors[0].message
    assert "JSON" in message and "\n" not in message and "b'" not in message


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("latin.csv", "title,kind,parties\ncafé,agreement,AZ;UZ\n".encode("latin-1"), "UTF-8"),
        # 2,000 brackets: ijson would name each event by its whole path.
        ("deep.json", b'[{"title": ' + b"[" * 2000 + b"]" * 2000 + b"}]", "nested"),
    ],
    # (A cell longer than an upload: tests/test_import_cells_and_dates.py.)
    ids=["latin-1 CSV", "JSON 2,000 levels deep"],
)
def test_an_unreadable_file_is_refused_whole_with_a_reason(tmp_path, states, name, content, said):
    path = tmp_path / name
    path.write_bytes(content)
    for kind in ("treaty", "membership", "commitment"):
        report = import_file(path, kind)
        assert not report.ok and [e.field for e in report.errors] == ["file"], kind
        assert said in report.errors[0].message
    assert Treaty.objects.count() == 0


def test_import_then_reimport_is_a_no_op_and_a_change_updates_one_record(tmp_path, states, editor):
    path = write(tmp_path, GOOD)
    dry = import_file(path, "treaty", dry_run=True)
    assert dry.ok and dry.created == 3 and Treaty.objects.count() == 0
    first = import_file(path, "treaty", user=editor)
    assert (first.created, first.updated) == (3, 0)
    alliance = Treaty.objects.get(identifiers__value="Q1001")
    assert not alliance.is_published
    assert sorted(alliance.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]
    assert alliance.history.first().history_user == editor
    history = alliance.history.count()

    again = import_file(path, "treaty", user=editor)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert alliance.history.count() == history

    write(
        tmp_path, GOOD.replace("Old protocol,protocol,1997", "Old protocol,protocol,1998"), "v2.csv"
    )
    changed = import_file(tmp_path / "v2.csv", "treaty", user=editor)
    assert (changed.created, changed.updated, changed.unchanged) == (1, 0, 2)  # new slug by date


def test_identifier_matches_an_existing_treaty_whatever_its_title(tmp_path, states):
    import_file(write(tmp_path, GOOD), "treaty")
    renamed = write(
        tmp_path, "title,kind,parties,wikidata\nRenamed alliance,alliance,AZ;UZ,Q1001\n", "r.csv"
    )
    report = import_file(renamed, "treaty")
    assert (report.created, report.updated) == (0, 1)
    assert Treaty.objects.get(identifiers__value="Q1001").title == "Renamed alliance"


def test_messy_files_bom_semicolons_blank_lines_unknown_dates(tmp_path, states):
    text = (
        "\ufefftitle;kind;signed_on;parties\n\nA;agreement;0000;AZ|UZ\n\n"
        "B;agreement;2024-00;AZ|UZ\nC;agreement;2024-05-00;AZ|UZ\nC;agreement;2024-05-00;AZ|UZ\n"
    )
    report = import_file(write(tmp_path, text), "treaty")
    assert report.ok, report.errors
    assert report.duplicates == 1
    by_title = {t.title: t for t in Treaty.objects.all()}
    assert by_title["A"].signed_on is None
    assert str(by_title["B"].signed) == "2024"
    assert str(by_title["C"].signed) == "May 2024"


def test_conflicting_duplicates_and_unknown_states_are_errors(tmp_path, states):
    text = (
        "slug,title,kind,parties\nx,One,agreement,AZ;UZ\n"
        "x,Other,agreement,AZ;UZ\ny,Three,agreement,AZ;QQ\n"
    )
    report = import_file(write(tmp_path, text), "treaty")
    assert {(e.line, e.field) for e in report.errors} == {(3, "slug"), (4, "parties")}


def test_publishing_on_import_needs_a_publisher(tmp_path, states, editor, publisher):
    path = write(tmp_path, GOOD)
    with pytest.raises(CommandError, match="publish"):
        call_command("import_records", str(path), kind="treaty", publish=True, user=editor.username)
    call_command("import_records", str(path), kind="treaty", publish=True, user=publisher.username)
    assert Treaty.objects.filter(is_published=True).count() == 3


def test_visits_and_projects_import_with_their_rules(tmp_path, states):
    visits = write(tmp_path, "title,host,guest,start_on\nSame,AZ,AZ,2024\n", "v.csv")
    report = import_file(visits, "visit")
    assert [e.field for e in report.errors] == ["guest"] and not Visit.objects.exists()
    ok = write(
        tmp_path,
        "title,host,guest,start_on,level\nVisit,UZ,AZ,2024-08-23,head_of_state\n",
        "v2.csv",
    )
    assert import_file(ok, "visit").created == 1
    SectorFactory(slug="energy")
    source = SourceFactory(
        url="https://example.org/report", text="A portfolio worth over $2 billion."
    )
    projects = write(tmp_path, "name,value_amount,value_currency,states,sectors,source,quote\n"
                     f"Portfolio,2000000000,USD,AZ;UZ,energy,{source.url},"
                     "A portfolio worth over $2 billion.\n"
                     "No currency,100,,AZ,,,\n", "p.csv")  # fmt: skip
    report = import_file(projects, "project")
    assert [(e.line, e.field) for e in report.errors] == [(3, "value_currency")]
    fixed = write(
        tmp_path,
        projects.read_text().replace("No currency,100,,", "No currency,100,EUR,"),
        "p2.csv",
    )
    assert import_file(fixed, "project").created == 2
    portfolio = Project.objects.get(name="Portfolio")
    assert portfolio.citations.get().source == source


def test_ten_thousand_rows_import_with_flat_memory_and_reimport_as_a_no_op(tmp_path, states):
    lines = ["title,kind,signed_on,parties"]
    lines += [
        f"Generated agreement {i},agreement,{1950 + i % 70}-{1 + i % 12:02d},AZ;UZ"
        for i in range(10_000)
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    tracemalloc.start()
    started = time.perf_counter()
    report = import_file(path, "treaty")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.ok and report.created == 10_000
    assert Treaty.objects.count() == 10_000
    print(
        f"\n10,000 rows imported at {10_000 / elapsed:,.0f} rows/s, peak {peak / 1e6:.0f} MB traced"
    )
    again = import_file(path, "treaty")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)


def test_admin_import_previews_errors_then_imports_on_confirmation(
    client, states, publisher, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(publisher)
    bad = SimpleUploadedFile("t.csv", (GOOD + "Broken,alliance,2024-13-01,AZ;UZ,\n").encode())
    page = client.post("/admin/diplomacy/treaty/import/", {"file": bad}).content.decode()
    assert "cannot be imported" in page and "<td>5</td>" in page
    assert not Treaty.objects.exists()
    good = SimpleUploadedFile("t.csv", GOOD.encode())
    page = client.post(
        "/admin/diplomacy/treaty/import/", {"file": good, "publish": "on"}
    ).content.decode()
    assert "Confirm import" in page and not Treaty.objects.exists()
    token = page.split('name="token" value="')[1].split('"')[0]
    response = client.post("/admin/diplomacy/treaty/import/", {"token": token})
    assert response.status_code == 302
    assert Treaty.objects.filter(is_published=True).count() == 3
    assert Treaty.objects.first().history.first().history_user == publisher


def test_admin_import_refuses_large_files_and_anonymous_users(client, editor, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert client.get("/admin/diplomacy/treaty/import/").status_code == 302  # to the login page
    client.force_login(editor)
    settings.IMPORT_MAX_BYTES = 10
    upload = SimpleUploadedFile("t.csv", GOOD.encode())
    page = client.post("/admin/diplomacy/treaty/import/", {"file": upload}).content.decode()
    assert "larger than" in page
