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
