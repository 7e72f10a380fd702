"""Admin imports in the background (issue 19, item 8): a large upload is checked
and then, once confirmed, imported by the worker, with a progress page and a
result page only its editor (or a superuser) can open; the form's choices
(skip invalid rows, merge probable duplicates, memberships).

The worker is driven in-process (``manage.py db_worker --batch`` runs what is
queued, then returns): no sleeping, no second process."""

import csv
import datetime
import io
import os
import time

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from diplomacy import jobs
from diplomacy.models import ImportJob, Treaty, TreatyParty
from diplomacy.roles import EDITORS
from tests.factories import StateFactory, TreatyFactory, UserFactory

# Transactional: the worker, as in production, closes its database connection
# between jobs, which a test wrapped in one transaction would lose on PostgreSQL.
pytestmark = pytest.mark.django_db(transaction=True)

IMPORT_URL = "/admin/diplomacy/treaty/import/"
GOOD = (
    "title,kind,signed_on,parties\nA new treaty,agreement,2024,AZ;UZ\nAnother,agreement,2023,AZ\n"
)
ONE_BAD = GOOD + "Broken,agreement,2024,AZ;XX\n"


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
def background(settings, upload_dir):
    """Every upload is large enough to go to the worker."""
    settings.IMPORT_BACKGROUND_BYTES = 0
    return upload_dir


def run_worker():
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        verbosity=0,
        stdout=io.StringIO(),
    )


def upload(client, text: str, name="t.csv", **choices):
    data = {"file": SimpleUploadedFile(name, text.encode()), **choices}
    return client.post(IMPORT_URL, data)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def another_editor():
    user = UserFactory(username="other-editor", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


# -- the background flow -------------------------------------------------------------------


def test_a_large_file_is_checked_by_the_worker_then_imported_on_confirmation(
    editor_client, editor, states, background
):
    response = upload(editor_client, GOOD)
    assert response.status_code == 302
    job_url = response.url
    waiting = page(editor_client, job_url)
    assert "Waiting for the import worker" in waiting
    assert '<meta http-equiv="refresh"' in waiting  # it refreshes itself, no script

    run_worker()
    checked = page(editor_client, job_url)
    assert "Check of t.csv" in checked and '<meta http-equiv="refresh"' not in checked
    assert "2 row(s): 2 would be created" in checked
    assert 'id="import-preview"' in checked and "Confirm import" in checked
    assert not Treaty.objects.exists()

    confirmed = editor_client.post(job_url)
    assert confirmed.status_code == 302
    assert "Waiting for the import worker" in page(editor_client, job_url)
    run_worker()
    done = page(editor_client, job_url)
    assert "Import of t.csv" in done and "2 row(s): 2 were created" in done
    counts = done.split('id="import-counts"')[1].split("</table>")[0]
    assert "Records created</th><td>2</td>" in counts
    assert Treaty.objects.count() == 2
    assert Treaty.objects.first().history.first().history_user == editor
    # The upload is gone once imported; nothing else is left in the folder.
    assert list(background.iterdir()) == []


def test_the_progress_page_shows_a_progress_bar_with_rows_done_of_all(
    editor_client, editor, background
):
    background.mkdir()
    job = ImportJob.objects.create(
        user=editor, kind="treaty", filename="big.csv", stored_name="x.csv", state="running"
    )
    jobs.write_progress(job, 12_000, 100_000)
    text = page(editor_client, f"{IMPORT_URL}{job.pk}/")
    assert '<progress id="import-progress" max="100000" value="12000">' in text
    assert "12,000 of 100,000 rows" in text
    assert '<meta http-equiv="refresh"' in text


def test_a_bad_file_is_reported_by_the_check_and_cannot_be_confirmed(
    editor_client, states, background
):
    job_url = upload(editor_client, ONE_BAD).url
    run_worker()
    text = page(editor_client, job_url)
    assert "Nothing has been written" in text and "<td>4</td>" in text
    assert "Confirm import" not in text
    assert list(background.iterdir()) == []  # a file that cannot be imported is not kept
    editor_client.post(job_url)  # a forged confirmation
    run_worker()
    assert not Treaty.objects.exists()


def test_a_check_is_confirmed_once(editor_client, states, background):
    job_url = upload(editor_client, GOOD).url
    run_worker()
    editor_client.post(job_url)
    again = editor_client.post(job_url, follow=True).content.decode()
    assert "already confirmed" in again
    run_worker()
    assert Treaty.objects.count() == 2
    assert ImportJob.objects.get().step == "import"


def test_an_upload_swept_before_the_worker_reached_it_says_so(
    editor_client, states, background, settings
):
    job_url = upload(editor_client, GOOD).url
    settings.IMPORT_PREVIEW_SECONDS = -1  # everything in the folder has expired
    jobs.sweep_stale_uploads(background)
    run_worker()
    text = page(editor_client, job_url)
    assert "was not imported" in text and "upload it again" in text
    assert not Treaty.objects.exists()


def test_a_job_whose_worker_died_is_shown_as_failed_not_running_for_ever(
    editor_client, editor, background
):
    background.mkdir()
    stalled = ImportJob.objects.create(
        user=editor, kind="treaty", filename="big.csv", stored_name="x.csv", state="running"
    )
    moving = ImportJob.objects.create(
        user=editor, kind="treaty", filename="next.csv", stored_name="y.csv", state="running"
    )
    jobs.write_progress(stalled, 12_000, 100_000)
    jobs.write_progress(moving, 2_000, 100_000)
    long_ago = time.time() - jobs.STALLED_SECONDS - 60
    os.utime(jobs.progress_path(stalled), (long_ago, long_ago))

    text = page(editor_client, f"{IMPORT_URL}{stalled.pk}/")
    assert "The import worker stopped" in text and "nothing was written" in text
    assert '<meta http-equiv="refresh"' not in text
    stalled.refresh_from_db()
    assert stalled.state == "failed"
    # A job still moving is left running, on its page and in the list.
    assert '<progress id="import-progress"' in page(editor_client, f"{IMPORT_URL}{moving.pk}/")
    page(editor_client, IMPORT_URL)
    moving.refresh_from_db()
    assert moving.state == "running"


def test_only_its_editor_or_a_superuser_sees_a_job(client, editor, states, background):
    client.force_login(editor)
    job_url = upload(client, GOOD).url
    run_worker()
    other = Client()
    other.force_login(another_editor())
    assert other.get(job_url).status_code == 404
    assert other.get(f"{job_url}rejected/").status_code == 404
    assert other.post(job_url).status_code == 404
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert "Check of t.csv" in page(admin, job_url)
    # A superuser looks; the import stays its editor's to confirm.
    assert "Confirm import" not in page(admin, job_url)
    assert admin.post(job_url).status_code == 403
    # Anonymous: the login page, nothing of the job.
    assert Client().get(job_url).status_code == 302
    # Another model's import pages do not show it either.
    assert client.get(job_url.replace("/treaty/", "/visit/")).status_code == 404


def test_uploads_have_random_names_in_the_upload_folder(editor_client, states, background):
    upload(editor_client, GOOD, name="my-secret-plans.csv")
    (stored,) = background.iterdir()
    assert "secret" not in stored.name and len(stored.stem) >= 32
    assert stored.suffix == ".csv"


def test_the_import_page_lists_the_editors_own_background_imports(
    client, editor, states, background
):
    client.force_login(editor)
    upload(client, GOOD, name="mine.csv")
    assert "mine.csv" in page(client, IMPORT_URL)
    other = Client()
    other.force_login(another_editor())
    assert "mine.csv" not in page(other, IMPORT_URL)


def test_a_small_file_is_still_previewed_in_the_request(editor_client, states, upload_dir):
    text = upload(editor_client, GOOD).content.decode()
    assert "Preview of t.csv" in text and 'name="token"' in text
    assert not ImportJob.objects.exists()


# -- memberships from the treaty import page -------------------------------------------------


def test_the_treaty_import_page_imports_memberships(editor_client, states, upload_dir):
    treaty = TreatyFactory(slug="cst", kind="alliance", parties=[states["az"]])
    form = page(editor_client, IMPORT_URL)
    assert "Treaty memberships over time" in form
    columns = form.split('id="import-columns-membership"')[1].split("</table>")[0]
    assert "<code>joined</code>" in columns and "accession" in columns
    preview = upload(
        editor_client, "treaty,state,mode,joined\ncst,UZ,accession,2021\n", kind="membership"
    ).content.decode()
    assert "Preview of t.csv" in preview, preview
    token = preview.split('name="token" value="')[1].split('"')[0]
    assert editor_client.post(IMPORT_URL, {"token": token}).status_code == 302
    party = TreatyParty.objects.get(treaty=treaty, state=states["uz"])
    assert party.consent_mode == "accession" and party.consented_on.year == 2021


def test_the_visit_import_page_offers_no_other_kind(editor_client):
    form = page(editor_client, "/admin/diplomacy/visit/import/")
    assert "Treaty memberships" not in form and "Merge probable duplicates" not in form
    assert "Skip invalid rows and give me a reject file" in form


# -- the two choices (need the importer of issue 19: skip_invalid, merge_duplicates) ----------


def test_skipping_invalid_rows_imports_the_others_and_hands_back_a_reject_file(
    editor_client, states, upload_dir
):
    preview = upload(editor_client, ONE_BAD, skip_invalid="on").content.decode()
    assert "Confirm import" in preview and "left out" in preview
    token = preview.split('name="token" value="')[1].split('"')[0]
    response = editor_client.post(IMPORT_URL, {"token": token})
    assert response.status_code == 302
    result = page(editor_client, response.url)
    assert Treaty.objects.count() == 2
    assert "Rows refused (in the reject file)</th><td>1</td>" in result
    download = editor_client.get(f"{response.url}rejected/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert "t-rejected.csv" in download["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [row["title"] for row in rows] == ["Broken"]
    other = Client()
    other.force_login(another_editor())
    assert other.get(f"{response.url}rejected/").status_code == 404


def test_skipping_invalid_rows_in_the_background(editor_client, states, background):
    job_url = upload(editor_client, ONE_BAD, skip_invalid="on").url
    run_worker()
    checked = page(editor_client, job_url)
    assert "left out" in checked and "Confirm import" in checked
    editor_client.post(job_url)
    run_worker()
    done = page(editor_client, job_url)
    assert Treaty.objects.count() == 2
    assert 'id="import-reject-file"' in done


def test_merging_probable_duplicates_adds_to_the_existing_record(editor_client, states, upload_dir):
    existing = TreatyFactory(
        slug="allied-relations",
        title="Treaty on Allied Relations",
        kind="alliance",
        signed_on=datetime.date(2024, 8, 23),
        parties=[states["az"], states["uz"]],
    )
    text = "slug,title,kind,signed_on,parties,wikidata\n"
    text += "allied-2024,Allied relations treaty,alliance,2024-08-23,AZ;UZ,Q123\n"
    preview = upload(editor_client, text, merge_duplicates="on").content.decode()
    assert 'id="import-duplicates"' in preview
    token = preview.split('name="token" value="')[1].split('"')[0]
    editor_client.post(IMPORT_URL, {"token": token})
    assert Treaty.objects.count() == 1
    assert existing.identifiers.filter(scheme="wikidata", value="Q123").exists()
