import pytest
from django.core.management import call_command

from diplomacy.models import State

pytestmark = pytest.mark.django_db


def test_loader_is_idempotent_and_keeps_curated_fields():
    call_command("load_countries", verbosity=0)
    assert State.objects.count() == 249
    uz = State.objects.get(iso2="UZ")
    assert uz.iso3 == "UZB" and uz.is_published
    uz.name, uz.capital, uz.region = "Uzbekistan (curated)", "Tashkent", "Central Asia"
    uz.save()
    State.objects.filter(iso2="AZ").update(iso3="AAA")

    call_command("load_countries", verbosity=0)
    assert State.objects.count() == 249
    uz.refresh_from_db()
    assert (uz.name, uz.capital, uz.region) == ("Uzbekistan (curated)", "Tashkent", "Central Asia")
    assert State.objects.get(iso2="AZ").iso3 == "AZE"


def editor_saves(state, **fields):
    """A change an editor saves (the admin and the API record the user)."""
    from django.contrib.auth import get_user_model

    for name, value in fields.items():
        setattr(state, name, value)
    state._history_user, _ = get_user_model().objects.get_or_create(username="ann")
    state.save()


def test_setup_never_brings_back_a_deleted_state_nor_undoes_an_editors_codes():
    """``make setup`` runs on every deploy: a state a publisher deleted stays
    deleted, and ISO codes an editor corrected stay as the editor left them
    (a state nobody edited still gets ISO's current codes)."""
    call_command("load_countries", verbosity=0)
    State.objects.get(iso2="BV").delete()
    editor_saves(State.objects.get(iso2="AQ"), iso3="ATQ", iso_numeric="999")
    State.objects.filter(iso2="AZ").update(iso3="AAA")

    call_command("load_countries", verbosity=0)
    assert not State.objects.filter(iso2="BV").exists()
    antarctica = State.objects.get(iso2="AQ")
    assert (antarctica.iso3, antarctica.iso_numeric) == ("ATQ", "999")
    assert State.objects.get(iso2="AZ").iso3 == "AZE"
