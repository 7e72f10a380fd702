"""Model rules: validation messages for editors, and the same rules enforced by the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from diplomacy.choices import DatePrecision, TreatyKind
from diplomacy.models import Project, State, Treaty, TreatyParty, TreatyRelation, Visit
from tests.factories import ProjectFactory, StateFactory, TreatyFactory, VisitFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def rejected_by_database(queryset, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


@pytest.mark.parametrize(
    "values",
    [
        {"entry_into_force_on": D(2019, 1, 1)},  # signed 2020-05-17
        {"ended_on": D(2019, 1, 1)},
        {"entry_into_force_on": D(2021, 1, 1), "ended_on": D(2020, 12, 1)},
        {"kind": "nonsense"},
        {"status": "nonsense"},
        {"signed_on_precision": "week"},
    ],
)
def test_treaty_rules_are_database_constraints(values):
    treaty = TreatyFactory()
    rejected_by_database(Treaty.objects.filter(pk=treaty.pk), **values)


@pytest.mark.parametrize(
    "values",
    [
        {"end_on": D(2020, 1, 1)},  # starts 2021-03-04
        {"kind": "tour"},
        {"level": "king"},
        {"start_on_precision": "week"},
    ],
)
def test_visit_rules_are_database_constraints(values):
    visit = VisitFactory()
    rejected_by_database(Visit.objects.filter(pk=visit.pk), **values)


def test_visit_host_must_differ_from_guest_in_the_database():
    visit = VisitFactory()
    rejected_by_database(Visit.objects.filter(pk=visit.pk), guest=visit.host)


@pytest.mark.parametrize(
    "values",
    [
        {"completion_on": D(2021, 1, 1)},  # starts 2022
        {"value_amount": -5, "value_currency": "USD"},
        {"value_amount": 100},  # no currency
        {"value_currency": "USD"},  # no amount
        {"value_amount": 100, "value_currency": "usd"},
        {"status": "dreaming"},
    ],
)
def test_project_rules_are_database_constraints(values):
    project = ProjectFactory()
    rejected_by_database(Project.objects.filter(pk=project.pk), **values)


@pytest.mark.parametrize("values", [{"iso2": "az"}, {"iso2": "A1"}, {"iso3": "AZ"}])
def test_iso_codes_are_checked_by_the_database(values):
    state = StateFactory()
    rejected_by_database(State.objects.filter(pk=state.pk), **values)


@pytest.mark.parametrize("field", ["iso2", "iso3", "slug"])
def test_state_codes_and_slugs_are_unique(field):
    a, b = StateFactory(), StateFactory()
    rejected_by_database(State.objects.filter(pk=b.pk), **{field: getattr(a, field)})


def test_treaty_slugs_are_unique():
    a, b = TreatyFactory(), TreatyFactory()
    rejected_by_database(Treaty.objects.filter(pk=b.pk), slug=a.slug)


def test_a_state_is_a_party_once_and_a_treaty_is_not_related_to_itself():
    a = StateFactory()
    treaty = TreatyFactory(parties=[a])
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatyParty.objects.create(treaty=treaty, state=a)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatyRelation.objects.create(from_treaty=treaty, to_treaty=treaty, kind="amends")


def test_validation_names_the_field_an_editor_must_fix():
    treaty = TreatyFactory.build(signed_on=D(2020, 1, 1), entry_into_force_on=D(2019, 1, 1))
    with pytest.raises(ValidationError) as error:
        treaty.full_clean()
    assert "entry_into_force_on" in error.value.message_dict

    state = StateFactory()
    visit = VisitFactory.build(host=state, guest=state)
    with pytest.raises(ValidationError) as error:
        visit.full_clean()
    assert "guest" in error.value.message_dict

    project = ProjectFactory.build(value_amount=10)
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "value_currency" in error.value.message_dict

    project = ProjectFactory.build(value_amount=10, value_currency="XYZ")
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "value_currency" in error.value.message_dict


def test_relation_kinds_need_two_parties_other_documents_do_not():
    with pytest.raises(ValidationError, match="at least two parties"):
        Treaty.validate_party_count(TreatyKind.ALLIANCE, 1)
    Treaty.validate_party_count(TreatyKind.AGREEMENT, 1)
    Treaty.validate_party_count(TreatyKind.ALLIANCE, 2)


def test_partial_dates_are_stored_as_the_start_of_their_period():
    treaty = TreatyFactory(signed_on=D(2024, 2, 17), signed_on_precision=DatePrecision.MONTH)
    treaty.refresh_from_db()
    assert treaty.signed_on == D(2024, 2, 1)
    assert str(treaty.signed) == "February 2024"


def test_published_excludes_drafts_and_records_have_urls():
    shown = TreatyFactory(slug="shown")
    TreatyFactory(slug="hidden", is_published=False)
    assert list(Treaty.objects.published()) == [shown]
    assert shown.get_absolute_url() == "/treaties/shown/"
    assert StateFactory(iso2="UZ", iso3="UZB").get_absolute_url() == "/states/uz/"
    assert str(shown) == shown.title
