"""Each FilterSet directly, then the same parameters through the page, the API and the CSV."""

import csv
import datetime
import io
import re

import pytest
from django.http import QueryDict

from diplomacy.choices import DatePrecision, TreatyKind, TreatyStatus
from diplomacy.filtersets import ProjectFilterSet, TreatyFilterSet, VisitFilterSet
from diplomacy.models import Project, Treaty, Visit
from tests.factories import (
    PersonFactory,
    ProjectFactory,
    SectorFactory,
    StateFactory,
    TreatyFactory,
    VisitFactory,
)
from tests.helpers import world

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def w():
    w = world()
    az, uz, kz = w["az"], w["uz"], w["kz"]
    TreatyFactory(slug="t-azuz-2024", title="Allied relations treaty", kind=TreatyKind.ALLIANCE,
                  signed_on=D(2024, 8, 23), parties=[az, uz]).sectors.add(w["energy"])  # fmt: skip
    TreatyFactory(slug="t-azkz-2022", title="Declaration of friendship", kind="declaration",
                  signed_on=D(2022, 8, 1), signed_on_precision=DatePrecision.MONTH,
                  parties=[az, kz])  # fmt: skip
    TreatyFactory(slug="t-uzkz-2024", title="Energy agreement", kind=TreatyKind.AGREEMENT,
                  status=TreatyStatus.IN_FORCE, signed_on=D(2024, 1, 1),
                  signed_on_precision=DatePrecision.YEAR, parties=[uz, kz])  # fmt: skip
    TreatyFactory(slug="t-undated", title="Undated protocol", kind="protocol", signed_on=None,
                  parties=[az, uz, kz])  # fmt: skip
    TreatyFactory(slug="t-draft", is_published=False, parties=[az, uz])
    person = PersonFactory(slug="ilham-aliyev", state=az)
    visit = VisitFactory(
        slug="v-az-in-uz", host=uz, guest=az, kind="state", start_on=D(2024, 8, 23)
    )
    visit.principals.add(person)
    VisitFactory(slug="v-kz-in-az", host=az, guest=kz, kind="official", start_on=D(2019, 5, 1))
    p = ProjectFactory(slug="p-big", value_amount=2_000_000_000, value_currency="USD",
                       start_on=D(2024, 8, 1), kind="investment")  # fmt: skip
    p.states.set([az, uz])
    p.sectors.add(w["energy"])
    q = ProjectFactory(
        slug="p-small", value_amount=5000, value_currency="EUR", start_on=D(2023, 1, 1)
    )
    q.states.set([uz, kz])
    return w


TREATY_CASES = [
    ("", {"t-azuz-2024", "t-azkz-2022", "t-uzkz-2024", "t-undated"}),
    ("year=2024", {"t-azuz-2024", "t-uzkz-2024"}),
    ("year_min=2023&year_max=2024", {"t-azuz-2024", "t-uzkz-2024"}),
    ("kind=alliance&kind=declaration", {"t-azuz-2024", "t-azkz-2022"}),
    ("status=in_force", {"t-uzkz-2024"}),
    ("party=az&party=uz", {"t-azuz-2024", "t-undated"}),
    ("party=uz", {"t-azuz-2024", "t-uzkz-2024", "t-undated"}),
    ("sector=energy", {"t-azuz-2024"}),
    ("q=ALLIED+treaty", {"t-azuz-2024"}),
    ("q=energy", {"t-uzkz-2024"}),
]
VISIT_CASES = [
    ("host=uz", {"v-az-in-uz"}),
    ("guest=kz", {"v-kz-in-az"}),
    ("state=az", {"v-az-in-uz", "v-kz-in-az"}),
    ("person=ilham-aliyev", {"v-az-in-uz"}),
    ("kind=official", {"v-kz-in-az"}),
    ("year=2024", {"v-az-in-uz"}),
]
PROJECT_CASES = [
    ("state=az&state=uz", {"p-big"}),
    ("state=uz", {"p-big", "p-small"}),
    ("sector=energy", {"p-big"}),
    ("value_min=10000", {"p-big"}),
    ("value_max=10000", {"p-small"}),
    ("currency=eur", {"p-small"}),
    ("kind=investment", {"p-big"}),
    ("year_max=2023", {"p-small"}),
]


def slugs(queryset):
    return set(queryset.values_list("slug", flat=True))


@pytest.mark.parametrize(("query", "expected"), TREATY_CASES)
def test_treaty_filterset(w, query, expected):
    filterset = TreatyFilterSet(QueryDict(query), queryset=Treaty.objects.published())
    assert filterset.is_valid(), filterset.errors
    assert slugs(filterset.qs) == expected


@pytest.mark.parametrize(("query", "expected"), VISIT_CASES)
def test_visit_filterset(w, query, expected):
    assert (
        slugs(VisitFilterSet(QueryDict(query), queryset=Visit.objects.published()).qs) == expected
    )


@pytest.mark.parametrize(("query", "expected"), PROJECT_CASES)
def test_project_filterset(w, query, expected):
    qs = ProjectFilterSet(QueryDict(query), queryset=Project.objects.published()).qs
    assert slugs(qs) == expected


def page_slugs(response):
    """The slugs of the records a list page shows, in the order shown."""
    return re.findall(r'<th scope="row"><a href="[^"]*/([^/"]+)/">', response.content.decode())


def page_count(response):
    """The number in the result-count heading ("3 treaties match these filters")."""
    heading = re.search(
        r'<h2 id="results-heading" class="count">([\d,]+) ', response.content.decode()
    )
    return int(heading.group(1).replace(",", ""))


def api_slugs(client, url):
    found = []
    while url:
        body = client.get(url).json()
        found += [row["slug"] for row in body["results"]]
        url = body["next"]
    return found


def csv_slugs(client, url):
    response = client.get(url)
    text = b"".join(response.streaming_content).decode()
    return {row["slug"] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [("treaties", q, e) for q, e in TREATY_CASES]
    + [("visits", q, e) for q, e in VISIT_CASES]
    + [("projects", q, e) for q, e in PROJECT_CASES],
)
def test_page_api_and_csv_give_the_same_records(client, w, path, query, expected):
    page = client.get(f"/{path}/?{query}")
    assert page.status_code == 200
    assert set(page_slugs(page)) == expected
    assert page_count(page) == len(expected)
    api = api_slugs(client, f"/api/v1/{path}/?{query}")
    assert sorted(api) == sorted(expected)
    assert csv_slugs(client, f"/{path}/export.csv?{query}") == expected


def test_ordering_is_stable_and_puts_undated_last(client, w):
    newest = page_slugs(client.get("/treaties/?ordering=-signed_on"))
    assert newest == ["t-azuz-2024", "t-uzkz-2024", "t-azkz-2022", "t-undated"]
    oldest = page_slugs(client.get("/treaties/?ordering=signed_on"))
    assert oldest == ["t-azkz-2022", "t-uzkz-2024", "t-azuz-2024", "t-undated"]
    by_title = page_slugs(client.get("/treaties/?ordering=title"))
    assert by_title[0] == "t-azuz-2024"
    assert api_slugs(client, "/api/v1/treaties/?ordering=-signed_on") == newest


def test_every_spec_filter_exists():
    spec = {
        TreatyFilterSet: "q year year_min year_max kind status party sector ordering",
        VisitFilterSet: "q year year_min year_max kind level host guest state person",
        ProjectFilterSet: (
            "q year year_min year_max kind status state sector value_min value_max currency"
        ),
    }
    for filterset, names in spec.items():
        assert set(names.split()) <= set(filterset.base_filters)


def test_a_state_published_after_the_form_was_built_can_be_chosen_at_once(client, w):
    """The state choices are read per data version: an edit shows in the next request."""
    assert client.get("/treaties/?party=az").status_code == 200  # the form is built
    assert client.get("/treaties/?party=ge").status_code == 400
    georgia = StateFactory(iso2="GE", iso3="GEO", name="Georgia", slug="georgia")
    TreatyFactory(slug="t-azge", title="Georgian transit agreement", parties=[w["az"], georgia])
    page = client.get("/treaties/?party=ge")
    assert page.status_code == 200
    assert page_slugs(page) == ["t-azge"]
    html = page.content.decode()
    assert re.search(r'<input[^>]*name="party"[^>]*value="Georgia"', html)
    assert '<option value="Georgia">GE</option>' in html
    georgia.is_published = False
    georgia.save()
    assert client.get("/treaties/?party=ge").status_code == 400
    assert '<option value="Georgia"' not in client.get("/treaties/").content.decode()


def test_filtersets_in_use_at_once_keep_their_own_values_and_forms(w):
    """Two requests' FilterSets at once: each filters and shows its own values."""
    base = Treaty.objects.published()
    first = TreatyFilterSet(QueryDict("party=az&q=treaty"), queryset=base)
    second = TreatyFilterSet(QueryDict("party=kz"), queryset=base)
    assert slugs(second.qs) == {"t-azkz-2022", "t-uzkz-2024", "t-undated"}
    assert slugs(first.qs) == {"t-azuz-2024"}
    assert 'value="treaty"' in str(first.form["q"])
    assert "value=" not in str(second.form["q"])
    assert 'value="Azerbaijan"' in str(first.form["party"])
    assert 'value="Kazakhstan"' in str(second.form["party"])
    assert 'value="Azerbaijan"' not in str(second.form["party"])
    assert not re.search(r'value="[^"]', str(TreatyFilterSet().form["party"]))


# -- related records: a draft answers exactly as an unknown slug or code -----------------------


def error_summary(response) -> str:
    """What a 400 says: the page's error summary, or the API's JSON body."""
    if response["Content-Type"].startswith("application/json"):
        return response.content.decode()
    found = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
    return found.group(0)


@pytest.fixture
def drafts(w):
    """A draft of each kind of related record, attached to a published record."""
    secret_state = StateFactory(iso2="GE", iso3="GEO", name="Georgia", slug="georgia")
    secret_state.is_published = False
    secret_state.save()
    secret_person = PersonFactory(slug="hidden-envoy", state=w["az"], is_published=False)
    secret_sector = SectorFactory(slug="hidden-sector", name="Hidden", is_published=False)
    treaty = TreatyFactory(slug="t-with-drafts", parties=[w["az"], secret_state])
    treaty.sectors.add(secret_sector)
    visit = VisitFactory(slug="v-with-drafts", host=w["az"], guest=secret_state)
    visit.principals.add(secret_person)
    project = ProjectFactory(slug="p-with-drafts")
    project.states.set([w["az"], secret_state])
    project.sectors.add(secret_sector)
    return w


# (list, parameter, a draft's slug or code, an unknown one of the same form)
RELATED_FILTERS = [
    ("treaties", "party", "ge", "qq"),
    ("treaties", "sector", "hidden-sector", "nosuch-sector"),
    ("visits", "person", "hidden-envoy", "nobody-known"),
    ("visits", "host", "ge", "qq"),
    ("visits", "guest", "ge", "qq"),
    ("visits", "state", "ge", "qq"),
    ("projects", "state", "ge", "qq"),
    ("projects", "sector", "hidden-sector", "nosuch-sector"),
]


@pytest.mark.parametrize(("plural", "name", "draft", "unknown"), RELATED_FILTERS)
@pytest.mark.parametrize("where", ["/{}/", "/api/v1/{}/", "/{}/export.csv"])
def test_a_draft_related_record_filters_exactly_as_an_unknown_one(
    client, drafts, plural, name, draft, unknown, where
):
    url = where.format(plural)
    secret = client.get(f"{url}?{name}={draft}")
    missing = client.get(f"{url}?{name}={unknown}")
    assert secret.status_code == missing.status_code == 400
    assert unknown in error_summary(missing)
    assert error_summary(secret).replace(draft, unknown) == error_summary(missing)


def test_a_published_person_still_filters_visits(client, drafts):
    page = client.get("/visits/?person=ilham-aliyev")
    assert page.status_code == 200 and page_slugs(page) == ["v-az-in-uz"]


# -- repeated values: de-duplicated, capped, one subquery per distinct value ---------------------


REPEATS = [
    (TreatyFilterSet, "party=az", "&".join(["party=az"] * 300)),
    (TreatyFilterSet, "party=az&party=uz", "&".join(["party=az", "party=AZ", "party=uz"] * 100)),
    (TreatyFilterSet, "kind=alliance", "&".join(["kind=alliance"] * 250)),
    (ProjectFilterSet, "state=uz", "&".join(["state=uz", "state=UZ"] * 150)),
    (VisitFilterSet, "kind=state", "&".join(["kind=state"] * 300)),
]


@pytest.mark.parametrize(("filterset", "single", "repeated"), REPEATS)
def test_a_repeated_value_makes_the_query_of_one(w, filterset, single, repeated):
    """``party=az`` 300 times (2.7 KB) made 300 subqueries: minutes of
    planning on a register of 3,000 treaties. It is the one value, as is
    the same code in another case."""
    base = filterset.Meta.model.objects.published()
    once, many = (
        filterset(QueryDict(single), queryset=base),
        filterset(QueryDict(repeated), queryset=base),
    )
    assert many.is_valid(), many.errors
    assert str(many.qs.query) == str(once.qs.query)


@pytest.mark.parametrize(("filterset", "single", "repeated"), REPEATS)
def test_a_repeated_value_lists_what_one_lists_everywhere(client, w, filterset, single, repeated):
    path = {TreatyFilterSet: "treaties", VisitFilterSet: "visits", ProjectFilterSet: "projects"}[
        filterset
    ]
    assert len(repeated) < 4096  # under the query-string guard
    page = client.get(f"/{path}/?{repeated}")
    assert page.status_code == 200
    assert page_slugs(page) == page_slugs(client.get(f"/{path}/?{single}"))
    assert api_slugs(client, f"/api/v1/{path}/?{repeated}") == api_slugs(
        client, f"/api/v1/{path}/?{single}"
    )
    assert csv_slugs(client, f"/{path}/export.csv?{repeated}") == csv_slugs(
        client, f"/{path}/export.csv?{single}"
    )


@pytest.fixture
def eleven_states(w):
    codes = ["az", "uz", "kz"]
    for iso2 in ("TR", "GE", "AM", "TM", "KG", "TJ", "RU", "CN"):
        StateFactory(iso2=iso2)
        codes.append(iso2.lower())
    return codes


@pytest.mark.parametrize(
    ("path", "name"), [("treaties", "party"), ("projects", "state")]
)  # fmt: skip
@pytest.mark.parametrize("where", ["/{}/", "/api/v1/{}/", "/{}/export.csv"])
def test_more_distinct_states_than_the_maximum_is_a_400_naming_the_parameter(
    client, eleven_states, path, name, where
):
    url = where.format(path)
    query = "&".join(f"{name}={code}" for code in eleven_states)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    message = "at most 10 different values"
    assert message in error_summary(response) and f"“{name}”" in error_summary(response)
    if where.startswith("/api/"):
        assert message in response.json()[name][0]
    ten = "&".join(f"{name}={code}" for code in eleven_states[:10])
    assert client.get(f"{url}?{ten}").status_code == 200


def test_every_kind_can_be_chosen_at_once(client, w):
    """A fixed vocabulary is its own maximum: all twelve treaty kinds are allowed."""
    query = "&".join(f"kind={kind}" for kind in TreatyKind.values)
    assert len(TreatyKind.values) > 10
    assert client.get(f"/treaties/?{query}").status_code == 200
    assert client.get(f"/api/v1/treaties/?{query}").status_code == 200


def test_a_state_code_in_capitals_filters_as_in_lower_case(client, w):
    assert page_slugs(client.get("/treaties/?party=AZ&party=Uz")) == page_slugs(
        client.get("/treaties/?party=az&party=uz")
    )


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [("treaties", "party=UZ&party=Az", "party"), ("visits", "host=UZ", "host")],
)
def test_a_state_code_in_capitals_shows_that_state_chosen_in_the_form(client, w, path, query, name):
    html = client.get(f"/{path}/?{query}").content.decode()
    chosen = re.findall(rf'<input[^>]*name="{name}"[^>]*value="([^"]+)"', html)
    names = {"uz": "Uzbekistan", "az": "Azerbaijan"}
    assert sorted(chosen) == sorted(names[v.lower()] for v in re.findall(r"=(\w+)", query))
