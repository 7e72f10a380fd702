"""Hostile pagination input on every list: never a server error.

Forged cursors (random bytes, JSON of the wrong shape or types, dates out of
range, NUL, lone surrogates, huge and negative keys, a cursor of one sort used
with another), page numbers that only look like numbers (``²`` passes
``str.isdigit``, an Arabic-Indic one passes ``int``) and page sizes outside the documented
range, on every list page and API list. Each answer is below 500, and a 400
says what was wrong. The values are drawn from a seeded generator, so every
run sends the same requests.
"""

import base64
import json
import random
import re
from collections import Counter
from urllib.parse import quote

import pytest
from django.test import Client

from tests.factories import ProjectFactory, TreatyFactory, VisitFactory
from tests.helpers import populate, world

pytestmark = pytest.mark.django_db

# Each list and the orderings worth trying on it: its own, another list's, none, nonsense.
PAGES = {
    "/treaties/": ["", "signed_on", "-signed_on", "title", "-title", "start_on", "value"],
    "/visits/": ["", "start_on", "-start_on", "title", "-title", "signed_on", "name"],
    "/projects/": ["", "start_on", "-start_on", "name", "-name", "value", "-value", "title"],
    "/states/": ["", "name", "-name", "pk", "value"],
}
API = {
    "/api/v1/treaties/": PAGES["/treaties/"],
    "/api/v1/visits/": PAGES["/visits/"],
    "/api/v1/projects/": PAGES["/projects/"],
    "/api/v1/states/": PAGES["/states/"],
    "/api/v1/people/": ["", "name", "-name", "pk", "-pk", "signed_on"],
    "/api/v1/organizations/": ["", "name", "-name", "pk", "title"],
    "/api/v1/sectors/": ["", "name", "-name", "-pk", "value"],
    "/api/v1/sources/": ["", "title", "-title", "pk", "name"],
}

ODD_PAGES = ["0", "-1", "%C2%B2", "%D9%A1", "1e3", "1.0", "%201", "1_0", "0x10", "abc", "",
             "9" * 40, "99999999999", "00000000000000000000000001", "%EF%BC%91", "+1"]  # fmt: skip
ODD_PAGE_SIZES = ["0", "-1", "201", "1000", "9" * 40, "%C2%B2", "%D9%A1", "1.5", "abc", "",
                  "%201", "1_0", "200", "1"]  # fmt: skip

ODD_VALUES = [
    "99999-01-01", "0000-01-01", "2024-13-01", "2024-02-30", "2024-01-01T00:00:00", " 2024-01-01",
    "x", "", "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "1e999999", "-1e999999", "NaN",
    "Infinity", "-0", "\u0661\u0662\u0663", "9" * 400, "1" * 5000, "9999-12-31", "0001-01-01",
    10**30, -(10**30), 2**63, -1, 0, 1.5, 1e308, float("nan"), float("inf"),
    True, None, [], ["2024-01-01"], {"v": 1},
]  # fmt: skip
ODD_KEYS = [1, 0, -1, -(2**63), 2**63 - 1, 2**63, 10**30, -(10**30), "1", 1.0, True, None, [1]]


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged_cursors(seed: str) -> list[str]:
    """Cursors no response ever gave, the same ones on every run."""
    rng = random.Random(seed)
    cursors = [
        encode(rng.randbytes(rng.randint(1, 60))),
        encode(b"not json"),
        encode(b"\xff\xfe\x00"),
        "%%%",
        "!!!!",
        "a",
        "\u00e9t\u00e9",
        encode(json.dumps([1, 2]).encode()),
        encode(b"null"),
        encode(json.dumps({"v": "2024-01-01"}).encode()),
    ]
    for _ in range(18):
        payload = {"v": rng.choice(ODD_VALUES), "pk": rng.choice(ODD_KEYS)}
        if rng.random() < 0.3:
            payload["r"] = rng.choice([1, 0, "yes", None, []])
        # ``json.dumps`` writes NaN and Infinity as JavaScript does; ``json.loads`` reads them.
        cursors.append(encode(json.dumps(payload).encode("utf-8", "surrogatepass")))
    return cursors


@pytest.fixture
def records():
    w = world()
    populate(w, 3)
    # Empty sort values, which sort last and have cursors of their own.
    TreatyFactory(slug="undated", title="Undated", signed_on=None, parties=[w["az"], w["uz"]])
    VisitFactory(slug="undated-visit", host=w["az"], guest=w["kz"], start_on=None)
    ProjectFactory(slug="no-value", value_amount=None, value_currency="", start_on=None)
    return w


def has_a_message(response) -> bool:
    """A 400 says what was wrong: a JSON body with a message, or a page with an error summary."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return bool(body) and bool(re.search(r"[A-Za-z]{3}", json.dumps(body)))
    text = response.content.decode()
    return 'class="error-summary"' in text or response["Content-Type"].startswith("text/plain")


def hostile_requests(url: str, orderings: list[str], api: bool) -> list[str]:
    rng = random.Random(url)
    queries = []
    for cursor in forged_cursors(url):
        ordering = rng.choice(orderings)
        # "%%%" goes as it is (a malformed escape); the rest are quoted.
        query = f"cursor={cursor}" if "%" in cursor else f"cursor={quote(cursor, safe='')}"
        queries.append(f"ordering={ordering}&{query}" if ordering else query)
    # A real cursor of one sort sent with another.
    for ordering in orderings:
        queries.append(f"ordering={ordering}&cursor={{real}}")
    if api:
        queries += [f"page_size={size}" for size in ODD_PAGE_SIZES]
    else:
        queries += [f"page={page}" for page in ODD_PAGES]
        queries += [f"page={page}&cursor={{real}}" for page in ODD_PAGES[:4]]
    return queries


def real_cursor(client, url: str, ordering: str) -> str:
    """A cursor a response gave: for the API the next link of a one-row page."""
    api_url = url if url.startswith("/api/") else f"/api/v1{url}"
    body = client.get(f"{api_url}?page_size=1&ordering={ordering}").json()
    link = body.get("next") or ""
    found = re.search(r"cursor=([^&]+)", link)
    return found.group(1) if found else "e30"


@pytest.mark.parametrize(
    ("url", "orderings"), [*PAGES.items(), *API.items()], ids=[*PAGES, *API]
)  # fmt: skip
def test_hostile_pagination_never_gives_a_server_error(records, url, orderings):
    # A server error is counted as a response, not raised, so that one run finds them all.
    client = Client(raise_request_exception=False)
    real = {ordering: real_cursor(client, url, ordering) for ordering in orderings}
    api = url.startswith("/api/")
    failures, statuses = [], Counter()
    for query in hostile_requests(url, orderings, api):
        ordering = re.match(r"ordering=([^&]*)", query)
        query = query.replace("{real}", real[ordering.group(1) if ordering else ""])
        response = client.get(f"{url}?{query}")
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append((query, response.status_code))
        elif response.status_code == 400 and not has_a_message(response):
            failures.append((query, "400 without a message"))
    print(f"{url}: {statuses.total()} requests {dict(statuses)}, {len(failures)} failures")
    assert failures == []
    assert statuses[400] >= 30
