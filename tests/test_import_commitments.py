"""Commitments as their own import kind (SPEC 3.11; issue 18 item 6): rows
named by treaty, kind and article; only the file's columns change; a
re-import changes nothing; one bad row writes nothing."""

import pytest
from django.core.management import call_command

from diplomacy.importing import import_file
from diplomacy.models import Commitment, CommitmentKind
from tests.factories import SourceFactory, StateFactory
from tests.helpers import alliance, world

pytestmark = pytest.mark.django_db

HEADER = "treaty,kind,article,quote,conditions,parties_bound,source,locator\n"


@pytest.fixture
def w():
    found = world()
    found["treaty"] = alliance(found)
    found["cited"] = SourceFactory(title="The treaty's text", url="https://example.org/treaty")
    return found


def write(tmp_path, text, name="commitments.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def commitments(treaty):
    return [
        (c.kind.value, c.article, c.quote, c.conditions, c.locator, c.source_id,
         sorted(s.iso2 for s in c.parties_bound.all()))
        for c in Commitment.objects.filter(treaty=treaty).order_by("kind__order", "article")
    ]  # fmt: skip


def test_a_file_of_commitments_imports_and_shows_on_the_treaty_page(client, tmp_path, w, editor):
    client.get("/treaties/treaty-on-allied-relations/")  # cached before the import
    path = write(
        tmp_path,
        HEADER + "treaty-on-allied-relations,defence,Article 4,Each party shall assist the other,"
        "if attacked by a third state,AZ,https://example.org/treaty,p. 3\n"
        "treaty-on-allied-relations,political_support,Article 2,They support each other,,,,\n",
    )
    report = import_file(path, "commitment", user=editor)
    assert report.ok and (report.created, report.updated) == (2, 0), report.summary()
    assert commitments(w["treaty"]) == [
        ("defence", "Article 4", "Each party shall assist the other",
         "if attacked by a third state", "p. 3", w["cited"].pk, ["AZ"]),
        ("political_support", "Article 2", "They support each other", "", "", None, []),
    ]  # fmt: skip
    # Recorded in the history under the importer's name; shown at once.
    assert Commitment.history.filter(history_user=editor).count() >= 2
    assert (
        "Each party shall assist the other"
        in client.get("/treaties/treaty-on-allied-relations/").content.decode()
    )
    again = import_file(path, "commitment", user=editor)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_only_the_files_columns_change_and_an_empty_cell_clears(tmp_path, w):
    import_file(
        write(tmp_path, HEADER + "treaty-on-allied-relations,defence,Art. 4,Quote,If attacked,"
              "UZ,The treaty's text,p. 3\n"), "commitment",
    )  # fmt: skip
    update = write(tmp_path, "treaty,kind,article,conditions\n"
                   "treaty-on-allied-relations,defence,Art. 4,\n", "update.csv")  # fmt: skip
    preview = import_file(update, "commitment", dry_run=True)
    assert [(row.action, row.changes) for row in preview.preview] == [("update", ("conditions",))]
    import_file(update, "commitment")
    assert commitments(w["treaty"]) == [
        ("defence", "Art. 4", "Quote", "", "p. 3", w["cited"].pk, ["UZ"])
    ]


def test_a_row_completes_the_kind_a_treaty_import_added(tmp_path, w):
    treaties = write(tmp_path, "slug,commitments\ntreaty-on-allied-relations,defence\n", "t.csv")
    assert import_file(treaties, "treaty").ok
    assert commitments(w["treaty"]) == [("defence", "", "", "", "", None, [])]
    rows = write(tmp_path, HEADER + "treaty-on-allied-relations,defence,Art. 4,Quote,,,,\n")
    report = import_file(rows, "commitment")
    assert (report.created, report.updated) == (0, 1)
    assert commitments(w["treaty"]) == [("defence", "Art. 4", "Quote", "", "", None, [])]
    # The treaty file again: the kind is there, nothing changes.
    assert import_file(treaties, "treaty").unchanged == 1
    assert len(commitments(w["treaty"])) == 1


def test_one_bad_row_writes_nothing_and_every_error_is_named(tmp_path, w):
    StateFactory(iso2="KG", iso3="KGZ", name="Kyrgyzstan")
    path = write(
        tmp_path,
        HEADER + "treaty-on-allied-relations,defence,Art. 4,Fine,,,,\n"
        "no-such-treaty,defence,,,,,,\n"
        "treaty-on-allied-relations,world_peace,,,,,,\n"
        "treaty-on-allied-relations,consultation,,,,KG,,\n"
        "treaty-on-allied-relations,neutrality,,,,,No such source,\n"
        "treaty-on-allied-relations,defence,Art. 4,Other words,,,,\n",
    )
    report = import_file(path, "commitment")
    assert {(error.line, error.field) for error in report.errors} == {
        (3, "treaty"), (4, "kind"), (5, "parties_bound"), (6, "source"), (7, "article"),
    }  # fmt: skip
    assert Commitment.objects.count() == 0


def test_the_command_offers_the_commitment_kind(tmp_path, w, capsys):
    path = write(tmp_path, HEADER + "treaty-on-allied-relations,consultation,Art. 1,Q,,,,\n")
    call_command("import_records", str(path), "--kind", "commitment")
    assert "1 row(s): 1 were created" in capsys.readouterr().out
    assert CommitmentKind.objects.get(value="consultation").commitments.count() == 1


def test_skip_invalid_writes_the_good_commitments_and_rejects_the_others_with_a_reason(
    tmp_path, w, editor
):
    path = write(
        tmp_path,
        HEADER + "treaty-on-allied-relations,defence,Article 4,Each party shall assist,,,,\n"
        "no-such-treaty,defence,Article 1,Nothing,,,,\n"
        "treaty-on-allied-relations,consultation,Article 5,They consult,,XX,,\n",
    )
    refused = import_file(path, "commitment", user=editor)
    assert not refused.ok and "nothing was written" in refused.summary()
    assert commitments(w["treaty"]) == []
    # The report groups the errors by column, as for the other kinds.
    assert {group.column for group in refused.grouped_errors()} == {"treaty", "parties_bound"}

    report = import_file(path, "commitment", user=editor, skip_invalid=True)
    assert report.ok and report.created == 1 and report.rejected == 2, report.summary()
    assert [c[0] for c in commitments(w["treaty"])] == ["defence"]
    rejects = (tmp_path / "commitments.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[0].endswith(",reason") and len(rejects) == 3
    refused_rows = {row.split(",")[0]: row for row in rejects[1:]}
    assert "No treaty" in refused_rows["no-such-treaty"]
    assert "XX" in refused_rows["treaty-on-allied-relations"]


def test_a_refused_row_leaves_the_bare_commitment_for_the_next_row_of_its_kind(tmp_path, w, editor):
    # The treaty import's commitments column gave the treaty a bare defence commitment.
    defence = CommitmentKind.objects.get(value="defence")
    Commitment.objects.create(treaty=w["treaty"], kind=defence)
    path = write(
        tmp_path,
        HEADER + "treaty-on-allied-relations,defence,Article 4,Assist,,KZ,,\n"  # not a party
        "treaty-on-allied-relations,defence,Article 5,Each party shall assist,,,,\n",
    )
    report = import_file(path, "commitment", user=editor, skip_invalid=True)
    assert report.ok and report.rejected == 1, report.summary()
    # Completed, not doubled: one defence commitment, with the valid row's article.
    assert [(c[0], c[1], c[2]) for c in commitments(w["treaty"])] == [
        ("defence", "Article 5", "Each party shall assist")
    ]


def test_a_long_commitment_file_reports_its_progress_while_it_writes(tmp_path, w, editor):
    """A background job that reports nothing for long is taken for a dead one:
    an import that saves row by row says how far its writing has come."""
    rows = "".join(
        f"treaty-on-allied-relations,consultation,Article {n},They consult,,,,\n"
        for n in range(1, 601)
    )
    calls = []
    report = import_file(
        write(tmp_path, HEADER + rows),
        "commitment",
        user=editor,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert report.ok and report.created == 600, report.summary()
    assert calls[0] == (600, 600)  # read and checked
    assert (500, 600) in calls[1:]  # then written, 500 at a time
