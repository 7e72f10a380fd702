"""/api/v1/: a page for people, a map for scripts; list responses say how many match."""

import pytest

from tests.helpers import populate, world

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def w(db):
    return world()


@pytest.mark.django_db
def test_a_browser_gets_a_page_with_the_docs_schema_endpoints_and_a_curl_example(client):
    response = client.get("/api/v1/", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Api Root" not in page
    assert '<a href="http://testserver/api/v1/docs/">Documentation</a>' in page
    assert 'href="http://testserver/api/v1/schema/"' in page
    assert "curl -H 'Accept: application/json'" in page
    assert "http://testserver/api/v1/treaties/?party=UZ&amp;year=2024" in page
    for endpoint in ("states", "people", "organizations", "sectors", "sources", "treaties"):
        assert f'href="http://testserver/api/v1/{endpoint}/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["*/*", "application/json", None])
def test_a_script_gets_the_map_of_endpoints_it_had_with_docs_and_schema(client, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get("/api/v1/", **headers)
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["treaties"] == "http://testserver/api/v1/treaties/"
    assert data["visits"] == "http://testserver/api/v1/visits/"
    assert data["docs"] == "http://testserver/api/v1/docs/"
    assert data["schema"] == "http://testserver/api/v1/schema/"


def test_a_list_says_how_many_records_match_as_the_site_counts_them(client, w):
    populate(w, 6)
    data = client.get("/api/v1/treaties/?party=uz&page_size=2").json()
    assert (data["count"], data["count_exact"], data["count_label"]) == (3, True, "3")
    assert len(data["results"]) == 2
    # The next page counts the same set.
    assert client.get(data["next"]).json()["count"] == 3


def test_the_schema_documents_the_count(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    page = schema["components"]["schemas"]["PaginatedTreatyList"]
    assert {"count", "count_exact", "count_label"} <= set(page["required"])
