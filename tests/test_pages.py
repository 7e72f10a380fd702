"""The public site: every page, what it shows, and a query budget that does not grow with rows."""

import json
import re

import pytest

from diplomacy.models import TreatyCitation
from tests.factories import PersonFactory, ProjectFactory, TreatyFactory, VisitFactory
from tests.helpers import alliance, populate, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def page_urls(w):
    treaty = alliance(w)
    visit = VisitFactory(host=w["uz"], guest=w["az"], slug="state-visit")
    treaty.visit = visit
    treaty.save()
    project = ProjectFactory(slug="portfolio")
    project.states.set([w["az"], w["uz"]])
    return [
        "/",
        "/treaties/",
        f"/treaties/{treaty.slug}/",
        "/visits/",
        f"/visits/{visit.slug}/",
        "/projects/",
        f"/projects/{project.slug}/",
        "/states/",
        "/states/uz/",
        "/relations/az/uz/",
        "/search/?q=allied",
        "/treaties/feed/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        f"/sources/{w['source'].slug}/",
    ]


# What each page asks of the database, whatever the number of rows:
# filter choices (states, sectors), capped count, planner estimate when large,
# the page of rows, and one prefetch per related list shown in a row; a page that
# keys a cached part by the data version reads that version once (its "version").
PAGE_BUDGETS = {
    # four capped counts (cached after the first visit); latest treaties, visits and
    # strongest relations, with the parties of the treaty lists (short lists read no
    # sectors) and the published states they name (cached after the first visit), version;
    # the periods of every state, which say whose treaties still bind (cached per data version)
    "/": 13,
    "/treaties/": 9,  # states, sectors, commitment kinds, capped count, 2 facets, rows, links
    "/visits/": 7,  # version, states, capped count, 2 facets, rows (+host, guest), principals
    "/projects/": 9,  # version, states, sectors, capped count, 2 facets, rows, states, sectors
    "/states/": 3,  # version, capped count, rows with treaty counts (subquery)
    # state, partners, treaty ids + treaties + parties, visits hosted and made,
    # project ids + projects (short lists read no sectors, principals or states),
    # the published states the parties name (cached after the first visit), version
    # + the state's periods, and its predecessors and successors; the periods of
    # every state, which say when a partner ceased (cached per data version)
    "/states/uz/": 14,
    # two states, level, 3 per-year aggregates, 3 lists + their prefetches; the
    # heading's level once more, kept apart from the records (a warm page reads back only it)
    "/relations/az/uz/": 17,
    # one per record type, and the prefetches of matching treaties, visits, projects
    "/search/?q=energy": 11,
    "/treaties/feed/": 5,  # states, sectors, rows, parties, sectors
    "/sitemap.xml": 9,  # version, one per section, and a count per paginated section
    # + identifiers; + on PostgreSQL the export lifting the statement timeout (SET LOCAL);
    # + the code table (states, periods, codes: each party's code on the treaty's date)
    "/treaties/export.csv": 10,  # states, sectors, rows, parties, sectors (per 1,000-row chunk)
}


def test_every_page_answers(client, w):
    for url in page_urls(w):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("url", list(PAGE_BUDGETS))
@pytest.mark.parametrize("rows", [5, 50])
def test_query_budget_does_not_grow_with_rows(client, w, django_assert_max_num_queries, url, rows):
    populate(w, rows)
    with django_assert_max_num_queries(PAGE_BUDGETS[url]):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_detail_pages_have_a_fixed_budget(client, w, django_assert_max_num_queries, rows):
    populate(w, rows)
    treaty = alliance(w)
    # treaty, parties, sectors, signatories, organizations, citations, 2 relation
    # lists, projects, identifiers, visit, change log
    with django_assert_max_num_queries(13):
        assert client.get(f"/treaties/{treaty.slug}/").status_code == 200


def test_treaty_page_shows_fields_links_sources_and_metadata(client, w):
    treaty = alliance(w, summary="An alliance.")
    signatory = PersonFactory(name="Ilham Aliyev", slug="ilham-aliyev", state=w["az"])
    treaty.signatories.add(signatory)
    visit = VisitFactory(title="State visit", host=w["uz"], guest=w["az"])
    treaty.visit = visit
    treaty.save()
    TreatyCitation.objects.create(record=treaty, source=w["source"], quote="signed the treaty")
    html = client.get(treaty.get_absolute_url()).content.decode()
    assert "23 August 2024" in html
    for link in ("/states/az/", "/states/uz/", "/people/ilham-aliyev/", visit.get_absolute_url()):
        assert f'href="{link}"' in html
    assert "/relations/az/uz/" in html
    assert "<blockquote>signed the treaty</blockquote>" in html
    assert "Cite this record" in html and "Last updated" in html and "Permalink" in html
    assert '<meta property="og:title" content="Treaty on Allied Relations">' in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    )
    assert data["@type"] == "Legislation" and data["name"] == treaty.title


def test_month_precision_is_shown_as_a_month(client, w):
    populate(w, 1)
    html = client.get("/treaties/").content.decode()
    assert "January 2000" in html


def test_state_page_groups_partners_and_relations_page_reads_either_order(client, w):
    alliance(w)
    html = client.get("/states/uz/").content.decode()
    assert "Allies" in html and "/relations/uz/az/" in html
    ab = client.get("/relations/az/uz/")
    ba = client.get("/relations/uz/az/")
    level = re.compile(r'<p class="relation-level (level-[a-z]+)">\s*<strong>([^<]+)</strong>')
    assert level.search(ab.content.decode()).groups() == ("level-alliance", "Alliance")
    assert level.search(ba.content.decode()).groups() == ("level-alliance", "Alliance")
    body = ab.content.decode()
    assert "Alliance" in body and "23 August 2024" in body and "<svg" in body


def test_lists_count_paginate_keep_filters_and_download(client, w):
    populate(w, 30)
    response = client.get("/treaties/?sector=energy")
    html = response.content.decode()
    assert "30 treaties match these filters" in html
    assert re.search(r'rel="next" href="\?sector=energy&amp;page=2"', html)
    assert 'href="/treaties/export.csv?sector=energy"' in html
    empty = client.get("/treaties/?q=nothingmatchesthis").content.decode()
    assert "No treaties match these filters" in empty


def test_search_groups_results_by_type(client, w):
    alliance(w)
    html = client.get("/search/?q=uzbekistan").content.decode()
    assert "States (1)" in html
    html = client.get("/search/?q=allied").content.decode()
    assert "Treaties (1)" in html


def test_custom_404_keeps_the_navigation(client, w):
    response = client.get("/treaties/no-such-treaty/")
    assert response.status_code == 404
    assert (
        "Not found" in response.content.decode()
        and 'href="/treaties/"' in response.content.decode()
    )


def test_feed_sitemap_robots(client, w):
    treaty = alliance(w)
    feed = client.get("/treaties/feed/?party=uz").content.decode()
    assert 'xmlns="http://www.w3.org/2005/Atom"' in feed and treaty.title in feed
    assert treaty.title not in client.get("/treaties/feed/?party=kz").content.decode()
    assert treaty.get_absolute_url() in client.get("/sitemap.xml").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()


# HTML's <time datetime>: a second's fraction has at most three digits.
TIME_DATETIME = re.compile(r'<time datetime="([^"]*)"')
HTML_DATETIME = re.compile(
    r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,3})?)?([+-]\d\d:\d\d|Z))?)?)?"
)


def test_record_pages_times_are_valid_html_datetimes(client, w):
    treaty = alliance(w)
    html = client.get(treaty.get_absolute_url()).content.decode()
    times = TIME_DATETIME.findall(html)
    assert any("T" in value for value in times)  # the change log and "Last updated"
    assert [v for v in times if not HTML_DATETIME.fullmatch(v)] == []


def test_the_search_page_has_one_search_landmark_with_a_name(client, w):
    html = client.get("/search/?q=allied").content.decode()
    landmarks = re.findall(r'<form [^>]*role="search"[^>]*>', html)
    assert len(landmarks) == 1 and "aria-label=" in landmarks[0]
    # Every other page has the header's.
    assert len(re.findall(r'role="search"', client.get("/treaties/").content.decode())) == 1


def test_searchs_link_to_all_matches_keeps_the_whole_query(client, w):
    for i in range(21):
        TreatyFactory(title=f"Oil & gas {i}", parties=[w["az"], w["uz"]])
    html = client.get("/search/?q=oil+%26+gas").content.decode()
    assert 'href="/treaties/?q=oil+%26+gas"' in html


def test_a_filter_errors_element_is_the_one_its_control_names(client, w):
    html = client.get("/treaties/?year=abc&kind=nonsense&party=zz").content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert sum(ids.endswith("_error") for ids in described) == 3
    for ids in described:
        for id_ in ids.split():
            assert f'id="{id_}"' in html, id_


def test_search_finds_what_each_list_finds_and_links_to_it_with_the_words_encoded(client, w):
    """Search looks where each list's ``q`` looks; "All matching" opens that
    list with the same words, whatever characters they hold."""
    for i in range(22):
        TreatyFactory(title=f"Energy & Culture pact {i}", parties=[w["az"], w["uz"]])
    words = "energy & culture"  # an ampersand must not end the parameter
    html = client.get("/search/", {"q": words}).content.decode()
    assert "Treaties (20+)" in html
    link = re.search(r'<a href="([^"]*)">All matching treaties</a>', html).group(1)
    assert link == "/treaties/?q=energy+%26+culture"
    listed = client.get(link).content.decode()
    assert 'value="energy &amp; culture"' in listed
    assert re.search(r'<h2 id="results-heading" class="count">(\d+) ', listed).group(1) == "22"


@pytest.mark.parametrize(
    ("factory", "plural"),
    [("TreatyFactory", "treaties"), ("VisitFactory", "visits"), ("ProjectFactory", "projects")],
)
def test_a_cited_address_still_leads_to_a_record_whose_slug_changed(client, factory, plural):
    """A citation of /treaties/old-slug/ keeps working after an editor renames
    the slug: a permanent redirect to the record's address now. A draft's new
    address is not told, and a slug another record took is that record's."""
    import tests.factories as factories

    record = getattr(factories, factory)(slug="old-slug", is_published=True)
    record.slug = "new-slug"
    record.save()
    response = client.get(f"/{plural}/old-slug/")
    assert response.status_code == 301
    assert response["Location"] == f"/{plural}/new-slug/"

    record.is_published = False
    record.save()
    assert client.get(f"/{plural}/old-slug/").status_code == 404

    other = getattr(factories, factory)(slug="old-slug", is_published=True)
    assert client.get(f"/{plural}/old-slug/").status_code == 200
    assert other.slug == "old-slug"


@pytest.mark.parametrize(
    ("factory", "plural"),
    [("TreatyFactory", "treaties"), ("VisitFactory", "visits"), ("ProjectFactory", "projects")],
)
def test_a_cited_api_address_still_leads_to_a_record_whose_slug_changed(client, factory, plural):
    """As the pages do, the API's record address answers a read of the old
    slug with a permanent redirect (the query string kept); a write to it
    is not redirected: it is a 404, lest a client change a record it did not name."""
    import tests.factories as factories

    record = getattr(factories, factory)(slug="old-slug", is_published=True)
    record.slug = "new-slug"
    record.save()
    response = client.get(f"/api/v1/{plural}/old-slug/?format=json")
    assert response.status_code == 301
    assert response["Location"].endswith(f"/api/v1/{plural}/new-slug/?format=json")
    assert client.get(response["Location"]).json()["slug"] == "new-slug"
    assert client.patch(f"/api/v1/{plural}/old-slug/", {}).status_code in (401, 403, 404)

    record.is_published = False
    record.save()
    assert client.get(f"/api/v1/{plural}/old-slug/").status_code == 404
