"""A file imported again (issue 19): the rows that change nothing are told
apart without parsing them (diplomacy.importing.unchanged), and the answer
is always the parser's: a row written another way that means the same is
unchanged, a row that differs in any column is an update, and a row the
file repeats is a repeat, however it is written."""

import pytest

from diplomacy.importing import import_file
from diplomacy.importing.unchanged import UnchangedRows
from diplomacy.models import Project, Source, Treaty, TreatyCitation, Visit
from tests.factories import PersonFactory, SectorFactory, StateFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "slug,title,kind,status,signed_on,parties,sectors,unts,source_title,source_url,quote,locator"
)
PACT = (
    "transit-pact,Transit pact,agreement,signed,2021-05-04,AZ;UZ;KZ,energy,I-70001,"
    "Steppe list,https://example.org/steppe,The pact was signed.,p. 4"
)
MEMO = (
    "grain-memo,Grain memorandum,memorandum,signed,2019,UZ;KZ,energy;trade,,"
    "Steppe list,https://example.org/steppe,The memorandum was signed.,p. 9"
)


@pytest.fixture
def register():
    StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", cow_code=373)
    StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", cow_code=704)
    StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan", cow_code=705)
    SectorFactory(slug="energy", name="Energy")
    SectorFactory(slug="trade", name="Trade")


def run(tmp_path, *lines, **options):
    path = tmp_path / "treaties.csv"
    path.write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
    return import_file(path, "treaty", **options)


def imported(tmp_path, text: str, kind: str = "treaty", **options):
    """The report of importing ``text`` as a CSV file of ``kind``."""
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    return import_file(path, kind, **options)


def history_rows():
    return Treaty.history.count() + TreatyCitation.history.count()


def test_a_file_imported_again_changes_nothing_and_writes_nothing(tmp_path, register):
    assert run(tmp_path, PACT, MEMO).created == 2
    before = history_rows()
    report = run(tmp_path, PACT, MEMO)
    assert report.ok and (report.unchanged, report.updated, report.created) == (2, 0, 0)
    assert history_rows() == before


@pytest.mark.parametrize(
    "same",
    [
        PACT.replace("AZ;UZ;KZ", "KZ;AZ;UZ"),  # another order
        PACT.replace("AZ;UZ;KZ", "AZE|UZB|705"),  # other codes of the same states
        PACT.replace("transit-pact,", "TRANSIT-PACT,"),  # the slug in capitals
        PACT.replace(",agreement,", ",Agreement,"),  # the kind as its label
        PACT.replace("2021-05-04", "4 May 2021"),  # the date written otherwise
    ],
    ids=["order", "codes", "slug-case", "kind-label", "date-form"],
)
def test_a_row_written_another_way_that_means_the_same_is_unchanged(tmp_path, register, same):
    run(tmp_path, PACT)
    report = run(tmp_path, same)
    assert report.ok and report.unchanged == 1 and report.updated == 0, report.summary()


@pytest.mark.parametrize(
    "changed, check",
    [
        (PACT.replace("AZ;UZ;KZ", "AZ;UZ"), lambda t: t.parties.count() == 2),
        (PACT.replace(",energy,", ",energy;trade,"), lambda t: t.sectors.count() == 2),
        (PACT.replace("2021-05-04", "2021"), lambda t: t.signed_on_precision == "year"),
        (PACT.replace(",signed,", ",in_force,"), lambda t: t.status == "in_force"),
        (PACT.replace("I-70001", "I-70002"), lambda t: t.identifiers.get().value == "I-70002"),
        (PACT.replace("I-70001", ""), lambda t: not t.identifiers.exists()),
        (PACT.replace("signed.,", "signed in Baku.,"), lambda t: t.citations.count() == 2),
        (PACT.replace("p. 4", "p. 5"), lambda t: t.citations.count() == 2),
        (
            PACT.replace("Steppe list,https://example.org/steppe", "Caspian list,"),
            lambda t: {c.source.title for c in t.citations.all()}
            == {"Steppe list", "Caspian list"},
        ),
    ],
    ids=["party", "sector", "precision", "status", "unts", "unts-cleared", "quote",
         "locator", "new-source"],
)  # fmt: skip
def test_a_row_that_differs_in_any_column_updates_its_record(tmp_path, register, changed, check):
    run(tmp_path, PACT)
    report = run(tmp_path, changed)
    assert report.ok and report.updated == 1 and report.unchanged == 0, report.summary()
    assert check(Treaty.objects.get(slug="transit-pact"))


def test_a_title_changed_in_one_row_of_many_updates_that_record_only(tmp_path, register):
    run(tmp_path, PACT, MEMO)
    report = run(tmp_path, PACT, MEMO.replace("Grain memorandum", "Grain memorandum of 2019"))
    assert (report.unchanged, report.updated) == (1, 1)
    assert Treaty.objects.get(slug="grain-memo").title == "Grain memorandum of 2019"


def test_publishing_a_draft_is_a_change_even_when_its_row_is_the_same(tmp_path, register):
    run(tmp_path, PACT)
    report = run(tmp_path, PACT, publish=True)
    assert report.updated == 1 and Treaty.objects.get(slug="transit-pact").is_published
    assert run(tmp_path, PACT, publish=True).unchanged == 1


def test_a_row_the_file_repeats_is_a_repeat_however_it_is_written(tmp_path, register):
    run(tmp_path, PACT)
    report = run(tmp_path, PACT, PACT.replace("AZ;UZ;KZ", "UZ;KZ;AZ"), PACT)
    assert report.ok and report.unchanged == 1 and report.duplicates == 2, report.summary()


def test_a_row_the_file_repeats_with_other_values_is_refused(tmp_path, register):
    run(tmp_path, PACT)
    report = run(tmp_path, PACT, PACT.replace("Transit pact,", "Transit pact of 2021,"))
    assert not report.ok
    assert "Same record as line 2" in " ".join(str(error) for error in report.errors)
    assert Treaty.objects.get(slug="transit-pact").title == "Transit pact"


def test_a_row_with_a_control_character_is_refused_even_when_it_matches(tmp_path, register):
    run(tmp_path, PACT)
    report = run(tmp_path, PACT.replace("p. 4", "p. 4\x07"))
    assert not report.ok and report.unchanged == 0


def test_an_unknown_column_is_refused_even_on_rows_that_match(tmp_path, register):
    run(tmp_path, PACT)
    report = imported(tmp_path, f"{HEADER},colour\n{PACT},blue\n")
    assert not report.ok and "colour" in " ".join(str(error) for error in report.errors)


def test_a_source_matched_by_url_is_not_created_again(tmp_path, register):
    run(tmp_path, PACT, MEMO)
    assert run(tmp_path, PACT, MEMO).unchanged == 2
    assert Source.objects.count() == 1


def test_a_visit_file_imported_again_is_unchanged_and_a_changed_guest_is_not(tmp_path, register):
    PersonFactory(slug="ilham-aliyev", name="Ilham Aliyev")
    header = "slug,title,kind,level,host,guest,principals,start_on,end_on,city\n"
    row = (
        "baku-visit,Visit to Baku,official,head_of_state,AZ,UZ,ilham-aliyev,"
        "2022-03-01,2022-03-02,Baku\n"
    )
    assert imported(tmp_path, header + row, "visit").created == 1
    assert imported(tmp_path, header + row, "visit").unchanged == 1
    report = imported(tmp_path, header + row.replace(",AZ,UZ,", ",AZ,KZ,"), "visit")
    assert report.updated == 1 and Visit.objects.get().guest.iso2 == "KZ"


def test_an_identifiers_cell_that_clears_a_register_updates_the_record(tmp_path, register):
    run(tmp_path, PACT)
    assert imported(tmp_path, "slug,identifiers\ntransit-pact,unts:I-70001\n").unchanged == 1
    both = "slug,identifiers\ntransit-pact,unts:I-70001;atop:5110\n"
    assert imported(tmp_path, both).updated == 1
    assert imported(tmp_path, both).unchanged == 1
    # The unts column beside it wins.
    beside = "slug,identifiers,unts\ntransit-pact,unts:I-70001;atop:5110,I-9\n"
    assert imported(tmp_path, beside).updated == 1
    assert imported(tmp_path, "slug,identifiers\ntransit-pact,unts:I-9\n").updated == 1
    treaty = Treaty.objects.get(slug="transit-pact")
    assert list(treaty.identifiers.values_list("scheme", "value")) == [("unts", "I-9")]


def test_a_commitments_cell_is_unchanged_in_any_order_and_an_update_otherwise(tmp_path, register):
    run(tmp_path, PACT)
    header = "slug,commitments\n"
    assert imported(tmp_path, header + "transit-pact,defence;consultation\n").updated == 1
    assert imported(tmp_path, header + "transit-pact,consultation;defence\n").unchanged == 1
    assert imported(tmp_path, header + "transit-pact,consultation\n").updated == 1
    treaty = Treaty.objects.get(slug="transit-pact")
    assert list(treaty.commitments.values_list("kind__value", flat=True)) == ["consultation"]


def test_a_project_file_imported_again_is_unchanged_and_a_changed_amount_is_not(tmp_path, register):
    header = "slug,name,kind,states,sectors,value_amount,value_currency,start_on\n"
    row = 'caspian-link,Caspian link,infrastructure,AZ;KZ,energy,"1,250,000",usd,2020-06\n'
    assert imported(tmp_path, header + row, "project").created == 1
    assert imported(tmp_path, header + row, "project").unchanged == 1
    report = imported(tmp_path, header + row.replace('"1,250,000"', "1300000"), "project")
    assert report.updated == 1, report.summary()
    assert str(Project.objects.get().value_amount) == "1300000.00"


# Each column of PACT written in ways the parser reads as the same, as
# something else, or refuses; each variant also repeated in the file.
VARIANTS = {
    "slug": ["transit-pact", "Transit-Pact", " transit-pact ", "other-pact", ""],
    "title": ["Transit pact", "Transit  pact", "transit pact", "", "Transit pact\x0b"],
    "kind": ["agreement", "Agreement", "AGREEMENT", "alliance", "pact of steel", ""],
    "status": ["signed", "Signed", "", "in force", "in_force", "lapsed?"],
    "signed_on": ["2021-05-04", "4 May 2021", "2021-05", "2021", "", "0000", "2021-13-40"],
    "parties": ["AZ;UZ;KZ", "KZ|UZ|AZ", "aze;uzb;kaz", "373;704;705", "AZ;UZ", "AZ;UZ;KZ;KZ",
                "AZ;UZ;XX", "", "AZ; UZ ;KZ"],
    "sectors": ["energy", "ENERGY", "energy;energy", "energy;trade", "", "fishing"],
    "unts": ["I-70001", "I-70002", "", "i-70001"],
    "source_title": ["Steppe list", "Other list", ""],
    "source_url": ["https://example.org/steppe", "https://example.org/other", "", "not a url"],
    "quote": ["The pact was signed.", "The pact was signed", ""],
    "locator": ["p. 4", "p. 5", "", "x" * 101],
}  # fmt: skip


def dry_run_report(path, **options):
    report = import_file(path, "treaty", dry_run=True, **options)
    return (
        report.ok, report.created, report.updated, report.unchanged, report.duplicates,
        sorted((e.line, e.field, e.message) for e in report.errors),
        sorted((p.line, p.slug, p.action, p.changes) for p in report.preview),
    )  # fmt: skip


def assert_the_parsers_answer(path, monkeypatch, **options) -> None:
    """The same dry-run report with the unchanged-row check as with every row
    sent to the parser."""
    found = dry_run_report(path, **options)
    with monkeypatch.context() as parser_only:
        parser_only.setattr(UnchangedRows, "find", lambda *args: None)
        assert dry_run_report(path, **options) == found, path.read_text()


@pytest.mark.parametrize("column", list(VARIANTS))
def test_every_variant_of_a_row_gets_the_parsers_answer(tmp_path, register, monkeypatch, column):
    """The claim of diplomacy.importing.unchanged: telling unchanged rows
    apart without parsing them gives the answer parsing gives, row by row."""
    run(tmp_path, PACT, MEMO, publish=True)
    position = HEADER.split(",").index(column)
    cells = PACT.split(",")
    rows = []
    for value in VARIANTS[column]:
        changed = cells.copy()
        changed[position] = f'"{value}"' if "," in value else value
        rows.append(",".join(changed))
    files = [[row] for row in rows] + [[row, row, MEMO] for row in rows] + [rows]
    for n, lines in enumerate(files):
        path = tmp_path / f"variant-{n}.csv"
        path.write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
        for publish in (False, True):
            assert_the_parsers_answer(path, monkeypatch, publish=publish)


def test_a_precision_finer_than_its_date_is_refused_whatever_the_column_order(tmp_path, register):
    run(tmp_path, PACT.replace("2021-05-04", "2021"))
    header = "slug,signed_on_precision,signed_on\n"
    report = imported(tmp_path, header + "transit-pact,day,2021\n")
    assert not report.ok and report.unchanged == 0
    assert "finer than day" in " ".join(str(error) for error in report.errors)
    assert imported(tmp_path, header + "transit-pact,year,2021\n").unchanged == 1


def test_every_column_order_and_precision_gets_the_parsers_answer(tmp_path, register, monkeypatch):
    run(tmp_path, PACT.replace("2021-05-04", "2021-05"), MEMO, publish=True)
    header = [*HEADER.split(","), "signed_on_precision"]
    for date in ("2021-05", "2021-05-01", "May 2021", "2021"):
        for precision in ("", "day", "month", "Month", "year", "hour"):
            cells = [*PACT.replace("2021-05-04", date).split(","), precision]
            for order in (header, header[::-1]):
                columns = [header.index(name) for name in order]
                path = tmp_path / "ordered.csv"
                path.write_text(
                    ",".join(order) + "\n" + ",".join(cells[n] for n in columns) + "\n",
                    encoding="utf-8",
                )
                assert_the_parsers_answer(path, monkeypatch)


def test_json_objects_each_with_their_own_columns_import_and_come_back_unchanged(
    tmp_path, register
):
    """Each object of a JSON file may name its own columns, in its own order
    (here 256 objects, each a different set of the optional columns)."""
    import itertools
    import json
    import random

    optional = ["short_title", "place_signed", "summary", "notes", "status", "sectors",
                "unts", "full_text_url"]  # fmt: skip
    subsets = [
        combo for n in range(len(optional) + 1) for combo in itertools.combinations(optional, n)
    ]
    rng = random.Random(7)
    items = []
    for n, columns in enumerate(subsets):
        item = {"slug": f"pact-{n}", "title": f"Pact {n}", "kind": "agreement",
                "signed_on": "2020-01-02", "parties": ["AZ", "UZ"]}  # fmt: skip
        values = {"short_title": f"P{n}", "place_signed": "Baku", "summary": "A pact.",
                  "notes": "", "status": "signed", "sectors": ["energy"], "unts": f"U-{n}",
                  "full_text_url": "https://example.org/pact"}  # fmt: skip
        item.update({column: values[column] for column in columns})
        keys = list(item)
        rng.shuffle(keys)
        items.append({key: item[key] for key in keys})
    path = tmp_path / "pacts.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    assert import_file(path, "treaty").created == 256
    report = import_file(path, "treaty")
    assert report.ok and report.unchanged == 256, report.summary()
    items[255]["title"] = "Pact 255, amended"
    path.write_text(json.dumps(items), encoding="utf-8")
    report = import_file(path, "treaty")
    assert (report.unchanged, report.updated) == (255, 1)
