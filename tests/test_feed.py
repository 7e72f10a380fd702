"""The Atom feed of new agreements: its filters, its errors, and concurrent readers."""

import re
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client

from diplomacy.choices import TreatyKind
from tests.factories import TreatyFactory
from tests.helpers import world

ATOM = "{http://www.w3.org/2005/Atom}"
ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>')


def parse(response):
    """The feed's title, its rel="self" address and its entries' titles."""
    root = ET.fromstring(response.content)
    self_link = next(
        link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"
    )
    entries = sorted(entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry"))
    return root.findtext(f"{ATOM}title"), self_link, entries


def two_kinds():
    """Two alliances and three treaties: two filters with distinct results."""
    w = world()
    for i in range(2):
        TreatyFactory(title=f"Alliance {i}", kind=TreatyKind.ALLIANCE, parties=[w["az"], w["uz"]])
    for i in range(3):
        TreatyFactory(title=f"Treaty {i}", kind=TreatyKind.TREATY, parties=[w["az"], w["kz"]])
    return {
        "alliance": ["Alliance 0", "Alliance 1"],
        "treaty": ["Treaty 0", "Treaty 1", "Treaty 2"],
    }


@pytest.mark.django_db
def test_the_feed_lists_only_what_its_filter_asks_for(client):
    expected = two_kinds()
    for kind, titles in expected.items():
        title, _, entries = parse(client.get(f"/treaties/feed/?kind={kind}"))
        assert f"kind={kind}" in title
        assert entries == titles


@pytest.mark.django_db
def test_the_feeds_self_link_keeps_the_filter(client):
    two_kinds()
    _, self_link, _ = parse(client.get("/treaties/feed/?kind=alliance&party=az"))
    assert self_link == "http://testserver/treaties/feed/?kind=alliance&party=az"
    _, self_link, _ = parse(client.get("/treaties/feed/"))
    assert self_link == "http://testserver/treaties/feed/"


@pytest.mark.django_db
def test_an_invalid_feed_filter_is_the_same_400_as_the_list_page(client):
    world()
    feed = client.get("/treaties/feed/?kind=nonsense")
    page = client.get("/treaties/?kind=nonsense")
    assert feed.status_code == page.status_code == 400
    assert feed["Content-Type"] == page["Content-Type"]
    errors = [ERROR.findall(response.content.decode()) for response in (feed, page)]
    assert errors[0] == errors[1] and "nonsense" in errors[0][0]
    # The filter form on it submits back to the feed, so a corrected filter gives the feed.
    assert 'action="/treaties/feed/"' in feed.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_readers_each_get_their_own_filters_feed():
    """Readers of two filters at once: each response carries its own title and entries.

    The nonce in each query makes every request distinct, as feed readers' URLs are
    to anything that keeps per-request state where another thread can see it.
    """
    expected = two_kinds()
    threads, requests_each = 8, 25

    def read(thread: int) -> list[str]:
        client = Client()
        wrong = []
        try:
            for n in range(requests_each):
                kind = "alliance" if (thread + n) % 2 else "treaty"
                query = f"kind={kind}&n={thread}-{n}"
                response = client.get(f"/treaties/feed/?{query}")
                title, self_link, entries = parse(response)
                if (
                    response.status_code != 200
                    or not title.endswith(f"({query})")
                    or not self_link.endswith(f"?{query}")
                    or entries != expected[kind]
                ):
                    wrong.append(f"{query}: {response.status_code} {title!r} {entries}")
        finally:
            connections.close_all()
        return wrong

    # Switch threads often, so requests interleave as they do under a busy server.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(threads) as pool:
            wrong = [line for lines in pool.map(read, range(threads)) for line in lines]
    finally:
        sys.setswitchinterval(interval)
    assert wrong == [], f"{len(wrong)} of {threads * requests_each} responses: {wrong[:5]}"
