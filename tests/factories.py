"""Test data built in code; ``fixtures/`` holds only the seed corpus."""

import datetime

import factory
from django.contrib.auth import get_user_model

from diplomacy import models
from diplomacy.choices import DatePrecision, TreatyKind, TreatyStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("a-long-test-password-1")


_ISO = [
    (a + b, a + b + "X") for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
]


class StateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.State
        django_get_or_create = ["iso2"]

    iso2 = factory.Sequence(lambda n: _ISO[n % len(_ISO)][0])
    iso3 = factory.LazyAttribute(lambda s: s.iso2 + "X")
    name = factory.LazyAttribute(lambda s: f"State {s.iso2}")
    official_name = factory.LazyAttribute(lambda s: f"Republic of {s.iso2}")
    slug = factory.LazyAttribute(lambda s: f"state-{s.iso2.lower()}")
    is_published = True


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    title = factory.Sequence(lambda n: f"Source {n}")
    slug = factory.Sequence(lambda n: f"source-{n}")
    publisher = "Test Press"
    text = "The parties signed the treaty. It entered into force later."
    is_published = True


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Sector
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.Sequence(lambda n: f"sector-{n}")
    is_published = True


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")
    office = "Minister"
    state = factory.SubFactory(StateFactory)
    is_published = True


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    is_published = True


class TreatyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Treaty
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Agreement number {n}")
    slug = factory.Sequence(lambda n: f"agreement-{n}")
    kind = TreatyKind.AGREEMENT
    status = TreatyStatus.SIGNED
    signed_on = datetime.date(2020, 5, 17)
    signed_on_precision = DatePrecision.DAY
    is_published = True

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        """``TreatyFactory(parties=[az, uz])`` adds those states as parties."""
        if create and extracted:
            for state in extracted:
                models.TreatyParty.objects.create(treaty=self, state=state)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Visit

    title = factory.Sequence(lambda n: f"Visit {n}")
    slug = factory.Sequence(lambda n: f"visit-{n}")
    host = factory.SubFactory(StateFactory)
    guest = factory.SubFactory(StateFactory)
    start_on = datetime.date(2021, 3, 4)
    is_published = True


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Project

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    start_on = datetime.date(2022, 1, 1)
    start_on_precision = DatePrecision.YEAR
    is_published = True
