"""Lists sort by a column when its heading is clicked (the ``ordering`` parameter)."""

import re

import pytest

from diplomacy.choices import TreatyKind, TreatyStatus
from tests.factories import TreatyFactory
from tests.helpers import world


@pytest.fixture
def w(db):
    return world()


def titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/treaties/[^"]+/">([^<]+)</a>', html)


def test_column_headings_link_each_sort_and_say_which_is_active(client, w):
    TreatyFactory(title="B", kind=TreatyKind.ALLIANCE, parties=[w["az"], w["uz"]])
    html = client.get("/treaties/?party=uz").content.decode()
    assert '<a href="?party=uz&amp;ordering=title">Title' in html
    assert '<a href="?party=uz&amp;ordering=kind">Kind' in html
    assert '<a href="?party=uz&amp;ordering=status">Status' in html
    # The default order is newest first: the date heading says so and reverses it.
    assert re.search(
        r'<th scope="col" aria-sort="descending">'
        r'<a href="\?party=uz&amp;ordering=signed_on">Signed',
        html,
    )
    html = client.get("/treaties/?party=uz&ordering=title").content.decode()
    assert re.search(
        r'<th scope="col" aria-sort="ascending"><a href="\?party=uz&amp;ordering=-title">Title',
        html,
    )


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["A", "B", "C"]),
        ("-title", ["C", "B", "A"]),
        ("kind", ["B", "C", "A"]),  # agreement, alliance, memorandum
        ("status", ["C", "A", "B"]),  # in force, signed, terminated
    ],
)
def test_a_heading_sorts_the_list(client, w, ordering, expected):
    TreatyFactory(title="A", kind=TreatyKind.MEMORANDUM, status=TreatyStatus.SIGNED)
    TreatyFactory(title="B", kind=TreatyKind.AGREEMENT, status=TreatyStatus.TERMINATED)
    TreatyFactory(title="C", kind=TreatyKind.ALLIANCE, status=TreatyStatus.IN_FORCE)
    assert titles(client.get(f"/treaties/?ordering={ordering}").content.decode()) == expected
    rows = client.get(f"/api/v1/treaties/?ordering={ordering}").json()["results"]
    assert [row["title"] for row in rows] == expected
