"""Imports read each cell as the register holds it (issue: cells and dates):
a state code on the record's date, also when an update's row has no date
of its own; huge or non-numeric amounts; a reject file of any kind read
back; every bad state of a commitment's parties_bound named; a CSV cell as
long as the register holds."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command

from diplomacy.importing import import_file
from diplomacy.models import (
    CodeScheme,
    Commitment,
    Project,
    State,
    StateCode,
    StatePeriod,
    Treaty,
    TreatyParty,
    Visit,
)
from tests.factories import ProjectFactory, TreatyFactory, UserFactory, VisitFactory
from tests.helpers import alliance, world

pytestmark = pytest.mark.django_db

D = datetime.date


def write(tmp_path, text, name="rows.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def historic_state(code, name, periods, **fields):
    state = State.objects.create(
        code=code, name=name, slug=name.lower().replace(" ", "-"), is_published=True, **fields
    )
    for start, end in periods:
        StatePeriod.objects.create(state=state, started_on=start, ended_on=end)
    return state


@pytest.fixture
def history():
    """COW 365: Russia until 1922 and from 26 December 1991, the Soviet Union
    between; COW 2: the United States throughout."""
    ru = historic_state(
        "ru",
        "Russia",
        [(D(1816, 1, 1), D(1922, 12, 29)), (D(1991, 12, 26), None)],
        iso2="RU",
        iso3="RUS",
    )
    su = historic_state("su", "Soviet Union", [(D(1922, 12, 30), D(1991, 12, 25))])
    us = historic_state("us", "United States", [], iso2="US", iso3="USA", cow_code=2)
    for state, start, end in (
        (ru, D(1816, 1, 1), D(1922, 12, 29)),
        (su, D(1922, 12, 30), D(1991, 12, 25)),
        (ru, D(1991, 12, 26), None),
    ):
        StateCode.objects.create(
            state=state, scheme=CodeScheme.COW_NUMBER, code="365", valid_from=start, valid_to=end
        )
    return {"ru": ru, "su": su, "us": us}


def parties(slug):
    return sorted(
        TreatyParty.objects.filter(treaty__slug=slug).values_list("state__code", flat=True)
    )


def actions(report):
    return [(row.slug, row.action, row.changes) for row in report.preview]


# -- 1. an update without a date reads codes on the record's stored date ---------


def test_an_update_without_a_date_reads_the_parties_on_the_treatys_date(tmp_path, history):
    TreatyFactory(
        slug="h1-su-us-1972",
        title="Interim agreement",
        signed_on=D(1972, 5, 26),
        parties=[history["su"], history["us"]],
    )
    report = import_file(write(tmp_path, "slug,parties\nh1-su-us-1972,365;2\n"), "treaty")
    assert report.ok and (report.updated, report.unchanged) == (0, 1), report.summary()
    assert parties("h1-su-us-1972") == ["su", "us"]
    # A row that changes another column (so the parser reads it whole) keeps them too.
    report = import_file(
        write(tmp_path, "slug,title,parties\nh1-su-us-1972,Interim agreement (SALT I),365;2\n"),
        "treaty",
    )
    assert report.ok and actions(report) == [("h1-su-us-1972", "update", ("title",))]
    assert parties("h1-su-us-1972") == ["su", "us"]


def test_an_update_without_a_date_reads_host_and_guest_on_the_visits_date(tmp_path, history):
    VisitFactory(slug="h1-visit", host=history["su"], guest=history["us"], start_on=D(1972, 5, 22))
    report = import_file(write(tmp_path, "slug,host,guest\nh1-visit,365,2\n"), "visit")
    assert report.ok and (report.updated, report.unchanged) == (0, 1), report.summary()
    report = import_file(
        write(tmp_path, "slug,title,host,guest\nh1-visit,Moscow summit,365,2\n"), "visit"
    )
    assert report.ok and actions(report) == [("h1-visit", "update", ("title",))]
    assert Visit.objects.get(slug="h1-visit").host == history["su"]


def test_an_update_without_a_date_reads_the_projects_states_on_its_date(tmp_path, history):
    project = ProjectFactory(slug="h1-project", start_on=D(1975, 1, 1))
    project.states.set([history["su"], history["us"]])
    report = import_file(write(tmp_path, "slug,states\nh1-project,365;2\n"), "project")
    assert report.ok and (report.updated, report.unchanged) == (0, 1), report.summary()
    report = import_file(
        write(tmp_path, "slug,name,states\nh1-project,Soyuz-Apollo,365;2\n"), "project"
    )
    assert report.ok and actions(report) == [("h1-project", "update", ("name",))]
    states = Project.objects.get(slug="h1-project").states.all()
    assert sorted(state.code for state in states) == ["su", "us"]


def test_a_new_record_without_a_date_still_reads_codes_as_of_today(tmp_path, history):
    report = import_file(
        write(tmp_path, "slug,title,kind,parties\nh1-new,A new agreement,agreement,365;2\n"),
        "treaty",
    )
    assert report.ok and report.created == 1, report.summary()
    assert parties("h1-new") == ["ru", "us"]


# -- 2. the unchanged shortcut reads codes on the parser's date -------------------


def test_a_row_dated_by_entry_into_force_is_read_alike_changed_or_not(tmp_path, history):
    treaty = TreatyFactory(
        slug="h1-eif",
        title="Agreement in force",
        signed_on=None,
        entry_into_force_on=D(1980, 1, 1),
        entry_into_force_on_precision="year",
        parties=[history["ru"], history["us"]],
    )
    assert treaty.codes_date().date == D(1980, 1, 1)
    same = import_file(
        write(tmp_path, "slug,entry_into_force_on,parties\nh1-eif,1980,365;2\n"),
        "treaty",
        dry_run=True,
    )
    retitled = import_file(
        write(tmp_path, "slug,title,entry_into_force_on,parties\nh1-eif,Renamed,1980,365;2\n"),
        "treaty",
        dry_run=True,
    )
    # 365 in 1980 is the Soviet Union, whichever way the row is read.
    assert actions(same) == [("h1-eif", "update", ("parties",))], same.summary()
    assert actions(retitled) == [("h1-eif", "update", ("title", "parties"))]


# -- 3. amounts ---------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e30", "1" * 31, "1000000000000000000"])
@pytest.mark.parametrize("extension", ["csv", "json"])
def test_a_huge_amount_is_a_cell_error_naming_the_largest(tmp_path, amount, extension, db):
    if extension == "csv":
        text = f"slug,name,value_amount,value_currency\nh1-big,Big,{amount},USD\n"
    else:
        # A JSON number as it is written (1e30 is a float to a JSON reader).
        text = f'[{{"slug": "h1-big", "name": "Big", "value_amount": {amount}, '
        text += '"value_currency": "USD"}]'
    path = write(tmp_path, text, f"projects.{extension}")
    for options in ({"dry_run": True}, {"skip_invalid": True}):
        report = import_file(path, "project", **options)
        assert [error.field for error in report.errors] == ["value_amount"], report.summary()
        assert "999,999,999,999,999,999.99" in report.errors[0].message
    assert not Project.objects.exists()


def test_the_largest_amount_is_taken(tmp_path, db):
    # (A dry run: SQLite keeps a decimal as a float, which cannot hold 20 digits.)
    text = "slug,name,value_amount,value_currency\nh1-big,Big,999999999999999999.99,USD\n"
    report = import_file(write(tmp_path, text), "project", dry_run=True)
    assert report.ok and report.created == 1, report.summary()


@pytest.mark.parametrize("amount", ["nan", "inf", "-Infinity", "sNaN"])
def test_an_amount_that_is_no_number_is_refused_as_such(tmp_path, amount, db):
    text = f"slug,name,value_amount,value_currency\nh1-nan,NaN,{amount},USD\n"
    report = import_file(write(tmp_path, text), "project", dry_run=True)
    assert [e.field for e in report.errors] == ["value_amount"], report.summary()
    message = report.errors[0].message
    assert "negative" not in message and "is not an amount" in message


# -- 4. a reject file imports back, of every kind -------------------------------------

REJECTED = {
    "treaty": ("slug,title,kind,parties", "h1-t,A treaty,agreement,AZ;XX", Treaty),
    "visit": ("slug,title,host,guest,start_on", "h1-v,A visit,AZ,XX,2024", Visit),
    "project": ("slug,name,states", "h1-p,A project,AZ;XX", Project),
    "membership": ("treaty,state,joined", "treaty-on-allied-relations,XX,2024", TreatyParty),
    "commitment": (
        "treaty,kind,article,quote,conditions,parties_bound,source,locator",
        "treaty-on-allied-relations,bogus,Article 9,They consult,,,,",
        Commitment,
    ),
}


@pytest.mark.parametrize("extension", ["csv", "json"])
@pytest.mark.parametrize("kind", list(REJECTED))
def test_a_reject_file_fixed_imports_back(tmp_path, kind, extension):
    w = world()
    alliance(w)
    header, row, model = REJECTED[kind]
    if extension == "csv":
        text = f"{header}\n{row}\n"
    else:
        text = json.dumps([dict(zip(header.split(","), row.split(","), strict=True))])
    report = import_file(write(tmp_path, text, f"{kind}.{extension}"), kind, skip_invalid=True)
    assert report.ok and report.rejected == 1, report.summary()
    rejects = report.reject_path.read_text(encoding="utf-8")
    assert "reason" in rejects
    fixed = write(
        tmp_path,
        rejects.replace("XX", "KZ").replace("bogus", "consultation"),
        f"fixed.{extension}",
    )
    before = model.objects.count()
    report = import_file(fixed, kind)
    assert report.ok and report.created == 1, [str(e) for e in report.errors]
    assert model.objects.count() == before + 1


# -- 5. every bad state of a commitment's parties_bound named -------------------------


def test_every_bad_parties_bound_code_is_reported_and_strangers_named(tmp_path):
    w = world()
    alliance(w)  # Azerbaijan and Uzbekistan; Kazakhstan is no party
    header = "treaty,kind,article,quote,conditions,parties_bound,source,locator\n"
    rows = "".join(
        f"treaty-on-allied-relations,defence,Article {n},,,{bound},,\n"
        for n, bound in enumerate(["az;xx;yy", "zz;uz", "xx", "kz"], start=1)
    )
    report = import_file(write(tmp_path, header + rows), "commitment")
    assert not report.ok
    # (The file's lines: the header is line 1.)
    by_line = {error.line: error.message for error in report.errors}
    assert "“xx”" in by_line[2] and "“yy”" in by_line[2]
    assert "“zz”" in by_line[3] and "uz" not in by_line[3].replace("“zz”", "")
    assert "Kazakhstan" in by_line[5]
    grouped = [str(group) for group in report.grouped_errors()]
    assert any(
        "3 unknown codes in 3 rows" in group and "xx \u00d72" in group for group in grouped
    ), grouped
    assert any("Kazakhstan" in group for group in grouped), grouped


# -- 6. a long text reads back from CSV ------------------------------------------------


def test_a_long_summary_exported_to_csv_imports_back(client, tmp_path):
    world()
    summary = "A long summary. " * 8750  # 140,000 characters
    record = {
        "slug": "h1-long",
        "title": "A long treaty",
        "kind": "agreement",
        "signed_on": "2020-01-01",
        "parties": "AZ;UZ",
        "summary": summary,
    }
    report = import_file(write(tmp_path, json.dumps([record]), "long.json"), "treaty", publish=True)
    assert report.ok and report.created == 1, report.summary()
    response = client.get("/treaties/export.csv")
    assert response.status_code == 200
    exported = b"".join(response.streaming_content)
    Treaty.objects.all().delete()
    path = tmp_path / "treaties.csv"
    path.write_bytes(exported)
    report = import_file(path, "treaty")
    assert report.ok and report.created == 1, report.summary()
    assert Treaty.objects.get(slug="h1-long").summary == summary.strip()


def test_a_long_cell_imports_with_the_command(tmp_path, db):
    world()
    UserFactory(username="importer", is_staff=True, is_superuser=True)
    summary = "x" * 140_000
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["slug", "title", "kind", "parties", "summary"],
            ["h1-cmd", "Long", "agreement", "AZ;UZ", summary],
        ]
    )
    path = write(tmp_path, buffer.getvalue(), "long.csv")
    out = io.StringIO()
    call_command("import_records", str(path), "--kind", "treaty", "--user", "importer", stdout=out)
    assert Treaty.objects.get(slug="h1-cmd").summary == summary, out.getvalue()


@pytest.mark.parametrize("kind", ["treaty", "membership", "commitment"])
def test_a_cell_longer_than_an_upload_is_still_refused_whole(tmp_path, settings, kind, db):
    # A cell over the largest upload is no cell of the register's: the file is refused.
    settings.IMPORT_MAX_BYTES = 300_000
    path = tmp_path / "huge.csv"
    path.write_bytes(b"title,kind,parties\n" + b"x" * 400_000 + b",agreement,AZ;UZ\n")
    report = import_file(path, kind)
    assert [e.field for e in report.errors] == ["file"], report.summary()
    assert "field larger than field limit (300000)" in report.errors[0].message


def test_a_state_named_twice_in_a_cell_is_named(tmp_path, history, client, editor):
    """Two codes of one state in a cell (RU and 365 in 2000): the message says
    which, in an import as in the API."""
    from rest_framework.authtoken.models import Token

    path = write(
        tmp_path, "slug,title,kind,signed_on,parties\nt,A treaty,agreement,2000,RU;365;US\n"
    )
    report = import_file(path, "treaty")
    assert not report.ok
    assert "A state is listed twice: RU and 365 name the same state." in report.errors[0].message
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=editor).key}"
    body = {"slug": "t", "title": "A treaty", "kind": "agreement",
            "parties": [{"state": "ru"}, {"state": "ru"}, {"state": "us"}]}  # fmt: skip
    response = client.post("/api/v1/treaties/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["parties"] == ["Listed twice: Russia."]
