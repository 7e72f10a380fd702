"""Search finds records by the states they involve and says what each result is."""

import pytest
from django.core.management import call_command

from diplomacy.models import Treaty
from tests.helpers import alliance, populate, world

# The data version; treaties, their parties' names; visits (+ host, guest);
# projects, their states; states; people (+ state); organizations (+ state).
SEARCH_BUDGET = 10


@pytest.fixture
def w(db):
    return world()


@pytest.mark.django_db
def test_a_state_name_finds_every_published_treaty_it_is_party_to(client):
    call_command("loaddata", "seed", verbosity=0)
    expected = set(
        Treaty.objects.published()
        .filter(parties__iso2="UZ")
        .values_list("title", flat=True)
        .distinct()
    )
    assert len(expected) >= 15
    html = client.get("/search/?q=uzbekistan").content.decode()
    assert f"Treaties ({len(expected)})" in html
    for title in expected:
        assert title.replace("'", "&#39;") in html, title
    # The list's "q" finds the same treaties.
    listed = client.get("/treaties/?q=uzbekistan").content.decode()
    assert f"{len(expected)} treaties match these filters" in listed


def test_a_result_shows_its_kind_date_and_parties(client, w):
    alliance(w)
    html = client.get("/search/?q=allied").content.decode()
    assert (
        'Alliance · <time datetime="2024-08-23">23 August 2024</time> · Azerbaijan, Uzbekistan'
        in html
    )


def test_visits_and_projects_are_found_by_their_states(client, w):
    populate(w, 2)
    html = client.get("/search/?q=uzbekistan").content.decode()
    assert "Visits (2)" in html and "Azerbaijan → Uzbekistan" in html
    assert "Projects (2)" in html
    assert "States (1)" in html


def test_a_short_word_does_not_match_every_state(client, w):
    populate(w, 2)
    html = client.get("/search/?q=an").content.decode()
    assert "Treaties (" not in html


def test_a_state_code_finds_its_treaties(client, w):
    alliance(w)
    assert "Treaties (1)" in client.get("/search/?q=UZ").content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_search_runs_a_fixed_number_of_queries(client, w, django_assert_max_num_queries, rows):
    populate(w, rows)
    with django_assert_max_num_queries(SEARCH_BUDGET):
        response = client.get("/search/?q=uzbekistan")
    assert "Treaties (" in response.content.decode()
