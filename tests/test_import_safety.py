"""Import safety (SPEC 8): an import changes only the columns its file has, says
what it would change, runs once per preview, reads its own CSV exports back,
refuses control characters, and shows its changes on every page at once."""

import contextlib
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections
from django.test import Client

from diplomacy.admin import importing as admin_importing
from diplomacy.importing import import_file
from diplomacy.models import Treaty
from tests.factories import SectorFactory, SourceFactory, StateFactory, TreatyFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/diplomacy/treaty/import/"


@pytest.fixture
def states():
    return {
        "az": StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", slug="azerbaijan"),
        "uz": StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", slug="uzbekistan"),
    }


@pytest.fixture
def upload_dir(tmp_path, settings):
    folder = tmp_path / "uploads"
    settings.IMPORT_UPLOAD_DIR = folder
    return folder


@pytest.fixture
def full_treaty(states):
    """A treaty with every field the issue's editor lost, known by its ATOP number."""
    treaty = TreatyFactory(
        slug="treaty-on-allied-relations",
        title="Treaty on Allied Relations",
        kind="alliance",
        place_signed="Tashkent",
        summary="The parties become allies.",
        parties=[states["az"], states["uz"]],
    )
    treaty.sectors.set([SectorFactory(slug="energy"), SectorFactory(slug="culture")])
    treaty.identifiers.create(scheme="atop", value="3755")
    return treaty


def write(tmp_path, text, name="rows.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def token_of(page: str) -> str:
    return page.split('name="token" value="')[1].split('"')[0]


# 1. An absent column leaves the field as it is; an empty cell clears it.


def test_a_file_without_a_column_leaves_that_field_and_relation_unchanged(tmp_path, full_treaty):
    path = write(tmp_path, "slug,title,kind,atop\nalliance,Treaty of Alliance,alliance,3755\n")
    report = import_file(path, "treaty")
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 1)
    treaty = Treaty.objects.get(pk=full_treaty.pk)
    assert treaty.title == "Treaty of Alliance"
    assert treaty.place_signed == "Tashkent"
    assert treaty.summary == "The parties become allies."
    assert treaty.signed_on == full_treaty.signed_on
    assert sorted(treaty.sectors.values_list("slug", flat=True)) == ["culture", "energy"]
    assert sorted(treaty.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]


def test_an_empty_cell_in_a_present_column_clears_that_field(tmp_path, full_treaty):
    path = write(tmp_path, "slug,summary,sectors\ntreaty-on-allied-relations,,\n")
    report = import_file(path, "treaty")
    assert report.ok, report.errors
    treaty = Treaty.objects.get(pk=full_treaty.pk)
    assert treaty.summary == "" and not treaty.sectors.exists()
    assert treaty.title == "Treaty on Allied Relations" and treaty.place_signed == "Tashkent"


def test_an_empty_identifier_cell_removes_that_identifier(tmp_path, full_treaty):
    import_file(write(tmp_path, "slug,atop\ntreaty-on-allied-relations,\n"), "treaty")
    assert not full_treaty.identifiers.exists()


def test_a_json_item_changes_only_the_keys_it_has(tmp_path, full_treaty):
    path = write(
        tmp_path, '[{"slug": "treaty-on-allied-relations", "place_signed": null}]', "t.json"
    )
    assert import_file(path, "treaty").updated == 1
    treaty = Treaty.objects.get(pk=full_treaty.pk)
    assert treaty.place_signed == "" and treaty.summary == "The parties become allies."


def test_a_new_record_needs_its_required_columns(tmp_path, full_treaty):
    path = write(
        tmp_path,
        "slug,summary\ntreaty-on-allied-relations,Updated summary.\nnew-treaty,A new one.\n",
    )
    report = import_file(path, "treaty")
    assert {(e.line, e.field) for e in report.errors} == {(3, "title"), (3, "kind")}
    assert all("column" in e.message for e in report.errors)
    assert Treaty.objects.get(pk=full_treaty.pk).summary == "The parties become allies."
    assert not Treaty.objects.filter(slug="new-treaty").exists()


def test_the_dry_run_names_the_fields_each_record_would_change(tmp_path, full_treaty, capsys):
    path = write(
        tmp_path,
        "slug,title,kind,place_signed,sectors,parties\n"
        "treaty-on-allied-relations,Treaty of Alliance,alliance,Tashkent,energy,AZ;UZ\n"
        "treaty-of-friendship,Treaty of Friendship,friendship,,,AZ;UZ\n",
    )
    call_command("import_records", str(path), kind="treaty", dry_run=True)
    out = capsys.readouterr().out
    update = next(line for line in out.splitlines() if "treaty-on-allied-relations" in line)
    assert "update" in update and "title" in update and "sectors" in update
    assert "place_signed" not in update and "kind" not in update and "parties" not in update
    assert "create" in next(line for line in out.splitlines() if "treaty-of-friendship" in line)
    assert Treaty.objects.get(pk=full_treaty.pk).title == "Treaty on Allied Relations"


def test_the_admin_preview_names_the_fields_each_record_would_change(
    client, editor, full_treaty, upload_dir
):
    client.force_login(editor)
    upload = SimpleUploadedFile(
        "t.csv", b"slug,summary,parties\ntreaty-on-allied-relations,New summary.,AZ;UZ\n"
    )
    page = client.post(IMPORT_URL, {"file": upload}).content.decode()
    preview = page.split('id="import-preview"')[1].split("</table>")[0]
    assert "treaty-on-allied-relations" in preview and "summary" in preview
    assert "parties" not in preview.split("<tbody>")[1]


# 2. One preview, at most one import; the upload does not outlive it.


def _preview(client, text: bytes) -> str:
    page = client.post(IMPORT_URL, {"file": SimpleUploadedFile("t.csv", text)}).content.decode()
    return token_of(page)


def test_the_uploaded_file_is_removed_after_confirmation(client, editor, states, upload_dir):
    client.force_login(editor)
    token = _preview(client, b"title,kind,parties\nA new treaty,agreement,AZ;UZ\n")
    assert any(upload_dir.iterdir())
    assert client.post(IMPORT_URL, {"token": token}).status_code == 302
    assert Treaty.objects.filter(title="A new treaty").count() == 1
    assert list(upload_dir.iterdir()) == []


def test_a_repeated_confirmation_imports_nothing_and_says_so(client, editor, states, upload_dir):
    client.force_login(editor)
    token = _preview(client, b"title,kind,parties\nA new treaty,agreement,AZ;UZ\n")
    client.post(IMPORT_URL, {"token": token})
    again = client.post(IMPORT_URL, {"token": token}, follow=True).content.decode()
    assert "already" in again
    assert Treaty.objects.filter(title="A new treaty").count() == 1


def test_a_forged_token_is_refused_with_a_message(client, editor, states, upload_dir):
    client.force_login(editor)
    page = client.post(IMPORT_URL, {"token": "../../etc/passwd"}, follow=True)
    assert page.status_code == 200 and "upload again" in page.content.decode()


def test_stale_uploads_are_swept_when_a_new_file_is_uploaded(
    client, editor, states, upload_dir, settings
):
    client.force_login(editor)
    _preview(client, b"title,kind,parties\nA new treaty,agreement,AZ;UZ\n")
    assert len(list(upload_dir.iterdir())) == 1
    settings.IMPORT_PREVIEW_SECONDS = 0  # every preview so far has expired
    token = _preview(client, b"title,kind,parties\nAnother treaty,agreement,AZ;UZ\n")
    assert len(list(upload_dir.iterdir())) <= 1
    page = client.post(IMPORT_URL, {"token": token}, follow=True).content.decode()
    assert "expired" in page and not Treaty.objects.exists()
    assert list(upload_dir.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_import_once(editor, states, upload_dir, monkeypatch):
    first = Client()
    first.force_login(editor)
    token = _preview(first, b"title,kind,parties\nA new treaty,agreement,AZ;UZ\n")
    second = Client()
    second.cookies = first.cookies  # the same editor's same session, in a second tab

    # Each confirmation that gets as far as importing waits (a little) for the
    # other, so both are in flight together, whatever the scheduling.
    real_import = admin_importing.import_file
    both_importing = threading.Barrier(2)

    def import_when_both_arrive(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_importing.wait(timeout=2)
        return real_import(*args, **kwargs)

    monkeypatch.setattr(admin_importing, "import_file", import_when_both_arrive)
    responses = []

    def confirm(client):
        try:
            responses.append(client.post(IMPORT_URL, {"token": token}, follow=True))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in responses] == [200, 200]
    treaty = Treaty.objects.get(title="A new treaty")
    assert treaty.history.count() == 1
    pages = sorted(r.content.decode() for r in responses)
    assert sum("Imported t.csv" in page for page in pages) == 1
    assert sum("already" in page for page in pages) == 1
    assert list(upload_dir.iterdir()) == []


# 3. A CSV cell our export protected against formula injection reads back unchanged.


def test_an_apostrophe_before_a_formula_character_is_dropped_on_import(tmp_path, states):
    path = write(
        tmp_path,
        "title,kind,parties,summary,place_signed\n"
        '"\'=HYPERLINK(""http://x"")",agreement,AZ;UZ,\'-5 degrees,\'Tashkent\n',
    )
    report = import_file(path, "treaty")
    assert report.ok, report.errors
    treaty = Treaty.objects.get()
    assert treaty.title == '=HYPERLINK("http://x")'
    assert treaty.summary == "-5 degrees"
    assert treaty.place_signed == "'Tashkent"  # an apostrophe before anything else is kept


# 4. Control characters are refused, by line and column.


def test_a_control_character_in_any_text_cell_is_a_row_error(tmp_path, states):
    source = SourceFactory(url="https://example.org/s", text="Quoted passage.")
    path = write(
        tmp_path,
        "title,kind,parties,summary,source,quote\n"
        "Fine,agreement,AZ;UZ,One\tTwo,,\n"
        "Bell\x07,agreement,AZ;UZ,,,\n"
        f"Quoted,agreement,AZ;UZ,,{source.url},Quoted\x1b passage.\n",
    )
    report = import_file(path, "treaty")
    assert {(e.line, e.field) for e in report.errors} == {(3, "title"), (4, "quote")}
    assert not Treaty.objects.exists()


def test_tabs_and_newlines_in_a_text_cell_are_kept(tmp_path, states):
    path = write(tmp_path, 'title,kind,parties,summary\nFine,agreement,AZ;UZ,"One\tTwo\nThree"\n')
    assert import_file(path, "treaty").ok
    assert Treaty.objects.get().summary == "One\tTwo\nThree"


# 5. An import is visible on every page at once.


def _seen(client, treaty_slug="treaty-on-allied-relations"):
    return (
        client.get("/treaties/").content.decode(),
        client.get(f"/treaties/{treaty_slug}/").content.decode(),
    )


def test_a_command_import_shows_on_the_list_and_the_record_page_at_once(
    client, tmp_path, full_treaty, publisher
):
    assert all("Treaty on Allied Relations" in page for page in _seen(client))
    path = write(
        tmp_path,
        "slug,title,kind,parties\n"
        "treaty-on-allied-relations,Treaty of Eternal Alliance,alliance,AZ;UZ\n"
        "pact-of-steppes,Pact of the Steppes,agreement,AZ;UZ\n",
    )
    call_command("import_records", str(path), kind="treaty", publish=True, user="publisher")
    listing, page = _seen(client)
    assert "Treaty of Eternal Alliance" in listing and "Treaty of Eternal Alliance" in page
    assert "Treaty on Allied Relations" not in listing + page
    assert "Pact of the Steppes" in listing
    assert "Pact of the Steppes" in client.get("/treaties/pact-of-steppes/").content.decode()


def test_an_admin_import_shows_on_the_list_and_the_record_page_at_once(
    client, full_treaty, publisher, upload_dir
):
    visitor = Client()
    assert all("Treaty on Allied Relations" in page for page in _seen(visitor))
    client.force_login(publisher)
    page = client.post(
        IMPORT_URL,
        {
            "file": SimpleUploadedFile(
                "t.csv",
                b"slug,title,kind,parties\n"
                b"treaty-on-allied-relations,Treaty of Eternal Alliance,alliance,AZ;UZ\n"
                b"pact-of-steppes,Pact of the Steppes,agreement,AZ;UZ\n",
            ),
            "publish": "on",
        },
    ).content.decode()
    assert client.post(IMPORT_URL, {"token": token_of(page)}).status_code == 302
    listing, record = _seen(visitor)
    assert "Treaty of Eternal Alliance" in listing and "Treaty of Eternal Alliance" in record
    assert "Treaty on Allied Relations" not in listing + record
    assert "Pact of the Steppes" in listing


# A quote opened and never closed would make the rest of the file one cell.


def test_a_quote_never_closed_refuses_the_file_instead_of_swallowing_the_rows_after_it(
    tmp_path, states
):
    for slug in ("a", "b", "c"):
        TreatyFactory(slug=slug, summary="As it was.", parties=[states["az"], states["uz"]])
    path = write(tmp_path, 'slug,summary\na,"A quote never closed\nb,Changed.\nc,Changed.\n')
    report = import_file(path, "treaty")
    assert not report.ok
    (error,) = report.errors
    assert "quote" in error.message and "line 2" in error.message, error.message
    assert set(Treaty.objects.values_list("summary", flat=True)) == {"As it was."}


def test_text_after_a_closing_quote_refuses_the_file_instead_of_being_joined_to_the_cell(
    tmp_path, states
):
    TreatyFactory(slug="a", summary="As it was.", parties=[states["az"], states["uz"]])
    path = write(tmp_path, 'slug,summary\na,"Quoted" and not\n')
    report = import_file(path, "treaty")
    assert not report.ok, "the cell would be read as 'Quoted and not'"
    assert "line 2" in report.errors[0].message
    assert Treaty.objects.get(slug="a").summary == "As it was."


def test_quoted_cells_over_several_lines_and_doubled_quotes_are_read(tmp_path, states):
    TreatyFactory(slug="a", summary="As it was.", parties=[states["az"], states["uz"]])
    path = write(tmp_path, 'slug,summary\na,"One ""quoted"" word,\nand a second line."\n')
    assert import_file(path, "treaty").ok
    assert Treaty.objects.get(slug="a").summary == 'One "quoted" word,\nand a second line.'


def test_a_row_with_fewer_cells_than_the_header_is_refused_not_read_as_empty_cells(
    tmp_path, states
):
    """A row cut short (a line broken by hand, a truncated copy) would clear
    every field of the columns it lacks: it is refused, with its line."""
    TreatyFactory(slug="a", summary="As it was.", parties=[states["az"], states["uz"]])
    path = write(tmp_path, "slug,title,summary\na,A new title\n")
    report = import_file(path, "treaty")
    assert not report.ok
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (2, "row", "2 cells but 3 columns.")
    ]
    treaty = Treaty.objects.get(slug="a")
    assert treaty.summary == "As it was." and treaty.title != "A new title"


@pytest.mark.parametrize(
    "item",
    [
        '{"slug": "a", "summary": "One.", "summary": "Other."}',
        '{"slug": "a", "Summary": "One.", "summary ": "Other."}',
    ],
)
def test_a_json_object_giving_a_key_twice_is_refused_not_read_as_its_last_value(
    tmp_path, states, item
):
    """A CSV header naming a column twice refuses the file; a JSON object
    naming a key twice (in any case or spacing) is refused too, with its
    position, instead of the parser silently keeping the last value."""
    TreatyFactory(slug="a", summary="As it was.", parties=[states["az"], states["uz"]])
    path = write(tmp_path, f"[{item}]", name="rows.json")
    report = import_file(path, "treaty")
    assert not report.ok
    assert [(e.line, e.field) for e in report.errors] == [(1, "row")]
    assert "summary" in report.errors[0].message and "twice" in report.errors[0].message
    assert Treaty.objects.get(slug="a").summary == "As it was."
