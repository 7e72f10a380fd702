"""History and revert, backup round trip, and the security settings a deployment relies on."""

import datetime
import gzip
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from diplomacy.models import Treaty, TreatyCitation, TreatyIdentifier
from tests.factories import TreatyFactory
from tests.helpers import alliance, world

pytestmark = pytest.mark.django_db


def change_form_data(client, treaty, **changes):
    html = client.get(f"/admin/diplomacy/treaty/{treaty.pk}/change/").content.decode()
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    data.update({
        "title": treaty.title, "slug": treaty.slug, "kind": treaty.kind, "status": treaty.status,
        "signed_on": treaty.signed_on.isoformat() if treaty.signed_on else "",
        "signed_on_precision": treaty.signed_on_precision,
        "entry_into_force_on_precision": "day", "ended_on_precision": "day",
    })  # fmt: skip
    for row in treaty.treatyparty_set.all():
        index = list(treaty.treatyparty_set.all()).index(row)
        data[f"treatyparty_set-{index}-state"] = row.state_id
        data[f"treatyparty_set-{index}-ratified_on_precision"] = "day"
    data.update(changes)
    return data


def test_admin_edits_are_recorded_with_who_and_what_and_can_be_reverted(editor_client, editor):
    w = world()
    treaty = alliance(w)
    original = (treaty.title, treaty.status, treaty.signed_on, treaty.signed_on_precision)
    data = change_form_data(editor_client, treaty, title="Renamed treaty", status="in_force",
                            signed_on="August 2024")  # fmt: skip
    assert (
        editor_client.post(f"/admin/diplomacy/treaty/{treaty.pk}/change/", data).status_code == 302
    )
    newest, previous = treaty.history.all()[:2]
    assert newest.history_user == editor
    changed = {c.field for c in newest.diff_against(previous).changes}
    assert {"title", "status", "signed_on", "signed_on_precision"} <= changed

    # Revert through the admin's history form, as an editor would.
    url = f"/admin/diplomacy/treaty/{treaty.pk}/history/{previous.history_id}/"
    form = change_form_data(editor_client, treaty)
    page = editor_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    form.update(dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)))
    form.update({"title": previous.title, "status": previous.status,
                 "signed_on": previous.signed_on.isoformat(),
                 "signed_on_precision": previous.signed_on_precision})  # fmt: skip
    assert editor_client.post(url, form).status_code == 302
    treaty.refresh_from_db()
    assert (treaty.title, treaty.status, treaty.signed_on, treaty.signed_on_precision) == original


def test_api_and_import_edits_are_recorded(client, publisher, tmp_path):
    w = world()
    treaty = alliance(w)
    key = Token.objects.create(user=publisher).key
    client.patch(f"/api/v1/treaties/{treaty.slug}/", {"title": "Via API"},
                 content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip
    newest, previous = treaty.history.all()[:2]
    assert newest.history_user == publisher and newest.title == "Via API"
    assert [c.field for c in newest.diff_against(previous).changes] == ["title"]


def test_public_change_log_lists_published_versions_without_editors(client, editor):
    w = world()
    treaty = alliance(w)
    treaty.title = "Treaty on Allied Relations (corrected)"
    treaty._history_user = editor
    treaty.save()
    html = client.get(treaty.get_absolute_url()).content.decode()
    assert "Change log" in html and "changed: title" in html
    assert editor.username not in html


def test_identifiers_are_unique_per_register_and_shown(client):
    w = world()
    treaty = alliance(w)
    TreatyIdentifier.objects.create(treaty=treaty, scheme="wikidata", value="Q42")
    other = TreatyFactory()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TreatyIdentifier.objects.create(treaty=other, scheme="wikidata", value="Q42")
    html = client.get(treaty.get_absolute_url()).content.decode()
    assert 'href="https://www.wikidata.org/wiki/Q42"' in html
    found = client.get("/api/v1/treaties/?identifier=wikidata:Q42").json()["results"]
    assert [t["slug"] for t in found] == [treaty.slug]
    listing = client.get("/treaties/?identifier=wikidata:Q42").content.decode()
    assert '<h2 id="results-heading" class="count">1 treaties match these filters</h2>' in listing
    assert re.findall(r'<th scope="row"><a href="([^"]+)">', listing) == [treaty.get_absolute_url()]


def dump(path):
    with gzip.open(path) as handle:
        return handle.read().decode()


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_lose_nothing(tmp_path, editor, publisher):
    # Transactional: flush empties the database for real, as a new server would be.
    w = world()
    treaty = alliance(w)
    TreatyCitation.objects.create(record=treaty, source=w["source"], quote="q")
    TreatyIdentifier.objects.create(treaty=treaty, scheme="atop", value="3755")
    Token.objects.create(user=publisher)
    first = tmp_path / "one.xml.gz"
    call_command("backup", output=str(first), stdout=io.StringIO())
    with pytest.raises(CommandError, match="empty"):
        call_command("restore", str(first))
    call_command("flush", interactive=False, verbosity=0)
    assert not get_user_model().objects.exists() and not Treaty.objects.exists()
    call_command("restore", str(first), stdout=io.StringIO())
    second = tmp_path / "two.xml.gz"
    call_command("backup", output=str(second), stdout=io.StringIO())
    assert dump(first) == dump(second)  # byte for byte, microseconds included
    assert "diplomacy.historicaltreaty" in dump(first) and "auth.group" in dump(first)
    restored = Treaty.objects.get(slug=treaty.slug)
    assert restored.history.exists() and restored.identifiers.get().value == "3755"
    assert get_user_model().objects.get(username="publisher").groups.get().name == "publishers"


def test_deploy_check_is_clean_in_production_settings():
    """The real settings module, read from a production environment in a fresh process."""
    import os
    import secrets
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("SECURE_SSL_REDIRECT", "DEBUG")}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="register.example.org"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_carry_a_strict_content_security_policy(client):
    world()
    for url in ("/", "/treaties/", "/admin/login/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert (
        "style-src 'self' 'unsafe-inline'" in client.get("/api/v1/docs/")["Content-Security-Policy"]
    )


def test_public_pages_set_no_cookies(client):
    world()
    for url in ("/", "/treaties/", "/api/v1/treaties/"):
        assert not client.get(url).cookies


def test_repeated_failed_logins_lock_the_account(client):
    get_user_model().objects.create_user("alice", password="a-long-password-1", is_staff=True)
    for _ in range(5):
        client.post(
            "/admin/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )
    response = client.post("/admin/login/", {"username": "alice", "password": "a-long-password-1"},
                           REMOTE_ADDR="10.0.0.9")  # fmt: skip
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_token_endpoint_is_locked_after_failed_attempts(client):
    get_user_model().objects.create_user("bob", password="a-long-password-2")
    for _ in range(5):
        client.post(
            "/api/v1/auth/token/", {"username": "bob", "password": "x"}, REMOTE_ADDR="10.0.0.7"
        )
    ok = client.post("/api/v1/auth/token/", {"username": "bob", "password": "a-long-password-2"},
                     REMOTE_ADDR="10.0.0.7")  # fmt: skip
    # Locked: even the right password yields no token, and the client is told
    # why and for how long (a wrong password alone stays a 400).
    assert ok.status_code == 429 and "token" not in ok.json()
    assert "Too many failed logins" in ok.json()["detail"]
    assert ok["Retry-After"] == "3600"


def test_page_cache_serves_anonymous_visitors_and_an_edit_shows_at_once(client, settings):
    settings.PAGE_CACHE_SECONDS = 60
    w = world()
    treaty = alliance(w)
    assert client.get("/treaties/")["X-Cache"] == "miss"
    assert client.get("/treaties/")["X-Cache"] == "hit"
    treaty.title = "Edited title"
    treaty.save()
    response = client.get("/treaties/")
    assert response["X-Cache"] == "miss" and "Edited title" in response.content.decode()
    etag = response["ETag"]
    assert client.get("/treaties/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    detail = client.get(treaty.get_absolute_url())
    again = client.get(treaty.get_absolute_url(), HTTP_IF_NONE_MATCH=detail["ETag"])
    assert again.status_code == 304
    client.cookies["sessionid"] = "whatever"
    assert "X-Cache" not in client.get("/treaties/")


def test_healthz_reports_the_database(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    assert datetime.date.today()  # the endpoint needs no data
