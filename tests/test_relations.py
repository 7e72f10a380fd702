"""A pair's level and yearly counts, and a state's partners, as the aggregate
queries over the party rows and the binding-relation index compute them."""

import datetime

import pytest

from diplomacy.choices import RelationLevel, TreatyKind, TreatyStatus
from diplomacy.relations import partners_of, relation_between
from tests.factories import StateFactory, TreatyFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def states():
    return {
        code: StateFactory(iso2=code, name=f"State {code}") for code in ("AZ", "UZ", "KZ", "TM")
    }


def test_partners_take_each_partners_best_binding_treaty_and_leave_drafts_out(states):
    az, uz, kz, tm = states["AZ"], states["UZ"], states["KZ"], states["TM"]
    TreatyFactory(kind=TreatyKind.DIPLOMATIC_RELATIONS, signed_on=D(1995, 10, 2),
                         parties=[az, uz])  # fmt: skip
    TreatyFactory(kind=TreatyKind.STRATEGIC_PARTNERSHIP, signed_on=D(2022, 6, 1),
                  parties=[az, uz])  # fmt: skip
    first = TreatyFactory(kind=TreatyKind.ALLIANCE, signed_on=D(2024, 8, 23), parties=[az, uz])
    TreatyFactory(kind=TreatyKind.ALLIANCE, signed_on=D(2025, 1, 1), parties=[az, uz])
    TreatyFactory(kind=TreatyKind.ALLIANCE, signed_on=D(2020, 1, 1), parties=[az, kz],
                  status=TreatyStatus.TERMINATED)  # fmt: skip
    TreatyFactory(kind=TreatyKind.ALLIANCE, parties=[az, kz], is_published=False)
    TreatyFactory(kind=TreatyKind.AGREEMENT, signed_on=D(2021, 1, 1), parties=[az, kz])
    kz_ties = TreatyFactory(kind=TreatyKind.DIPLOMATIC_RELATIONS, signed_on=D(1992, 8, 27),
                            parties=[az, kz, tm])  # fmt: skip
    tm.is_published = False
    tm.save()

    partners = {p.state.iso2: p for p in partners_of(az)}
    assert list(partners) == ["UZ", "KZ"]  # closest first; a draft state is no partner
    assert partners["UZ"].level == RelationLevel.ALLIANCE
    assert partners["UZ"].treaty == first and str(partners["UZ"].reached) == str(first.signed)
    assert partners["UZ"].treaty_href == first.get_absolute_url()
    assert partners["UZ"].href == "/relations/az/uz/"
    assert partners["KZ"].level == RelationLevel.DIPLOMATIC_RELATIONS
    assert partners["KZ"].treaty == kz_ties
    assert [p.state.iso2 for p in partners_of(uz)] == ["AZ"]
    assert partners_of(uz)[0].level == RelationLevel.ALLIANCE


def test_a_pairs_level_and_counts_per_year_follow_publication_and_dates(states):
    az, uz, kz = states["AZ"], states["UZ"], states["KZ"]
    alliance = TreatyFactory(kind=TreatyKind.ALLIANCE, signed_on=D(2024, 8, 23),
                             parties=[az, uz])  # fmt: skip
    TreatyFactory(kind=TreatyKind.AGREEMENT, signed_on=D(2024, 1, 1), parties=[az, uz, kz])
    TreatyFactory(kind=TreatyKind.AGREEMENT, signed_on=None, parties=[uz, az])
    draft = TreatyFactory(kind=TreatyKind.AGREEMENT, signed_on=D(2019, 1, 1), parties=[az, uz],
                          is_published=False)  # fmt: skip
    TreatyFactory(kind=TreatyKind.AGREEMENT, signed_on=D(2019, 1, 1), parties=[az, kz])

    relation = relation_between(az, uz)
    assert relation.level == RelationLevel.ALLIANCE and relation.reached_by == alliance
    assert {year: n["treaties"] for year, n in relation.by_year.items()} == {2024: 2, None: 1}
    assert relation.treaty_total == 3
    assert relation_between(uz, az).by_year == relation.by_year

    draft.is_published = True  # the party rows' copies follow the treaty
    draft.save()
    alliance.signed_on = D(2023, 8, 23)
    alliance.save()
    relation = relation_between(az, uz)
    assert {year: n["treaties"] for year, n in relation.by_year.items()} == {
        2019: 1,
        2023: 1,
        2024: 1,
        None: 1,
    }
    alliance.status = TreatyStatus.TERMINATED
    alliance.save()
    assert relation_between(az, uz).level == RelationLevel.NONE
    assert relation_between(az, kz).level == RelationLevel.NONE


def test_pages_and_api_name_each_level_as_relation_level_does(client, states):
    az, uz, kz = states["AZ"], states["UZ"], states["KZ"]
    TreatyFactory(kind=TreatyKind.ALLIANCE, signed_on=D(2024, 8, 23), parties=[az, uz])
    TreatyFactory(kind=TreatyKind.STRATEGIC_PARTNERSHIP, signed_on=D(2022, 6, 1), parties=[az, kz])

    for other, level in (
        ("uz", RelationLevel.ALLIANCE),
        ("kz", RelationLevel.STRATEGIC_PARTNERSHIP),
    ):
        html = client.get(f"/relations/az/{other}/").content.decode()
        assert f'<p class="relation-level level-{level.code}">' in html
        assert f"<strong>{level.label}</strong>" in html
        data = client.get(f"/api/v1/relations/az/{other}/").json()
        assert (data["level"], data["level_rank"], data["level_label"]) == (
            level.code,
            level,
            level.label,
        )
    state = client.get("/states/az/").content.decode()
    assert '<h3 class="level level-alliance">Allies</h3>' in state
    assert '<h3 class="level level-strategic_partnership">Strategic partners</h3>' in state
    assert state.index("Allies") < state.index("Strategic partners")


def test_a_former_partner_is_listed_by_the_treaty_that_bound_the_pair(states):
    """An alliance the pair never shared (one joined after the other left)
    does not hide the relations that did bind them: the former partner is
    listed with those, until they ended."""
    from diplomacy.models import TreatyParty
    from diplomacy.relations import partners_and_former

    az, uz = states["AZ"], states["UZ"]
    alliance = TreatyFactory(kind=TreatyKind.ALLIANCE, status=TreatyStatus.IN_FORCE,
                             signed_on=D(2000, 1, 1))  # fmt: skip
    TreatyParty.objects.create(treaty=alliance, state=az, consented_on=D(2000, 1, 1),
                               left_on=D(2003, 1, 1), exit_kind="withdrawal")  # fmt: skip
    TreatyParty.objects.create(treaty=alliance, state=uz, consented_on=D(2005, 1, 1))
    ties = TreatyFactory(kind=TreatyKind.DIPLOMATIC_RELATIONS, status=TreatyStatus.TERMINATED,
                         signed_on=D(1995, 1, 1), ended_on=D(2010, 6, 30),
                         parties=[az, uz])  # fmt: skip

    for one, other in ((az, uz), (uz, az)):
        current, former = partners_and_former(one)
        assert current == []
        assert [(p.state, p.level, p.treaty, str(p.until)) for p in former] == [
            (other, RelationLevel.DIPLOMATIC_RELATIONS, ties, str(ties.ended))
        ]
