"""Two people editing one record: the second, stale save is refused, never silently merged.

In the admin the refused editor gets the form back with their input and a
message naming who changed the record and when; through the API a write
whose ``If-Match`` is not the record's current ``ETag`` gets 412.
"""

import datetime
import inspect
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils.timezone import localtime
from rest_framework.authtoken.models import Token

from diplomacy.admin.base import CuratedAdmin
from diplomacy.api.views import RecordViewSet
from diplomacy.models import Treaty
from diplomacy.roles import EDITORS
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    ProjectFactory,
    SectorFactory,
    SourceFactory,
    StateFactory,
    TreatyFactory,
    UserFactory,
    VisitFactory,
)
from tests.helpers import alliance, in_thread, world
from tests.test_admin import form_fields

pytestmark = pytest.mark.django_db
JSON = "application/json"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def second_editor(editor):
    user = UserFactory(username="second-editor", first_name="Bea", last_name="Second")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def treaty():
    return alliance(world(), summary="The first summary.")


def change_url(treaty) -> str:
    return f"/admin/diplomacy/treaty/{treaty.pk}/change/"


def test_a_stale_admin_save_is_refused_naming_who_changed_the_record_and_when(
    editor, second_editor, treaty
):
    first, second = signed_in(editor), signed_in(second_editor)
    url = change_url(treaty)
    form_a = form_fields(first.get(url), "treaty_form")
    form_b = form_fields(second.get(url), "treaty_form")

    form_a["summary"] = "The summary A wrote."
    assert first.post(url, form_a).status_code == 302

    form_b["title"] = "Treaty on Allied Relations as B renamed it"
    response = second.post(url, form_b)
    assert response.status_code == 200
    page = response.content.decode()
    change = treaty.history.first()
    assert change.history_user == editor
    when = localtime(change.history_date).strftime("%Y-%m-%d %H:%M:%S")
    assert f"This treaty was changed by {editor.username} at {when}" in page
    assert "Your changes are kept below; review them and save again." in page
    assert "Changed since you opened it: summary." in page
    # B's input is still on the form, and nothing of it reached the record.
    assert 'value="Treaty on Allied Relations as B renamed it"' in page
    treaty.refresh_from_db()
    assert treaty.summary == "The summary A wrote."
    assert treaty.title == "Treaty on Allied Relations"
    assert treaty.history.count() == 2  # created, A's change


def test_after_the_conflict_a_second_deliberate_save_goes_through(editor, second_editor, treaty):
    first, second = signed_in(editor), signed_in(second_editor)
    url = change_url(treaty)
    form_a = form_fields(first.get(url), "treaty_form")
    form_b = form_fields(second.get(url), "treaty_form")
    form_a["summary"] = "The summary A wrote."
    first.post(url, form_a)
    form_b["title"] = "Renamed by B"
    refused = second.post(url, form_b)
    assert refused.status_code == 200

    # B reviews the form shown with the conflict, takes A's summary, saves again.
    reviewed = form_fields(refused, "treaty_form")
    assert reviewed["title"] == "Renamed by B"
    reviewed["summary"] = "The summary A wrote."
    assert second.post(url, reviewed).status_code == 302
    treaty.refresh_from_db()
    assert (treaty.title, treaty.summary) == ("Renamed by B", "The summary A wrote.")
    assert treaty.history.first().history_user == second_editor


def test_the_conflict_message_names_the_person_a_full_name_is_known_for(
    editor, second_editor, treaty
):
    first, second = signed_in(second_editor), signed_in(editor)
    url = change_url(treaty)
    form_a = form_fields(first.get(url), "treaty_form")
    form_b = form_fields(second.get(url), "treaty_form")
    form_a["summary"] = "Changed by Bea."
    first.post(url, form_a)
    page = second.post(url, form_b).content.decode()
    assert "This treaty was changed by Bea Second at " in page


def test_a_change_to_a_citation_alone_makes_an_open_form_stale(editor, second_editor, treaty):
    source = SourceFactory()
    first, second = signed_in(editor), signed_in(second_editor)
    url = change_url(treaty)
    form_a = form_fields(first.get(url), "treaty_form")
    form_b = form_fields(second.get(url), "treaty_form")
    form_a.update(
        {"citations-TOTAL_FORMS": "1", "citations-0-source": source.pk, "citations-0-quote": "Q"}
    )
    assert first.post(url, form_a).status_code == 302
    form_b["summary"] = "B's summary"
    response = second.post(url, form_b)
    assert response.status_code == 200
    assert "This treaty was changed by editor at " in response.content.decode()
    treaty.refresh_from_db()
    assert treaty.summary == "The first summary."
    assert treaty.citations.get().quote == "Q"


def test_a_change_form_without_its_version_is_refused(editor_client, treaty):
    url = change_url(treaty)
    form = form_fields(editor_client.get(url), "treaty_form")
    del form["version"]
    form["summary"] = "Posted by a script that skipped the form."
    response = editor_client.post(url, form)
    assert response.status_code == 200
    assert "reload the page" in response.content.decode()
    treaty.refresh_from_db()
    assert treaty.summary == "The first summary."


@pytest.mark.parametrize("micros", ["99999999999999999999", "9" * 5000, "-1", "1e9"])
def test_a_tampered_version_is_refused_as_a_stale_one(editor_client, treaty, micros):
    """A version no save ever made (out of any date's range, malformed) is a
    version the record is not at: the form comes back, nothing is saved."""
    url = change_url(treaty)
    form = form_fields(editor_client.get(url), "treaty_form")
    form["version"] = f"treaty-{treaty.pk}-{micros}"
    form["summary"] = "Posted with a forged version."
    response = editor_client.post(url, form)
    assert response.status_code == 200
    assert "was changed by" in response.content.decode()
    treaty.refresh_from_db()
    assert treaty.summary == "The first summary."


def test_an_unchanged_form_saves_and_adding_records_needs_no_version(editor_client, treaty):
    url = change_url(treaty)
    form = form_fields(editor_client.get(url), "treaty_form")
    form["summary"] = "Saved once."
    assert editor_client.post(url, form).status_code == 302
    # The form from the page shown after saving carries the new version.
    form = form_fields(editor_client.get(url), "treaty_form")
    form["summary"] = "Saved twice."
    assert editor_client.post(url, form).status_code == 302
    treaty.refresh_from_db()
    assert treaty.summary == "Saved twice."


# The API: ETag on every record, If-Match checked in the write's transaction.


def api_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


RECORDS = {
    "states": lambda: StateFactory(iso2="QX", iso3="QXX"),
    "people": PersonFactory,
    "organizations": OrganizationFactory,
    "sectors": SectorFactory,
    "sources": SourceFactory,
    "treaties": TreatyFactory,
    "visits": VisitFactory,
    "projects": ProjectFactory,
}


# The field a test changes in each: its name or title.
TITLE = {"sources": "title", "treaties": "title", "visits": "title"}
TITLE.update({name: "name" for name in RECORDS if name not in TITLE})


def record_url(endpoint, record) -> str:
    key = record.iso2.lower() if endpoint == "states" else record.slug
    return f"/api/v1/{endpoint}/{key}/"


@pytest.mark.parametrize("endpoint", list(RECORDS))
def test_every_record_carries_an_etag_that_a_patch_must_match(publisher, endpoint):
    record = RECORDS[endpoint]()
    api = api_client(publisher)
    url = record_url(endpoint, record)
    read = api.get(url)
    assert read.status_code == 200
    etag = read["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert api.get(url)["ETag"] == etag  # the same record, the same tag
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    field = TITLE[endpoint]
    written = api.patch(url, {field: "Written first"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert written.status_code == 200, written.content
    assert written["ETag"] and written["ETag"] != etag

    stale = api.patch(url, {field: "Written late"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "changed" in stale.json()["detail"]
    record.refresh_from_db()
    assert getattr(record, field) == "Written first"


def test_a_put_built_from_a_stale_get_does_not_overwrite_a_newer_change(publisher, treaty):
    api = api_client(publisher)
    url = record_url("treaties", treaty)
    stale = api.get(url)
    newer = api.patch(
        url, {"summary": "The newer summary."}, content_type=JSON, HTTP_IF_MATCH=stale["ETag"]
    )
    assert newer.status_code == 200

    body = {
        **{
            k: stale.json()[k]
            for k in ("slug", "title", "kind", "signed_on", "signed_on_precision")
        },
        "parties": [{"state": "az"}, {"state": "uz"}],
        "title": "Retitled from a stale copy",
    }
    refused = api.put(url, body, content_type=JSON, HTTP_IF_MATCH=stale["ETag"])
    assert refused.status_code == 412
    detail = refused.json()["detail"]
    assert "publisher" in detail and "GET" in detail
    treaty.refresh_from_db()
    assert (treaty.title, treaty.summary) == ("Treaty on Allied Relations", "The newer summary.")

    fresh = api.put(url, body, content_type=JSON, HTTP_IF_MATCH=newer["ETag"])
    assert fresh.status_code == 200, fresh.content
    treaty.refresh_from_db()
    assert treaty.title == "Retitled from a stale copy"


def full_body(api, url) -> dict:
    """What a PUT must send: the record as read, its writable fields."""
    read = api.get(url).json()
    body = {k: read[k] for k in ("slug", "title", "kind", "signed_on", "signed_on_precision")}
    return {**body, "parties": [{"state": "az"}, {"state": "uz"}]}


@pytest.mark.parametrize("if_match", ['"nonsense"', '"treaty-1-1"', 'W/"treaty-1-1"', '"a", "b"'])
def test_a_write_naming_another_version_gets_412(publisher, treaty, if_match):
    api = api_client(publisher)
    url = record_url("treaties", treaty)
    body = {**full_body(api, url), "title": "Never written"}
    assert api.patch(url, body, content_type=JSON, HTTP_IF_MATCH=if_match).status_code == 412
    assert api.put(url, body, content_type=JSON, HTTP_IF_MATCH=if_match).status_code == 412
    assert api.delete(url, HTTP_IF_MATCH=if_match).status_code == 412
    treaty.refresh_from_db()
    assert treaty.title == "Treaty on Allied Relations"


@pytest.mark.parametrize("if_match", ["nonsense", "W/", '"', ",", '"treaty-1-1", nonsense'])
def test_a_malformed_if_match_is_a_400_that_says_what_it_takes(publisher, treaty, if_match):
    api = api_client(publisher)
    url = record_url("treaties", treaty)
    body = {"title": "Never written"}
    refused = api.patch(url, body, content_type=JSON, HTTP_IF_MATCH=if_match)
    assert refused.status_code == 400
    assert "entity tags in double quotes" in refused.json()["If-Match"][0]
    assert api.delete(url, HTTP_IF_MATCH=if_match).status_code == 400
    treaty.refresh_from_db()
    assert treaty.title == "Treaty on Allied Relations"


def test_a_stale_if_match_is_refused_before_the_data_is_checked(publisher, treaty):
    # Preconditions are evaluated before the request's content is processed
    # (RFC 9110, 13.2.1): a stale client learns first that the record changed,
    # not what was wrong with a change built on a version it no longer is.
    api = api_client(publisher)
    url = record_url("treaties", treaty)
    stale = '"treaty-1-1"'
    refused = api.patch(url, {"kind": "nonsense"}, content_type=JSON, HTTP_IF_MATCH=stale)
    assert refused.status_code == 412, refused.content
    partial = api.put(url, {"title": "No kind"}, content_type=JSON, HTTP_IF_MATCH=stale)
    assert partial.status_code == 412, partial.content
    current = api.get(url)["ETag"]
    invalid = api.patch(url, {"kind": "nonsense"}, content_type=JSON, HTTP_IF_MATCH=current)
    assert invalid.status_code == 400 and "kind" in invalid.json()
    assert api.put(url, {"title": "No kind"}, content_type=JSON).status_code == 400


def test_if_match_star_a_listed_current_tag_or_none_at_all_lets_the_write_through(
    publisher, treaty
):
    api = api_client(publisher)
    url = record_url("treaties", treaty)
    assert api.patch(url, {"summary": "1"}, content_type=JSON, HTTP_IF_MATCH="*").status_code == 200
    etag = api.get(url)["ETag"]
    listed = f'"old-tag", {etag}'
    assert (
        api.patch(url, {"summary": "2"}, content_type=JSON, HTTP_IF_MATCH=listed).status_code == 200
    )
    assert api.patch(url, {"summary": "3"}, content_type=JSON).status_code == 200
    treaty.refresh_from_db()
    assert treaty.summary == "3"


def test_a_tag_weakened_by_a_compressing_proxy_still_matches(publisher, treaty):
    api = api_client(publisher)
    url = record_url("treaties", treaty)
    weak = "W/" + api.get(url)["ETag"]
    assert (
        api.patch(url, {"summary": "x"}, content_type=JSON, HTTP_IF_MATCH=weak).status_code == 200
    )


def test_the_etag_follows_what_the_response_shows_not_only_the_record(client, treaty):
    """A party's new name changes the treaty's representation: a cached copy must not be
    confirmed as fresh (304), though the treaty itself did not change."""
    url = record_url("treaties", treaty)
    etag = client.get(url)["ETag"]
    az = treaty.parties.get(iso2="AZ")
    az.name = "Republic of Azerbaijan"
    az.save()
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert "Republic of Azerbaijan" in again.content.decode()


def test_a_stale_delete_gets_412_and_deletes_nothing(publisher, treaty):
    api = api_client(publisher)
    url = record_url("treaties", treaty)
    stale = api.get(url)["ETag"]
    api.patch(url, {"summary": "Newer"}, content_type=JSON)
    assert api.delete(url, HTTP_IF_MATCH=stale).status_code == 412
    assert Treaty.objects.filter(pk=treaty.pk).exists()
    assert api.delete(url, HTTP_IF_MATCH=api.get(url)["ETag"]).status_code == 204
    assert not Treaty.objects.filter(pk=treaty.pk).exists()


def test_a_refused_write_is_refused_for_permission_before_its_precondition(client, editor, treaty):
    url = record_url("treaties", treaty)
    assert client.patch(url, {}, content_type=JSON, HTTP_IF_MATCH='"x"').status_code in (401, 403)
    assert api_client(editor).delete(url, HTTP_IF_MATCH='"x"').status_code == 403


def test_the_schema_documents_if_match_and_412(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    record = schema["paths"]["/api/v1/treaties/{slug}/"]
    for method in ("put", "patch", "delete"):
        names = {p["name"] for p in record[method]["parameters"]}
        assert "If-Match" in names, method
        assert "412" in record[method]["responses"], method
    assert "ETag" in record["get"]["responses"]["200"]["headers"]


# Two writes from the same version at the same moment: the version check reads
# the row locked, so the second waits for the first and then sees its change.
# (PostgreSQL only: SQLite has no row locks.)


def at_once(monkeypatch, owner, method: str, requests) -> list:
    """Run both ``requests`` in threads; each, once past the version check
    (in ``owner.method``), waits for the other to get there too. Only if the
    check does not lock could both get there: with the lock the first waits in
    vain for a second, then writes, and the second checks after it."""
    arrived = [threading.Event(), threading.Event()]
    original = getattr(owner, method)

    def held(self, *args, **kwargs):
        mine = int(threading.current_thread().name)
        arrived[mine].set()
        arrived[1 - mine].wait(timeout=2)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, held)
    results: list = [None, None]

    def run(index):
        try:
            results[index] = requests[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), name=str(i)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are PostgreSQL's: select_for_update does nothing on SQLite.")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_patches_from_one_version_cannot_both_pass(
    postgresql_only, monkeypatch, publisher
):
    treaty = alliance(world())
    url = record_url("treaties", treaty)
    token = f"Token {Token.objects.create(user=publisher).key}"
    clients = [Client(HTTP_AUTHORIZATION=token), Client(HTTP_AUTHORIZATION=token)]
    etag = clients[0].get(url)["ETag"]

    def patch(client, summary):
        return lambda: (
            client.patch(
                url, {"summary": summary}, content_type=JSON, HTTP_IF_MATCH=etag
            ).status_code
        )

    statuses = at_once(
        monkeypatch,
        RecordViewSet,
        "perform_update",
        [patch(clients[0], "First"), patch(clients[1], "Second")],
    )
    assert sorted(statuses) == [200, 412]
    treaty.refresh_from_db()
    assert treaty.summary == ("First", "Second")[statuses.index(200)]


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_admin_saves_from_one_form_cannot_both_pass(
    postgresql_only, monkeypatch, editor, second_editor
):
    treaty = alliance(world())
    url = change_url(treaty)
    clients = [signed_in(editor), signed_in(second_editor)]
    forms = [form_fields(client.get(url), "treaty_form") for client in clients]
    forms[0]["summary"], forms[1]["summary"] = "First", "Second"

    def save(index):
        return lambda: clients[index].post(url, forms[index]).status_code

    statuses = at_once(monkeypatch, CuratedAdmin, "save_model", [save(0), save(1)])
    assert sorted(statuses) == [200, 302]  # saved; refused with the form shown again
    treaty.refresh_from_db()
    assert treaty.summary == ("First", "Second")[statuses.index(302)]


# An import against an editor: the import reads a batch's records, checks
# them, then writes. An edit committed in between must not be overwritten.


def saved_meanwhile(monkeypatch, owner, method: str, save) -> list[str]:
    """While the import checks its rows (``owner.method``, which it calls after
    it has read them), ``save`` runs once, as an editor's save, in a thread on
    a connection of its own. The list returned says ``saved``, or ``waiting``
    if the save was still held by a lock after 10 seconds."""
    static = isinstance(inspect.getattr_static(owner, method), staticmethod)
    original = getattr(owner, method)
    done = []

    def checking(*args, **kwargs):
        if not done:
            done.append("started")  # once: the editor's own save may call the method too
            editor = in_thread(save)
            editor.join(timeout=10)
            done[0] = "saved" if not editor.is_alive() else "waiting"
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, method, staticmethod(checking) if static else checking)
    return done


def edit_while_the_import_checks(monkeypatch, treaty, summary) -> list[str]:
    """An editor saves ``treaty`` with a new summary (as the admin does) while
    the import checks its batch (``Treaty.clean``, after it read the records)."""

    def save():
        record = Treaty.objects.get(pk=treaty.pk)
        record.summary = summary
        record.save()

    return saved_meanwhile(monkeypatch, Treaty, "clean", save)


def party_edited_while_the_import_checks(monkeypatch, party) -> list[str]:
    """An editor records ``party``'s entry into force while a membership import
    checks its rows (``TreatyParty.validate_membership``)."""
    from diplomacy.models import TreatyParty

    def save():
        row = TreatyParty.objects.get(pk=party.pk)
        row.entry_into_force_on = datetime.date(2024, 9, 1)
        row.save()

    return saved_meanwhile(monkeypatch, TreatyParty, "validate_membership", save)


@pytest.mark.django_db(transaction=True)
def test_an_import_does_not_overwrite_an_edit_made_while_it_ran(
    postgresql_only, monkeypatch, tmp_path
):
    from diplomacy.importing import import_file

    w = world()
    edited = alliance(w, summary="As it was.")
    TreatyFactory(slug="other", summary="Other.", parties=[w["az"], w["kz"]])
    # The file changes the edited treaty's title and the other's summary: one
    # batch, whose update writes both columns.
    path = tmp_path / "rows.csv"
    path.write_text(
        f"slug,title,summary\n{edited.slug},A new title,As it was.\nother,Other,Changed.\n",
        encoding="utf-8",
    )
    done = edit_while_the_import_checks(monkeypatch, edited, "The editor's summary.")
    report = import_file(path, "treaty")
    assert done == ["saved"]
    edited.refresh_from_db()
    assert edited.summary == "The editor's summary."
    # Refused, not merged: the import says which record changed under it.
    assert not report.ok
    assert any(
        error.line == 2 and "changed" in error.message and "import" in error.message
        for error in report.errors
    ), report.summary()
    assert Treaty.objects.get(slug="other").summary == "Other."


@pytest.mark.django_db(transaction=True)
def test_with_skip_invalid_the_row_of_a_record_edited_meanwhile_goes_to_the_reject_file(
    postgresql_only, monkeypatch, tmp_path
):
    from diplomacy.importing import import_file

    w = world()
    edited = alliance(w, summary="As it was.")
    TreatyFactory(slug="other", summary="Other.", parties=[w["az"], w["kz"]])
    path = tmp_path / "rows.csv"
    path.write_text(
        f"slug,summary\n{edited.slug},From the file.\nother,Changed.\n", encoding="utf-8"
    )
    done = edit_while_the_import_checks(monkeypatch, edited, "The editor's summary.")
    report = import_file(path, "treaty", skip_invalid=True)
    assert done == ["saved"]
    assert (report.updated, report.rejected) == (1, 1)
    assert Treaty.objects.get(slug="other").summary == "Changed."
    edited.refresh_from_db()
    assert edited.summary == "The editor's summary."
    rejected = report.reject_path.read_text(encoding="utf-8")
    assert "From the file." in rejected and "changed by someone else" in rejected


@pytest.mark.django_db(transaction=True)
def test_a_membership_import_does_not_overwrite_a_party_row_edited_while_it_ran(
    postgresql_only, monkeypatch, tmp_path
):
    from diplomacy.importing import import_file
    from diplomacy.models import TreatyParty

    w = world()
    treaty = alliance(w)
    party = TreatyParty.objects.get(treaty=treaty, state=w["az"])
    done = party_edited_while_the_import_checks(monkeypatch, party)
    path = tmp_path / "memberships.csv"
    path.write_text(f"treaty,state,mode\n{treaty.slug},AZ,ratification\n", encoding="utf-8")
    report = import_file(path, "membership")
    assert done == ["saved"]
    party.refresh_from_db()
    assert party.entry_into_force_on == datetime.date(2024, 9, 1)
    assert not report.ok
    assert "changed by someone else" in report.errors[0].message
    assert party.consent_mode == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("editor_changes", ["conditions", "parties_bound"])
def test_a_commitment_import_does_not_overwrite_a_commitment_edited_while_it_ran(
    postgresql_only, monkeypatch, tmp_path, editor_changes
):
    from diplomacy.importing import import_file
    from diplomacy.models import Commitment, CommitmentKind

    w = world()
    treaty = alliance(w)
    # The kinds are a migration's data, which an earlier transactional test flushed.
    kind, _ = CommitmentKind.objects.get_or_create(value="defence", defaults={"label": "Defence"})
    commitment = Commitment.objects.create(treaty=treaty, kind=kind, article="3")

    def save():
        # An editor changes the commitment while the import checks its rows.
        row = Commitment.objects.get(pk=commitment.pk)
        if editor_changes == "conditions":
            row.conditions = "If attacked."
            row.save()
        else:
            row.parties_bound.set([w["az"]])

    done = saved_meanwhile(monkeypatch, Commitment, "clean_fields", save)
    path = tmp_path / "commitments.csv"
    path.write_text(
        f"treaty,kind,article,quote\n{treaty.slug},defence,3,Each party shall assist.\n",
        encoding="utf-8",
    )
    report = import_file(path, "commitment")
    assert done == ["saved"]
    commitment.refresh_from_db()
    if editor_changes == "conditions":
        assert commitment.conditions == "If attacked."
    else:
        assert list(commitment.parties_bound.all()) == [w["az"]]
    assert not report.ok
    assert "changed by someone else" in report.errors[0].message
    assert commitment.quote == ""


@pytest.mark.parametrize("kind", ["membership", "commitment"])
def test_a_membership_or_commitment_import_makes_an_open_treaty_form_stale(
    editor, second_editor, treaty, tmp_path, kind
):
    """The import changes a row the treaty's form shows inline: the editor who
    opened the form before it, and saves a change to that row, is refused and
    shown the form again, told who imported and when; the import's change
    stays, and the treaty's history and the editors' recent changes show it."""
    from diplomacy.importing import import_file
    from diplomacy.models import Commitment, CommitmentKind, TreatyParty

    commitment = Commitment.objects.create(
        treaty=treaty, kind=CommitmentKind.objects.get(value="defence"), article="3"
    )
    client = signed_in(editor)
    url = change_url(treaty)
    form = form_fields(client.get(url), "treaty_form")
    path = tmp_path / f"{kind}.csv"
    if kind == "membership":
        path.write_text(f"treaty,state,mode\n{treaty.slug},AZ,ratification\n", encoding="utf-8")
        form["treatyparty_set-0-note"] = "The editor's note."
    else:
        path.write_text(
            f"treaty,kind,article,quote\n{treaty.slug},defence,3,Each shall assist.\n",
            encoding="utf-8",
        )
        form["commitments-0-conditions"] = "If attacked."
    assert import_file(path, kind, user=second_editor).ok
    response = client.post(url, form)
    assert response.status_code == 200
    assert "This treaty was changed by Bea Second at " in response.content.decode()
    history = client.get(f"/admin/diplomacy/treaty/{treaty.pk}/history/").content.decode()
    assert f"import of {kind}s" in history
    if kind == "membership":
        party = TreatyParty.objects.get(treaty=treaty, state__iso2="AZ")
        assert (party.consent_mode, party.note) == ("ratification", "")
    else:
        commitment.refresh_from_db()
        assert (commitment.quote, commitment.conditions) == ("Each shall assist.", "")


@pytest.mark.django_db(transaction=True)
def test_with_skip_invalid_a_membership_row_edited_meanwhile_is_rejected_and_the_rest_written(
    postgresql_only, monkeypatch, tmp_path
):
    from diplomacy.importing import import_file
    from diplomacy.models import TreatyParty

    w = world()
    treaty = alliance(w)
    edited = TreatyParty.objects.get(treaty=treaty, state=w["az"])
    done = party_edited_while_the_import_checks(monkeypatch, edited)
    path = tmp_path / "memberships.csv"
    path.write_text(
        f"treaty,state,mode\n{treaty.slug},AZ,ratification\n{treaty.slug},UZ,ratification\n",
        encoding="utf-8",
    )
    report = import_file(path, "membership", skip_invalid=True)
    assert done == ["saved"]
    assert report.ok and (report.updated, report.rejected) == (1, 1)
    assert [row.line for row in report.preview] == [3]
    edited.refresh_from_db()
    assert (edited.consent_mode, edited.entry_into_force_on) == ("", datetime.date(2024, 9, 1))
    assert TreatyParty.objects.get(treaty=treaty, state=w["uz"]).consent_mode == "ratification"
    assert "changed by someone else" in report.reject_path.read_text(encoding="utf-8")


def test_after_the_seed_load_a_conflict_names_only_what_changed(editor, second_editor):
    """The seed's records get their first version in bulk; that version
    holds their sectors, signatories and organizations too, so a conflict
    on a seed treaty names the field that changed, not those."""
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
    treaty = Treaty.objects.filter(sectors__isnull=False).distinct().first()
    assert treaty is not None
    first, second = signed_in(editor), signed_in(second_editor)
    url = change_url(treaty)
    form_a = form_fields(first.get(url), "treaty_form")
    form_b = form_fields(second.get(url), "treaty_form")
    form_a["summary"] = "The summary A wrote."
    assert first.post(url, form_a).status_code == 302
    page = second.post(url, form_b).content.decode()
    assert "Changed since you opened it: summary." in page


@pytest.mark.parametrize(
    "written_by", ["treaty import, created", "treaty import, updated", "membership import"]
)
def test_after_an_import_a_conflict_names_only_what_changed(
    editor, second_editor, tmp_path, written_by
):
    """An import writes the treaty's new version in bulk; that version holds
    the treaty's sectors too, so a conflict on a form opened after the import
    names the field the other editor changed, not the sectors."""
    from diplomacy.importing import import_file

    w = world()
    path = tmp_path / "rows.csv"
    if written_by == "treaty import, created":
        path.write_text(
            "slug,title,kind,signed_on,parties,sectors\n"
            "imported,Imported agreement,agreement,2020-05-01,AZ;UZ,energy;culture\n",
            encoding="utf-8",
        )
        assert import_file(path, "treaty", user=second_editor).created == 1
        treaty = Treaty.objects.get(slug="imported")
    else:
        treaty = alliance(w)
        treaty.sectors.set([w["energy"], w["culture"]])
        if written_by == "treaty import, updated":
            path.write_text(f"slug,summary\n{treaty.slug},Imported summary.\n", encoding="utf-8")
            assert import_file(path, "treaty", user=second_editor).updated == 1
        else:
            path.write_text(f"treaty,state,mode\n{treaty.slug},AZ,ratification\n", encoding="utf-8")
            assert import_file(path, "membership", user=second_editor).updated == 1
    first, second = signed_in(editor), signed_in(second_editor)
    url = change_url(treaty)
    form_a = form_fields(first.get(url), "treaty_form")
    form_b = form_fields(second.get(url), "treaty_form")
    form_a["summary"] = "The summary A wrote."
    assert first.post(url, form_a).status_code == 302
    page = second.post(url, form_b).content.decode()
    assert "Changed since you opened it: summary." in page


def test_a_succession_changed_on_one_state_makes_the_other_states_open_form_stale(
    editor, second_editor
):
    """A succession shows on both states' change forms: saved from one, the
    other's form opened before it is refused (it would write the old row
    back), naming who changed it; the change stays."""
    from diplomacy.models import StateSuccession

    soviet = StateFactory(code="su", name="Soviet Union", slug="soviet-union")
    lithuania = StateFactory(code="lt", name="Lithuania", slug="lithuania")
    succession = StateSuccession.objects.create(
        predecessor=soviet, successor=lithuania, kind="secession", on=datetime.date(1991, 9, 6)
    )
    first, second = signed_in(editor), signed_in(second_editor)
    lithuania_url = f"/admin/diplomacy/state/{lithuania.pk}/change/"
    soviet_url = f"/admin/diplomacy/state/{soviet.pk}/change/"
    form_b = form_fields(second.get(lithuania_url), "state_form")
    form_a = form_fields(first.get(soviet_url), "state_form")
    (note,) = [n for n in form_a if n.endswith("-0-note") and n.startswith("successions")]
    form_a[note] = "Independence declared on 11 March 1990."
    assert first.post(soviet_url, form_a).status_code == 302
    form_b["summary"] = "A summary."
    page = second.post(lithuania_url, form_b).content.decode()
    assert "This state was changed by editor at " in page
    succession.refresh_from_db()
    assert succession.note == "Independence declared on 11 March 1990."


def test_two_editors_changing_one_commitment_kind_the_second_is_refused(editor, second_editor):
    """A kind's label shows on every treaty and relations page: a stale save
    of its form is refused, naming who changed it, and its history is kept."""
    from diplomacy.models import CommitmentKind

    kind = CommitmentKind.objects.get(value="consultation")
    description = kind.description
    url = f"/admin/diplomacy/commitmentkind/{kind.pk}/change/"
    first, second = signed_in(editor), signed_in(second_editor)
    form_a = form_fields(first.get(url), "commitmentkind_form")
    form_b = form_fields(second.get(url), "commitmentkind_form")
    form_a["label"] = "Consultation (renamed by A)"
    assert first.post(url, form_a).status_code == 302
    form_b["description"] = "B's description."
    page = second.post(url, form_b).content.decode()
    assert "This commitment kind was changed by editor at " in page
    kind.refresh_from_db()
    assert (kind.label, kind.description) == ("Consultation (renamed by A)", description)
    history = first.get(f"{url.removesuffix('change/')}history/")
    assert history.status_code == 200 and "Consultation (renamed by A)" in history.content.decode()
