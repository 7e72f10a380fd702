"""``manage.py generate_synthetic``: the benchmark's data (issue 6)."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from diplomacy.models import Commitment, Project, StateCodes, Treaty, TreatyParty, Visit

pytestmark = pytest.mark.django_db


def generate(seed: int, clear: bool = False) -> None:
    call_command("load_countries", verbosity=0)
    args = ["--treaties", "60", "--visits", "15", "--projects", "15", "--seed", str(seed)]
    call_command("generate_synthetic", *args, *(["--clear"] if clear else []), stdout=None)


def snapshot() -> list[tuple]:
    return list(
        Treaty.objects.filter(slug__startswith="synthetic-")
        .order_by("slug")
        .values_list("slug", "title", "kind", "status", "signed_on", "is_published")
    )


def test_generates_the_records_asked_for_over_real_states_with_drafts(capsys):
    generate(seed=1)
    assert Treaty.objects.filter(slug__startswith="synthetic-").count() == 60
    assert Visit.objects.filter(slug__startswith="synthetic-").count() == 15
    assert Project.objects.filter(slug__startswith="synthetic-").count() == 15
    parties = TreatyParty.objects.filter(treaty__slug__startswith="synthetic-")
    counts = list(parties.values("treaty").annotate(n=Count("pk")).values_list("n", flat=True))
    assert min(counts) >= 2  # every treaty binds at least two states
    assert parties.values("state").distinct().count() > 20
    assert Treaty.objects.filter(slug__startswith="synthetic-", is_published=False).exists()
    assert len(set(Treaty.objects.values_list("kind", flat=True))) > 3
    # The copies of each treaty kept on its party rows are right from the start.
    for row in parties.select_related("treaty")[:20]:
        assert row.treaty_signed_on == row.treaty.signed_on
        assert row.treaty_is_published == row.treaty.is_published
    # And on its commitment rows.
    commitments = Commitment.objects.filter(treaty__slug__startswith="synthetic-")
    assert commitments.exists()
    for row in commitments.select_related("treaty")[:20]:
        assert row.treaty_signed_on == row.treaty.signed_on
        assert row.treaty_is_published == row.treaty.is_published


def test_the_same_seed_gives_the_same_data():
    generate(seed=7)
    first = snapshot()
    generate(seed=7, clear=True)
    assert snapshot() == first
    generate(seed=8, clear=True)
    assert snapshot() != first


def test_generated_records_name_only_states_that_existed_on_their_dates():
    """With the former states loaded (the Soviet Union, Yugoslavia...), a
    generated treaty, visit or project names only states that existed on its
    date: the data an import would accept, as history has it."""
    call_command("load_countries", verbosity=0)
    call_command("load_historic_states", verbosity=0)
    call_command(
        "generate_synthetic", "--treaties", "400", "--visits", "200", "--projects", "200",
        "--seed", "3", stdout=None,
    )  # fmt: skip
    states = StateCodes()
    named = [
        (row.state_id, row.treaty.signed_on) for row in TreatyParty.objects.select_related("treaty")
    ]
    for visit in Visit.objects.all():
        named += [(visit.host_id, visit.start_on), (visit.guest_id, visit.start_on)]
    for project in Project.objects.prefetch_related("states"):
        named += [(state.pk, project.start_on) for state in project.states.all()]
    dated = [(state, on) for state, on in named if on is not None]
    assert len(dated) > 1000
    gone = [
        (states.facts[state].name, on)
        for state, on in dated
        if not states.facts[state].exists_on(on)
    ]
    assert gone == []
    # Former states are among them, in their own years.
    former = {state for state, _ in dated if not states.facts[state].is_current}
    assert former
