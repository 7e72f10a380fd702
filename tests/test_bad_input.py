"""Bad input gets a clear 4xx, never a 500."""

import pytest

from tests.helpers import alliance, world

pytestmark = pytest.mark.django_db

LISTS = ["/treaties/", "/visits/", "/projects/", "/treaties/export.csv", "/api/v1/treaties/",
         "/api/v1/visits/", "/api/v1/projects/", "/treaties/feed/"]  # fmt: skip
BAD_FILTERS = ["year=abc", "year=-5", "year=99999999999", "kind=nonsense", "party=zz", "party=",
               "host=zz", "state=zz", "value_min=abc", "currency=US", "ordering=bogus",
               "page_size=abc", "year_min=2030&year_max=abc", "identifier=nocolon",
               "cursor=%%%", "page=abc", "page=0", "page=99999"]  # fmt: skip


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
