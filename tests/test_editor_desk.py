"""The editors' desk: new treaties prefilled, duplicates warned of, the admin home's lists."""

import datetime

import pytest

from diplomacy.choices import DatePrecision, TreatyKind
from diplomacy.duplicates import probable_duplicates
from diplomacy.models import Treaty
from tests.factories import SourceFactory, StateFactory, TreatyFactory
from tests.test_admin import add_form_data

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
    assert "needs at least two parties" in response.content.decode()
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
