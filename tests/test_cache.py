"""The derived-value cache: one computation per data version, however many ask at once."""

import threading
import time

import pytest
from django.core.cache import cache  # emptied before each test (conftest)

from diplomacy import cache as derived


def test_requests_that_ask_at_once_wait_for_one_computation():
    calls = []
    started = threading.Event()

    def compute():
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return {"partners": 211}

    results = []

    def ask():
        results.append(derived.cached("slow", compute))

    first = threading.Thread(target=ask)
    first.start()
    started.wait(5)
    others = [threading.Thread(target=ask) for _ in range(4)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(10)
    assert len(calls) == 1
    assert results == [{"partners": 211}] * 5


def test_an_edit_means_a_new_computation():
    values = iter([1, 2])
    assert derived.cached("count", lambda: next(values)) == 1
    assert derived.cached("count", lambda: next(values)) == 1
    derived.bump_version()
    assert derived.cached("count", lambda: next(values)) == 2


def test_a_failed_computation_leaves_no_lock_behind():
    def fail():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        derived.cached("flaky", fail)
    assert derived.cached("flaky", lambda: "recovered") == "recovered"


def test_a_stale_lock_is_waited_for_only_so_long(monkeypatch):
    monkeypatch.setattr(derived, "COMPUTE_WAIT", 0.2)
    full_key = f"derived:{derived.data_version()}:orphaned"
    cache.add(f"computing:{full_key}", 1, 60)  # a process died while computing
    started = time.monotonic()
    assert derived.cached("orphaned", lambda: "computed here") == "computed here"
    assert time.monotonic() - started < 5


def test_none_is_a_value_like_any_other():
    calls = []

    def compute():
        calls.append(1)

    assert derived.cached("nothing", compute) is None
    derived._local.clear()  # another process: reads the shared cache
    assert derived.cached("nothing", compute) is None
    assert len(calls) == 1


@pytest.mark.django_db
def test_what_is_cached_before_an_edit_commits_is_not_read_after_it(
    django_capture_on_commit_callbacks,
):
    from tests.factories import TreatyFactory

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        TreatyFactory(title="First")
        TreatyFactory(title="Second")
        # Another request, reading before the commit, caches what it saw then.
        assert derived.cached("latest", lambda: "before the commit") == "before the commit"
    assert [c for c in callbacks if c is derived.bump_version] == [
        derived.bump_version
    ]  # once per transaction, however many records it wrote
    assert derived.cached("latest", lambda: "after the commit") == "after the commit"


def test_each_release_keeps_its_own_cache_keys(tmp_path, monkeypatch):
    """Pages, rendered parts and pickled values made by older code are never
    read by newer code: the cache keys carry a fingerprint of the release."""
    from config import settings as project_settings

    (tmp_path / "diplomacy").mkdir()
    (tmp_path / "templates").mkdir()
    view = tmp_path / "diplomacy" / "views.py"
    page = tmp_path / "templates" / "page.html"
    view.write_text("def view(): ...\n")
    page.write_text("<p>{{ partners }}</p>\n")
    monkeypatch.setattr(project_settings, "BASE_DIR", tmp_path)
    release = project_settings._release_fingerprint()
    (tmp_path / "notes.md").write_text("not code")
    assert project_settings._release_fingerprint() == release
    page.write_text("<ul>{{ partners }}</ul>\n")
    changed_template = project_settings._release_fingerprint()
    view.write_text("def view(): return 1\n")
    assert len({release, changed_template, project_settings._release_fingerprint()}) == 3
