"""The list pages' filter form as a reader meets it: plain labels, states by
name or code, checkboxes, the filters applied and how to remove each, and a
clear word on what the page could not use."""

import datetime
import re
from html import unescape

import pytest

from diplomacy.choices import TreatyKind
from tests.factories import PersonFactory, StateFactory, TreatyFactory, VisitFactory
from tests.helpers import world

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def w():
    w = world()
    az, uz, kz = w["az"], w["uz"], w["kz"]
    w["su"] = StateFactory(iso2="", iso3="", code="su", name="Soviet Union", slug="soviet-union")
    TreatyFactory(slug="t-azuz", title="Allied relations treaty", kind=TreatyKind.ALLIANCE,
                  signed_on=D(2024, 8, 23), parties=[az, uz])  # fmt: skip
    TreatyFactory(slug="t-uzkz", title="Energy agreement", kind=TreatyKind.AGREEMENT,
                  signed_on=D(2022, 1, 5), parties=[uz, kz])  # fmt: skip
    TreatyFactory(slug="t-su", title="Old friendship treaty", kind=TreatyKind.FRIENDSHIP,
                  signed_on=D(1970, 1, 5), parties=[w["su"], kz])  # fmt: skip
    person = PersonFactory(slug="ilham-aliyev", name="Ilham Aliyev", state=az)
    visit = VisitFactory(slug="v-az-in-uz", title="State visit to Uzbekistan", host=uz, guest=az,
                         kind="state", start_on=D(2024, 8, 23))  # fmt: skip
    visit.principals.add(person)
    return w


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def rows(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/\w+/([\w-]+)/"', response.content.decode())


def form_html(response) -> str:
    return re.search(r'<form class="filters".*?</form>', response.content.decode(), re.S).group(0)


@pytest.mark.parametrize(
    "query",
    ["party=Uzbekistan&party=azerbaijan", "party=UZ&party=az", "party=uzbekistan&party=AZ"],
)
def test_parties_are_chosen_by_name_or_code_in_any_case(client, w, query):
    response = client.get(f"/treaties/?{query}")
    assert response.status_code == 200
    assert rows(response) == ["t-azuz"]


def test_a_former_state_is_chosen_by_name_or_code(client, w):
    assert rows(client.get("/treaties/?party=Soviet+Union")) == ["t-su"]
    assert rows(client.get("/treaties/?party=SU")) == ["t-su"]


def test_state_inputs_suggest_every_state_by_name_with_its_code(client, w):
    html = form_html(client.get("/treaties/?party=uz"))
    # One input per chosen state plus an empty one, showing the state's name.
    inputs = re.findall(r'<input[^>]*name="party"[^>]*>', html)
    assert len(inputs) == 2
    assert all('list="state-names"' in tag for tag in inputs)
    assert 'value="Uzbekistan"' in inputs[0] and 'value=""' in inputs[1]
    assert '<option value="Azerbaijan">AZ</option>' in html
    assert '<option value="Soviet Union">SU, former state</option>' in html
    # The unfiltered form (kept as a fragment) suggests the same states.
    assert '<option value="Kazakhstan">KZ</option>' in form_html(client.get("/treaties/"))


def test_empty_state_inputs_choose_nothing(client, w):
    response = client.get("/treaties/?party=&party=Kazakhstan&party=")
    assert response.status_code == 200
    assert set(rows(response)) == {"t-uzkz", "t-su"}


def test_an_unknown_state_name_is_refused_with_a_message(client, w):
    response = client.get("/treaties/?party=Atlantis")
    assert response.status_code == 400
    assert "These filters could not be applied" in text(response)
    assert "Parties" in text(response)


def test_visit_host_and_guest_take_names(client, w):
    assert rows(client.get("/visits/?host=Uzbekistan&guest=AZ")) == ["v-az-in-uz"]
    assert rows(client.get("/visits/?state=azerbaijan")) == ["v-az-in-uz"]


def test_a_person_is_chosen_by_name_or_by_the_old_address_form(client, w):
    assert rows(client.get("/visits/?person=ilham+aliyev")) == ["v-az-in-uz"]
    assert rows(client.get("/visits/?person=ilham-aliyev")) == ["v-az-in-uz"]
    assert client.get("/visits/?person=Nobody").status_code == 400


def test_kind_and_status_are_checkboxes_not_multiple_selects(client, w):
    html = form_html(client.get("/treaties/?kind=alliance"))
    assert "<select multiple" not in html and "multiple>" not in html
    assert re.search(r'<input type="checkbox" name="kind" value="alliance"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="status" value="in_force"', html)
    assert "<legend>Kind</legend>" in html and "<legend>Status</legend>" in html


@pytest.mark.parametrize("url", ["/treaties/", "/visits/", "/projects/", "/states/"])
def test_labels_are_plain_words(client, w, url):
    html = form_html(client.get(url))
    for internal in ("---------", "slug", "COW", "(SPEC", "Select a valid"):
        assert internal not in html


def test_active_filters_are_listed_each_with_a_link_that_removes_it(client, w):
    response = client.get("/treaties/?party=uz&party=az&kind=alliance&year_min=2020&page=1")
    html = response.content.decode()
    line = re.search(r'<div class="active-filters">.*?</div>', html, re.S).group(0)
    removes = {
        unescape(label): unescape(href)
        for href, label in re.findall(
            r'<a class="remove" href="([^"]*)">.*?Remove “([^”]*)”', line, re.S
        )
    }
    assert removes == {
        "Parties: Uzbekistan": "?party=az&kind=alliance&year_min=2020",
        "Parties: Azerbaijan": "?party=uz&kind=alliance&year_min=2020",
        "Kind: Alliance": "?party=uz&party=az&year_min=2020",
        "From year: 2020": "?party=uz&party=az&kind=alliance",
    }
    assert '<a href="/treaties/">Clear all</a>' in line
    # Following a remove link drops that filter alone.
    assert rows(client.get("/treaties/?party=uz&kind=alliance&year_min=2020")) == ["t-azuz"]


def test_one_state_given_twice_is_listed_once_and_removed_whole(client, w):
    html = client.get("/treaties/?party=az&party=AZ&kind=alliance").content.decode()
    line = re.search(r'<div class="active-filters">.*?</div>', html, re.S).group(0)
    removes = re.findall(r'<a class="remove" href="([^"]*)">.*?Remove “([^”]*)”', line, re.S)
    assert sorted((unescape(label), unescape(href)) for href, label in removes) == [
        ("Kind: Alliance", "?party=az&party=AZ"),
        ("Parties: Azerbaijan", "?kind=alliance"),
    ]


def test_no_active_filters_line_without_filters(client, w):
    assert 'class="active-filters"' not in client.get("/treaties/?page=1").content.decode()


def test_the_last_filter_removed_leads_to_the_bare_list(client, w):
    html = client.get("/treaties/?kind=alliance").content.decode()
    assert re.search(r'<a class="remove" href="/treaties/">', html)


@pytest.mark.parametrize(
    ("query", "meant"),
    [("partyy=az", "party"), ("in_forc_on=2024-01-01", "in_force_on"), ("yaer=2024", "year")],
)
def test_a_misspelt_parameter_is_named_with_what_was_probably_meant(client, w, query, meant):
    response = client.get(f"/treaties/?{query}")
    assert response.status_code == 200
    name = query.split("=")[0]
    assert f"This list has no filter called “{name}”, so it was left out" in text(response)
    value = query.split("=")[1]
    assert f'href="?{meant}={value}"' in response.content.decode()


def test_an_unknown_parameter_with_no_likely_meaning_is_still_named(client, w):
    response = client.get("/visits/?colour=blue")
    assert "This list has no filter called “colour”" in text(response)


@pytest.mark.parametrize(
    "query", ["page=1", "ordering=title", "cursor=", "excel=1&page=1", "t=a&on=2024-01-01"]
)
def test_parameters_of_paging_and_order_are_not_called_unknown(client, w, query):
    assert "has no filter called" not in text(client.get(f"/treaties/?{query}"))


def test_a_reversed_year_range_is_explained_on_the_page(client, w):
    response = client.get("/treaties/?year_min=2024&year_max=2020")
    assert response.status_code == 400
    assert "“To year” (2020) is before “From year” (2024): swap them or change one." in text(
        response
    )


def test_a_reversed_year_range_is_a_400_on_the_api(client, w):
    response = client.get("/api/v1/treaties/?year_min=2024&year_max=2020")
    assert response.status_code == 400
    assert response.json() == {
        "year_max": ["“To year” (2020) is before “From year” (2024): swap them or change one."]
    }
    assert client.get("/api/v1/visits/?year_min=2020&year_max=2020").status_code == 200


def test_a_reversed_value_range_is_explained(client, w):
    response = client.get("/projects/?value_min=500&value_max=10")
    assert response.status_code == 400
    assert "“Value at most” (10) is less than “Value at least” (500)" in text(response)


def test_the_form_opens_on_a_phone_when_it_has_errors(client, w):
    assert (
        '<details class="filter-panel" open>' in client.get("/treaties/?year=abc").content.decode()
    )
    assert '<details class="filter-panel">' in client.get("/treaties/?year=2024").content.decode()


def test_treaty_rows_can_be_ticked_and_compared(client, w):
    html = client.get("/treaties/").content.decode()
    form = re.search(
        r'<form class="compare-form" method="get" action="([^"]+)">(.*?)</form>', html, re.S
    )
    assert form.group(1) == "/treaties/compare/"
    assert set(re.findall(r'<input type="checkbox" name="t" value="([\w-]+)"', form.group(2))) == {
        "t-azuz",
        "t-uzkz",
        "t-su",
    }
    assert "Compare selected</button>" in form.group(2)
    assert client.get("/treaties/compare/?t=t-azuz&t=t-uzkz").status_code == 200
