"""The editors' desk: new treaties prefilled, duplicates warned of, the admin home's lists."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diplomacy.choices import DatePrecision, TreatyKind
from diplomacy.duplicates import probable_duplicates
from diplomacy.models import Treaty
from tests.factories import SectorFactory, SourceFactory, StateFactory, TreatyFactory
from tests.test_admin import add_form_data, form_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def states():
    return (
        StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan"),
        StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan"),
        StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan"),
    )


def new_treaty(client, az, uz, **fields):
    data = add_form_data(
        client,
        **{
            "treatyparty_set-0-state": az.pk,
            "treatyparty_set-1-state": uz.pk,
            "citations-0-source": SourceFactory().pk,
            "citations-0-quote": "Signed in Tashkent.",
            **fields,
        },
    )
    return client.post("/admin/diplomacy/treaty/add/", data)


def test_a_new_treaty_fills_the_rows_it_starts_with(editor_client, states):
    az, uz, _ = states
    response = new_treaty(editor_client, az, uz, signed_on="August 2024")
    assert response.status_code == 302, response.context["errors"]
    treaty = Treaty.objects.get()
    assert sorted(treaty.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]
    assert treaty.citations.get().quote == "Signed in Tashkent."


def test_a_kind_that_needs_two_parties_says_so_before_saving(editor_client, states):
    az, _, _ = states
    data = add_form_data(
        editor_client, kind=TreatyKind.ALLIANCE, **{"treatyparty_set-0-state": az.pk}
    )
    response = editor_client.post("/admin/diplomacy/treaty/add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "needs at least two parties. Add the other party" in html
    assert "the kinds that bind two states: alliance, diplomatic relations" in html
    assert not Treaty.objects.exists()


def test_the_duplicate_rule_matches_kind_parties_and_date_at_its_precision(states):
    az, uz, kz = states
    month = {"signed_on": datetime.date(2024, 8, 1), "signed_on_precision": DatePrecision.MONTH}
    existing = TreatyFactory(kind=TreatyKind.AGREEMENT, parties=[az, uz], **month)
    rule = dict(kind=TreatyKind.AGREEMENT, party_ids=[uz.pk, az.pk], **month)
    assert list(probable_duplicates(**rule)) == [existing]
    assert not probable_duplicates(**{**rule, "party_ids": [az.pk, kz.pk]}).exists()
    assert not probable_duplicates(**{**rule, "party_ids": [az.pk, uz.pk, kz.pk]}).exists()
    assert not probable_duplicates(**{**rule, "kind": TreatyKind.PROTOCOL}).exists()
    assert not probable_duplicates(**{**rule, "signed_on_precision": DatePrecision.DAY}).exists()
    assert not probable_duplicates(**{**rule, "signed_on": None}).exists()
    assert not probable_duplicates(**rule, exclude_pk=existing.pk).exists()


def test_a_probable_duplicate_is_linked_and_saved_only_when_confirmed(editor_client, states):
    az, uz, _ = states
    existing = TreatyFactory(
        title="Agreement already in the register",
        kind=TreatyKind.AGREEMENT,
        signed_on=datetime.date(2024, 8, 1),
        signed_on_precision=DatePrecision.MONTH,
        parties=[uz, az],
    )
    response = new_treaty(editor_client, az, uz, signed_on="Aug 2024")
    assert response.status_code == 200
    html = response.content.decode()
    assert "looks like a treaty already in the register" in html
    assert f'href="/admin/diplomacy/treaty/{existing.pk}/change/"' in html
    assert '<input type="checkbox" name="save_anyway" value="1">' in html
    assert Treaty.objects.count() == 1

    response = new_treaty(editor_client, az, uz, signed_on="Aug 2024", save_anyway="1")
    assert response.status_code == 302
    assert Treaty.objects.count() == 2


def test_the_admin_is_branded_for_the_register_and_links_the_guide(editor_client):
    html = editor_client.get("/admin/").content.decode()
    assert "Django administration" not in html and "Django site admin" not in html
    assert "Diplomacy register: editors&#x27;" in html or "Diplomacy register: editors'" in html
    guide = editor_client.get("/admin/guide/")
    assert guide.status_code == 200
    text = guide.content.decode()
    for heading in ("Add a treaty", "Cite a source", "Record a visit", "Publish", "revert"):
        assert heading in text
    assert 'href="/admin/guide/"' in html


def test_the_guide_is_for_staff_only(client):
    assert client.get("/admin/guide/").status_code == 302


def test_the_desk_lists_drafts_unsourced_and_incomplete_records(editor_client, states):
    az, uz, _ = states
    draft = TreatyFactory(title="Draft on water sharing", is_published=False, parties=[az, uz])
    undated = TreatyFactory(title="Undated memorandum", signed_on=None, parties=[az, uz])
    html = editor_client.get("/admin/").content.decode()
    drafts = html.split('id="desk-drafts"')[1].split("</section>")[0]
    assert "Draft on water sharing" in drafts and f"/admin/diplomacy/treaty/{draft.pk}/" in drafts
    unsourced = html.split('id="desk-unsourced"')[1].split("</section>")[0]
    assert "Draft on water sharing" in unsourced
    incomplete = html.split('id="desk-incomplete"')[1].split("</section>")[0]
    assert "Undated memorandum" in incomplete and f"/{undated.pk}/" in incomplete


def test_recent_changes_show_one_row_per_save_with_who_and_which_fields(
    editor_client, editor, states
):
    az, uz, _ = states
    editor.first_name, editor.last_name = "Ann", "Lee"
    editor.save()
    assert new_treaty(editor_client, az, uz, signed_on="2024").status_code == 302
    treaty = Treaty.objects.get()
    data = form_fields(
        editor_client.get(f"/admin/diplomacy/treaty/{treaty.pk}/change/"), "treaty_form"
    )
    data.update(title="Agreement renamed", sectors=[SectorFactory().pk, SectorFactory().pk])
    response = editor_client.post(f"/admin/diplomacy/treaty/{treaty.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    assert treaty.history.count() > 2  # the sectors are saved after the record: more rows

    html = editor_client.get("/admin/").content.decode()
    rows = html.split('id="recent-changes"')[1].split("</table>")[0].split("<tr>")[2:]
    assert len(rows) == 2
    assert "Agreement renamed" in rows[0] and "Ann Lee" in rows[0]
    assert "title" in rows[0] and "sectors" in rows[0]
    assert "as of" not in html
    assert "created" in rows[1]


def test_publishing_says_published(publisher_client, states):
    az, uz, _ = states
    response = new_treaty(publisher_client, az, uz, _publish="Save and publish")
    assert response.status_code == 302
    treaty = Treaty.objects.get()
    assert treaty.is_published
    page = publisher_client.get(response.url).content.decode()
    assert f'was published: <a href="{treaty.get_absolute_url()}">' in page
    assert "was added successfully" not in page and "changed successfully" not in page


def test_the_import_form_lists_its_columns_and_counts_rows_with_errors(editor_client, states):
    page = editor_client.get("/admin/diplomacy/treaty/import/").content.decode()
    columns = page.split('id="import-columns"')[1].split("</table>")[0]
    assert "<code>signed_on</code>" in columns and "23.08.2024" in columns
    assert "<code>kind</code>" in columns and "alliance" in columns and "Required." in columns
    assert "README" not in page
    upload = SimpleUploadedFile(
        "rows.csv",
        b"title,kind,signed_on,parties\n"
        b"Bad,nonsense,30 February 2024,XX;AZ\n"
        b"Good,agreement,2024,AZ;UZ\n",
    )
    response = editor_client.post("/admin/diplomacy/treaty/import/", {"file": upload})
    assert "3 errors in 1 row of 2" in response.content.decode()
