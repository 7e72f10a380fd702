"""Record pages read their record and change log once per data version per
process: a page-cache miss on a record page then runs one query (the data
version), an edit or a publication shows at once, and a draft is never
served to the public."""

import pytest
from django.test import Client, override_settings

from diplomacy.caching.settings import caches as cache_settings
from tests.factories import ProjectFactory, TreatyFactory, VisitFactory
from tests.helpers import alliance, world

pytestmark = pytest.mark.django_db


def test_a_second_visit_to_a_record_page_reads_only_the_data_version_and_shows_the_same_page(
    client, django_assert_num_queries
):
    w = world()
    treaty = alliance(w, summary="An alliance.")
    treaty.sectors.add(w["energy"])
    treaty.citations.create(source=w["source"], quote="allied relations")
    visit = VisitFactory(host=w["uz"], guest=w["az"])
    project = ProjectFactory(treaty=treaty, name="Pipeline")
    for url in (treaty.get_absolute_url(), visit.get_absolute_url(), project.get_absolute_url()):
        first = client.get(url)
        with django_assert_num_queries(1):  # the data version
            second = client.get(url)
        assert second.content == first.content
        assert second["ETag"] == first["ETag"]
    html = client.get(treaty.get_absolute_url()).content.decode()
    assert "allied relations" in html and "Pipeline" in html and "Energy" in html


def test_an_edit_a_new_citation_and_an_unpublication_show_at_once(client):
    w = world()
    treaty = alliance(w)
    url = treaty.get_absolute_url()
    assert "Treaty on Allied Relations" in client.get(url).content.decode()

    treaty.title = "Treaty on Allied Relations and Friendship"
    treaty.save()
    html = client.get(url).content.decode()
    assert "Treaty on Allied Relations and Friendship" in html
    assert "changed: title" in html  # the change log has the edit

    treaty.citations.create(source=w["source"], quote="a later account")
    assert "a later account" in client.get(url).content.decode()

    treaty.is_published = False
    treaty.save()
    assert client.get(url).status_code == 404


def test_a_missing_record_that_is_then_created_shows_at_once(client):
    w = world()
    assert client.get("/treaties/treaty-on-allied-relations/").status_code == 404
    alliance(w)
    assert client.get("/treaties/treaty-on-allied-relations/").status_code == 200


def test_an_editors_preview_of_a_draft_is_never_served_to_the_public(editor_client):
    w = world()
    draft = TreatyFactory(title="Secret accord", is_published=False, parties=[w["az"], w["uz"]])
    url = draft.get_absolute_url()
    preview = editor_client.get(url)
    assert preview.status_code == 200 and "Secret accord" in preview.content.decode()
    assert preview["Cache-Control"] == "private, no-store"

    assert Client().get(url).status_code == 404
    assert editor_client.get(url).status_code == 200  # from this process's store
    assert Client().get(url).status_code == 404


def test_pages_stay_right_when_the_record_store_is_full(client):
    w = world()
    treaties = [TreatyFactory(title=f"Pact {n}", parties=[w["az"], w["uz"]]) for n in range(9)]
    small = cache_settings(None, "test")
    small["process-records"]["OPTIONS"]["MAX_ENTRIES"] = 4  # culled more than once below
    with override_settings(CACHES=small):
        for _ in range(2):
            for treaty in treaties:
                html = client.get(treaty.get_absolute_url()).content.decode()
                assert f"<h1>{treaty.title}</h1>" in html


@pytest.mark.parametrize("change", ["state renamed", "membership imported"])
def test_a_revalidated_record_page_is_never_answered_not_modified_after_its_content_changed(
    client, tmp_path, change
):
    """A crawler or a proxy revalidates with the date it was given
    (If-Modified-Since) or the tag (If-None-Match). The page shows more than
    its record: its parties' names, their memberships. A change to those
    leaves the record's own time as it was, so that date cannot say the page
    is unchanged."""
    from diplomacy.importing import import_file

    w = world()
    treaty = alliance(w)
    url = treaty.get_absolute_url()
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    if change == "state renamed":
        w["az"].name = "Republic of Azerbaijan"
        w["az"].save()
        shown = "Republic of Azerbaijan"
    else:
        path = tmp_path / "memberships.csv"
        path.write_text(f"treaty,state,joined\n{treaty.slug},AZ,2024-09-02\n", encoding="utf-8")
        assert import_file(path, "membership").ok
        shown = "2 September 2024"
    for validators in (
        {"HTTP_IF_NONE_MATCH": first["ETag"]},
        {"HTTP_IF_MODIFIED_SINCE": first.get("Last-Modified", "Thu, 01 Jan 2099 00:00:00 GMT")},
    ):
        again = client.get(url, **validators)
        assert again.status_code == 200, validators
        assert shown in again.content.decode()
