"""The caches of the register (``diplomacy.caching``): derived values are
computed once per data version however many ask at once, every change makes
a new version, and pages tell the caches in front of the site what to keep."""

import re
import threading

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client, override_settings

from diplomacy import caching
from diplomacy.caching import stores
from diplomacy.caching.settings import release_fingerprint
from diplomacy.models import Treaty
from tests.factories import TreatyFactory
from tests.helpers import alliance, in_thread, world

pytestmark = pytest.mark.django_db


def test_requests_that_ask_at_once_wait_for_one_computation():
    calls = []
    started = threading.Event()
    release = threading.Event()

    def compute():
        calls.append(1)
        started.set()
        release.wait(10)
        return {"partners": 211}

    results = []

    def ask():
        results.append(caching.cached("slow", compute))

    first = in_thread(ask)
    started.wait(10)
    others = [in_thread(ask) for _ in range(4)]
    release.set()
    for thread in [first, *others]:
        thread.join(20)
    assert len(calls) == 1
    assert results == [{"partners": 211}] * 5


def test_an_edit_means_a_new_computation():
    values = iter([1, 2])
    assert caching.cached("count", lambda: next(values)) == 1
    assert caching.cached("count", lambda: next(values)) == 1
    TreatyFactory()
    assert caching.cached("count", lambda: next(values)) == 2


def test_a_bulk_write_shows_once_it_says_the_data_changed():
    treaty = TreatyFactory(title="Before")

    def titles():
        return list(Treaty.objects.values_list("title", flat=True))

    assert caching.cached("titles", titles) == ["Before"]
    with transaction.atomic():
        Treaty.objects.filter(pk=treaty.pk).update(title="After")  # no signal
        caching.data_changed()
    assert caching.cached("titles", titles) == ["After"]


def test_what_a_rolled_back_edit_cached_is_never_read_again():
    """The writer reads its own change inside its transaction; if that rolls
    back, the next edit must not find what was cached meanwhile."""

    def titles():
        return sorted(Treaty.objects.values_list("title", flat=True))

    assert caching.cached("titles", titles) == []
    with pytest.raises(RuntimeError), transaction.atomic():
        TreatyFactory(title="Rolled back")
        assert caching.cached("titles", titles) == ["Rolled back"]
        raise RuntimeError("the request failed")
    assert caching.cached("titles", titles) == []
    TreatyFactory(title="Committed")
    assert caching.cached("titles", titles) == ["Committed"]


def test_a_failed_computation_leaves_no_lock_behind():
    def fail():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        caching.cached("flaky", fail)
    assert caching.cached("flaky", lambda: "recovered") == "recovered"


def test_a_computation_that_never_ends_is_waited_for_only_so_long(monkeypatch):
    monkeypatch.setattr(stores, "COMPUTE_WAIT", 0.2)
    stuck = threading.Event()
    release = threading.Event()

    def never_ends():
        stuck.set()
        release.wait(20)  # a process that hangs while computing
        return "too late"

    hung = in_thread(lambda: caching.cached("orphaned", never_ends))
    try:
        stuck.wait(10)
        assert caching.cached("orphaned", lambda: "computed here") == "computed here"
    finally:
        release.set()
        hung.join(20)


def test_none_is_a_value_like_any_other():
    calls = []

    def compute():
        calls.append(1)

    assert caching.cached("nothing", compute) is None
    caches[stores.VALUES].clear()  # as in another process: the shared cache has it
    assert caching.cached("nothing", compute) is None
    assert len(calls) == 1


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_request_reads_the_data_version_before_any_data(client, editor, signed_in):
    """What a request caches is never older than the version it keys it by:
    the version is read first (and once), whoever asks."""
    from django.test.utils import CaptureQueriesContext

    w = world()
    alliance(w)
    if signed_in:
        client.force_login(editor)
    for url in ("/states/uz/", "/treaties/", "/api/v1/treaties/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        reads = [q["sql"] for q in queries.captured_queries if "dataversion" in q["sql"]]
        data = [q["sql"] for q in queries.captured_queries if "diplomacy_" in q["sql"]]
        assert len(reads) == 1 and data[0] == reads[0], url


@override_settings(PAGE_CACHE_SECONDS=600)
def test_anonymous_pages_are_cached_here_and_may_be_cached_in_front():
    w = world()
    treaty = alliance(w)
    first = Client().get("/treaties/")
    second = Client().get("/treaties/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    for response in (first, second):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=0", "s-maxage=600"}
        assert "Cookie" in response["Vary"]

    treaty.title = "Treaty on Allied Relations and Friendship"
    treaty.save()
    after = Client().get("/treaties/")
    assert after["X-Cache"] == "miss"
    assert "Treaty on Allied Relations and Friendship" in after.content.decode()


@override_settings(PAGE_CACHE_SECONDS=600)
def test_signed_in_pages_are_never_kept_by_a_shared_cache(editor_client):
    w = world()
    alliance(w)
    draft = TreatyFactory(title="Secret accord", is_published=False, parties=[w["az"], w["uz"]])
    for url in ("/treaties/", draft.get_absolute_url()):
        response = editor_client.get(url)
        assert response.status_code == 200
        assert "X-Cache" not in response
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives and "public" not in directives
    assert "Secret accord" not in Client().get("/treaties/").content.decode()


@override_settings(PAGE_CACHE_SECONDS=0)
def test_without_the_page_cache_pages_say_nothing_to_caches_in_front(client):
    alliance(world())
    response = client.get("/treaties/")
    assert "X-Cache" not in response
    assert "public" not in response.get("Cache-Control", "")


@override_settings(PAGE_CACHE_SECONDS=600)
def test_clear_all_empties_every_cache():
    alliance(world())
    Client().get("/treaties/")
    assert Client().get("/treaties/")["X-Cache"] == "hit"
    caching.clear_all()
    assert Client().get("/treaties/")["X-Cache"] == "miss"


def test_each_release_keeps_its_own_cache_keys(tmp_path):
    """Pages, rendered parts and pickled values made by older code are never
    read by newer code: the cache keys carry a fingerprint of the release."""
    (tmp_path / "diplomacy").mkdir()
    (tmp_path / "templates").mkdir()
    view = tmp_path / "diplomacy" / "views.py"
    page = tmp_path / "templates" / "page.html"
    view.write_text("def view(): ...\n")
    page.write_text("<p>{{ partners }}</p>\n")
    release = release_fingerprint(tmp_path)
    (tmp_path / "notes.md").write_text("not code")
    assert release_fingerprint(tmp_path) == release
    page.write_text("<ul>{{ partners }}</ul>\n")
    changed_template = release_fingerprint(tmp_path)
    view.write_text("def view(): return 1\n")
    changed_code = release_fingerprint(tmp_path)
    # The world map's shapes: data the pages are drawn from.
    (tmp_path / "diplomacy" / "shapes.json").write_text('{"AZ": "M0 0"}')
    changed_data = release_fingerprint(tmp_path)
    assert len({release, changed_template, changed_code, changed_data}) == 4


def selected_states(html: str) -> set[str]:
    """The states (by name) a state filter's inputs show chosen."""
    return set(re.findall(r'<input[^>]*name="party"[^>]*value="([^"]+)"', html))


def state_options(html: str) -> dict[str, str]:
    """The state inputs' suggestions: each state's name and code."""
    datalist = re.search(r'<datalist id="state-names">.*?</datalist>', html, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]+)">([^<]*)</option>', datalist))


def test_an_edited_state_shows_at_once_in_list_rows_and_filters(client):
    """The states that list rows and filter forms are made from are kept per
    process between requests: an edit still shows on the next request."""
    w = world()
    alliance(w)
    for url in ("/treaties/", "/treaties/?party=az"):  # kept, and read again
        assert "Azerbaijan" in client.get(url).content.decode()
        assert "Azerbaijan" in client.get(url).content.decode()
    w["az"].name = "Aserbaidschan"
    w["az"].save()
    w["kz"].is_published = False
    w["kz"].save()
    listed = client.get("/treaties/").content.decode()
    filtered = client.get("/treaties/?party=az").content.decode()
    for html in (listed, filtered):
        assert "Aserbaidschan" in html
        assert "Azerbaijan" not in html
    assert state_options(filtered) == {"Aserbaidschan": "AZ", "Uzbekistan": "UZ"}
    assert selected_states(filtered) == {"Aserbaidschan"}


def test_each_filtered_page_shows_its_own_states_chosen(client):
    w = world()
    alliance(w)
    az, uz = {"Azerbaijan"}, {"Uzbekistan"}
    assert selected_states(client.get("/treaties/?party=az").content.decode()) == az
    assert selected_states(client.get("/treaties/?party=uz").content.decode()) == uz
    both = client.get("/treaties/?party=UZ&party=az").content.decode()
    assert selected_states(both) == az | uz
    assert selected_states(client.get("/treaties/?party=az").content.decode()) == az
    # Another list's state filter (a visit's host) is its own input.
    hosted = client.get("/visits/?host=uz").content.decode()
    assert re.search(r'<input[^>]*name="host"[^>]*value="Uzbekistan"', hosted)
