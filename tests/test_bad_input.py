"""Bad input gets a clear 4xx, never a 500."""

import base64
import json

import pytest

from tests.helpers import alliance, world

pytestmark = pytest.mark.django_db

LISTS = ["/treaties/", "/visits/", "/projects/", "/treaties/export.csv", "/api/v1/treaties/",
         "/api/v1/visits/", "/api/v1/projects/", "/treaties/feed/"]  # fmt: skip
BAD_FILTERS = ["year=abc", "year=-5", "year=99999999999", "kind=nonsense", "party=zz", "party=",
               "host=zz", "state=zz", "value_min=abc", "currency=US", "ordering=bogus",
               "page_size=abc", "year_min=2030&year_max=abc", "identifier=nocolon",
               "cursor=%%%", "page=abc", "page=0", "page=99999", "ordering=,title",
               "ordering=title,,-title"]  # fmt: skip


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("query", BAD_FILTERS)
def test_no_bad_parameter_gives_a_server_error(client, url, query):
    world()
    response = client.get(f"{url}?{query}")
    assert response.status_code < 500


@pytest.mark.parametrize("url", ["/treaties/", "/api/v1/treaties/"])
def test_an_invalid_filter_is_a_400_that_names_the_problem(client, url):
    world()
    response = client.get(f"{url}?year=abc&kind=nonsense")
    assert response.status_code == 400
    text = response.content.decode()
    assert "whole number" in text and "nonsense" in text


@pytest.mark.parametrize(
    "url", ["/treaties/", "/api/v1/treaties/", "/api/v1/sources/", "/api/v1/organizations/"]
)
def test_an_empty_name_in_ordering_is_a_400_that_says_so(client, url):
    """Found by schemathesis: ``ordering=,-title`` was a server error."""
    world()
    response = client.get(f"{url}?ordering=,-title")
    assert response.status_code == 400
    assert "empty" in response.content.decode()


def test_an_out_of_range_page_is_a_404_with_a_message(client):
    world()
    response = client.get("/treaties/?page=99999")
    assert response.status_code == 404
    assert "There is no page 99999" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/treaties/?q=%00", "/api/v1/treaties/?q=%00", "/search/?q=%00", "/treaties/?year=%00",
     "/treaties/?q=" + "x" * 5000],
)  # fmt: skip
def test_nul_bytes_and_huge_query_strings_are_refused(client, url):
    assert client.get(url).status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/states/zz/", "/states/toolong/", "/relations/az/az/", "/relations/az/zz/",
     "/api/v1/relations/az/az/", "/api/v1/states/zz/", "/treaties/nope/"],
)  # fmt: skip
def test_unknown_records_are_404(client, url):
    w = world()
    alliance(w)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/treaties/?party=az&party=zz", "/visits/?host=zz", "/api/v1/projects/?state=zz"]
)
def test_an_unknown_state_code_is_a_400_that_names_it(client, url):
    world()
    response = client.get(url)
    assert response.status_code == 400
    assert "zz is not one of the available choices" in response.content.decode()


def forged_cursor(payload) -> str:
    """A cursor as the API encodes one, holding whatever a client put in it."""
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


PAGES = ["/treaties/", "/visits/", "/projects/"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("page", ["%C2%B2", "%D9%A1", "0", "-1", "1e3", "abc", "%20"])
def test_a_page_that_is_not_a_whole_number_is_a_400_with_a_message(client, url, page):
    """A superscript two or an Arabic-Indic one passes ``str.isdigit``."""
    world()
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 400
    assert "is not a page number" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/treaties/", {"v": "99999-01-01", "pk": 1}),
        ("/treaties/", {"v": "x", "pk": 1}),
        ("/treaties/", {"v": "\u0000", "pk": 1}),
        ("/treaties/?ordering=title", {"v": "\ud800", "pk": 1}),
        ("/treaties/", {"v": "2024-01-01", "pk": 10**30}),
        ("/treaties/", {"v": ["2024-01-01"], "pk": 1}),
        ("/treaties/", {"v": 20240101, "pk": 1}),
        ("/projects/?ordering=value", {"v": "2024-01-01", "pk": 1}),
        ("/projects/?ordering=value", {"v": "1e999999", "pk": 1}),
        ("/projects/?ordering=-value", {"v": "NaN", "pk": 1}),
        ("/visits/", {"v": "2024-02-30", "pk": 1}),
        ("/visits/", {"v": None, "pk": True}),
    ],
)
@pytest.mark.parametrize("api", [False, True])
def test_a_forged_cursor_is_a_400_with_a_message(client, url, payload, api):
    w = world()
    alliance(w)
    path, _, query = url.partition("?")
    target = f"/api/v1{path}" if api else path
    query = f"{query}&" if query else ""
    response = client.get(f"{target}?{query}cursor={forged_cursor(payload)}")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Invalid cursor" in text
    if api:
        assert "Invalid cursor" in response.json()["cursor"][0]


@pytest.mark.parametrize("size", ["201", "1000", "0", "-1", "abc", "%C2%B2", "1.5"])
def test_a_page_size_outside_the_documented_range_is_a_400_naming_it(client, size):
    world()
    response = client.get(f"/api/v1/treaties/?page_size={size}")
    assert response.status_code == 400
    assert "from 1 to 200" in response.json()["page_size"][0]


def test_the_page_size_limit_is_the_one_the_schema_documents(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/treaties/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")["schema"]
    world()
    top = page_size["maximum"]
    assert client.get(f"/api/v1/treaties/?page_size={top}").status_code == 200
    assert client.get(f"/api/v1/treaties/?page_size={top + 1}").status_code == 400
    assert client.get(f"/api/v1/treaties/?page_size={page_size['minimum']}").status_code == 200
