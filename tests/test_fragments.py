"""State and relations pages: their derived parts are rendered once per data
version, so a page-cache miss costs the same however long their lists, and an
edit still shows at once."""

import datetime

import pytest

from diplomacy.choices import TreatyKind
from diplomacy.models import State
from diplomacy.views.states import state_body
from tests.factories import TreatyFactory, VisitFactory
from tests.helpers import alliance, populate, second_visit, world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/states/uz/", 2),  # the data version, the state
        ("/relations/az/uz/", 3),  # the data version, the two states
    ],
)
def test_a_second_visit_reads_only_the_states_and_shows_the_same_page(
    client, django_assert_max_num_queries, url, queries
):
    w = world()
    alliance(w)
    populate(w, 30)
    second = second_visit(client, url, django_assert_max_num_queries, queries)
    assert "Agreement 29 on energy cooperation" in second
    assert "Treaty on Allied Relations" in second


def test_an_edit_shows_at_once_on_state_and_relations_pages(client):
    w = world()
    alliance(w)
    client.get("/states/uz/")
    client.get("/relations/az/uz/")

    TreatyFactory(
        title="Treaty on Strategic Partnership",
        kind=TreatyKind.STRATEGIC_PARTNERSHIP,
        signed_on=datetime.date(2019, 5, 1),
        parties=[w["uz"], w["kz"]],
    )
    VisitFactory(title="Visit to Tashkent", host=w["uz"], guest=w["az"])

    state = client.get("/states/uz/").content.decode()
    assert "Strategic partners" in state and "/relations/uz/kz/" in state
    assert "Visit to Tashkent" in state
    assert "Visit to Tashkent" in client.get("/relations/az/uz/").content.decode()


def test_a_draft_never_enters_a_rendered_part(client):
    w = world()
    alliance(w)
    draft = TreatyFactory(title="Secret accord", is_published=False, parties=[w["az"], w["uz"]])
    assert "Secret accord" not in client.get("/states/uz/").content.decode()
    assert "Secret accord" not in client.get("/relations/az/uz/").content.decode()

    draft.is_published = True
    draft.save()
    assert "Secret accord" in client.get("/states/uz/").content.decode()
    assert "Secret accord" in client.get("/relations/az/uz/").content.decode()


def test_each_order_of_a_pair_keeps_its_own_wording(client):
    w = world()
    alliance(w)
    ab = client.get("/relations/az/uz/").content.decode()
    ba = client.get("/relations/uz/az/").content.decode()
    assert "between Azerbaijan and Uzbekistan per year" in ab
    assert "between Uzbekistan and Azerbaijan per year" in ba


def test_rendered_parts_keep_to_their_script_prefix(client):
    from django.urls import set_script_prefix

    w = world()
    alliance(w)
    html = client.get("/states/uz/").content.decode()
    assert 'href="/relations/uz/az/"' in html

    # The same state under another script prefix links under that prefix.
    set_script_prefix("/register/")
    try:
        body = state_body(State.objects.get(iso2="UZ"))
    finally:
        set_script_prefix("/")
    assert 'href="/register/relations/uz/az/"' in body
