"""Public pages speak to readers: no seed numbers, seed file names or "seeds"
as labels, sources named by title and publisher, dates at their precision."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from diplomacy.choices import DatePrecision
from diplomacy.models import Source
from tests.factories import SourceFactory, TreatyFactory

# What readers must not see: a seed document's number as a label ("001",
# "(004)"; not the digits of "2,000,000,000"), the word "seed", a seed's file name.
INTERNAL_LABEL = re.compile(r"(?<![\d,.])00[0-4](?![\d,])|seed|\.txt\b", re.IGNORECASE)
SKIPPED_PREFIXES = ("/static/", "/admin/", "/api/", "/sitemap.xml", "/robots.txt")


class _Page(HTMLParser):
    """A page's visible text and the same-site links it offers."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], set(), 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith("/") and not href.startswith(SKIPPED_PREFIXES):
            self.links.add(urlsplit(href).path)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def crawl(client, start=("/",)):
    """Every page reachable from ``start`` by plain links (no query strings)."""
    seen, queue, pages = set(), list(start), {}
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response["Content-Type"]:
            continue
        page = _Page()
        page.feed(response.content.decode())
        pages[path] = " ".join(page.text)
        queue.extend(page.links - seen)
    return pages


@pytest.fixture
def corpus(db):
    call_command("loaddata", "seed", verbosity=0)


@pytest.mark.django_db
def test_no_public_page_of_the_seed_corpus_shows_an_internal_label(client, corpus):
    pages = crawl(client, ("/", "/treaties/", "/visits/", "/projects/", "/states/"))
    # Every kind of page was reached: records, states, relations, people, sources.
    for prefix in ("/treaties/", "/visits/", "/projects/", "/states/", "/relations/"):
        assert any(p.startswith(prefix) and p != prefix for p in pages), prefix
    for prefix in ("/people/", "/organizations/", "/sources/"):
        assert any(p.startswith(prefix) for p in pages), prefix
    found = {
        path: sorted({m.group(0) for m in INTERNAL_LABEL.finditer(text)})
        for path, text in pages.items()
        if INTERNAL_LABEL.search(text) or "seed" in path
    }
    assert found == {}


@pytest.mark.django_db
def test_the_treaty_page_names_its_sources_for_readers(client, corpus):
    page = client.get("/treaties/treaty-on-allied-relations-azerbaijan-uzbekistan-2024/")
    text = page.content.decode()
    assert "The Azerbaijani commentary calls it" in text
    assert "According to the OpEd on 123ru.net" in text
    assert "/sources/alliance-relations-new-stage/" in text


@pytest.mark.django_db
def test_old_seed_source_addresses_redirect_permanently(client, corpus):
    response = client.get("/sources/seed-001-alliance-relations-new-stage/")
    assert response.status_code == 301
    assert response["Location"] == "/sources/alliance-relations-new-stage/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "News in English (123ru.net)" in page.content.decode()


@pytest.mark.django_db
def test_an_unknown_source_address_is_still_not_found(client, corpus):
    assert client.get("/sources/seed-009-nothing/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("published_on", "precision", "shown", "iso"),
    [
        (datetime.date(2024, 8, 1), DatePrecision.MONTH, "August 2024", "2024-08"),
        (datetime.date(2025, 1, 1), DatePrecision.YEAR, "2025", "2025"),
        (datetime.date(2024, 8, 23), DatePrecision.DAY, "23 August 2024", "2024-08-23"),
    ],
)
def test_a_cited_source_shows_its_date_at_its_precision(
    client, published_on, precision, shown, iso
):
    source = SourceFactory(
        title="A commentary", published_on=published_on, published_on_precision=precision
    )
    treaty = TreatyFactory(title="Treaty of friendship")
    treaty.citations.create(source=source, quote="friendship")
    text = client.get(treaty.get_absolute_url()).content.decode()
    assert f'<time datetime="{iso}">{shown}</time>' in text
    if precision != DatePrecision.DAY:
        assert f"1 {shown}" not in text and "1 January" not in text
    assert Source.objects.get(pk=source.pk).published.iso == iso
