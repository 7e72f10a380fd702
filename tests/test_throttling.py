"""An anonymous API client gets its budget (``API_ANON_RATE``) and no more.

Issue 15: with 600/minute, one address got 1,401 answers in 20 s from 32
connections, because the count was read, changed and written back by each
request in turn. The budget must hold however many requests arrive at once,
and per client address: a made-up X-Forwarded-For header is not a new client.
"""

import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.locmem import LocMemCache
from django.test import RequestFactory
from rest_framework.settings import api_settings

pytestmark = pytest.mark.django_db

BUDGET = 40


@pytest.fixture
def throttle_class(monkeypatch):
    """The anonymous throttle the API is configured with, at a small budget."""
    (throttle_class,) = api_settings.DEFAULT_THROTTLE_CLASSES
    monkeypatch.setattr(throttle_class, "THROTTLE_RATES", {"anon": f"{BUDGET}/minute"})
    return throttle_class


def anonymous_request(address: str = "198.51.100.7", **headers):
    request = RequestFactory().get("/api/v1/states/", REMOTE_ADDR=address, headers=headers)
    request.user = AnonymousUser()
    return request


class NetworkCache(LocMemCache):
    """The local-memory cache with a network's delay on every read, as the
    shared cache (Redis) has: each command is atomic, but other clients' commands
    run between a read and the write that follows it."""

    def get(self, *args, **kwargs):
        value = super().get(*args, **kwargs)
        time.sleep(0.0005)
        return value


@pytest.fixture
def network_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": f"{__name__}.NetworkCache", "LOCATION": "throttle-race"}
    }


def test_concurrent_requests_from_one_address_never_exceed_the_budget(
    throttle_class, network_cache
):
    threads, attempts = 16, 3 * BUDGET // 16 + 5
    start = threading.Barrier(threads)
    allowed = []
    lock = threading.Lock()

    def client():
        start.wait()
        mine = 0
        for _ in range(attempts):
            # A throttle instance per request, as DRF makes one per request.
            if throttle_class().allow_request(anonymous_request(), view=None):
                mine += 1
        with lock:
            allowed.append(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert threads * attempts > 2 * BUDGET
    assert 0 < sum(allowed) <= BUDGET


def test_a_throttled_client_is_told_when_to_come_back(client, throttle_class):
    codes = [client.get("/api/v1/states/").status_code for _ in range(BUDGET)]
    assert set(codes) == {200}
    refused = client.get("/api/v1/states/")
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"].lower()
    # About a minute: the requests it was answered are counted per twentieth of one.
    assert 0 < int(refused["Retry-After"]) <= 63


def test_a_made_up_forwarded_for_header_is_not_a_new_budget(client, throttle_class):
    """No proxy is configured (AXES_PROXY_COUNT=0): the client is its socket's address."""
    codes = [
        client.get(
            "/api/v1/states/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(BUDGET + 5)
    ]
    assert codes.count(200) == BUDGET
    assert codes[-1] == 429


def test_each_address_has_its_own_budget(client, throttle_class):
    for _ in range(BUDGET):
        client.get("/api/v1/states/", REMOTE_ADDR="203.0.113.5")
    assert client.get("/api/v1/states/", REMOTE_ADDR="203.0.113.5").status_code == 429
    assert client.get("/api/v1/states/", REMOTE_ADDR="203.0.113.6").status_code == 200


class Clock:
    now = 1_000_020.0  # a whole number of minutes: t=0 starts a minute


@pytest.fixture
def clock(throttle_class, monkeypatch):
    """The throttle's clock, moved by the test (DRF throttles read ``timer``)."""
    monkeypatch.setattr(throttle_class, "timer", staticmethod(lambda: Clock.now))
    start = Clock.now

    def at(seconds: float) -> None:
        Clock.now = start + seconds

    yield at
    Clock.now = start


def answered(throttle_class, count: int) -> int:
    return sum(throttle_class().allow_request(anonymous_request(), view=None) for _ in range(count))


def test_the_budget_does_not_start_afresh_at_a_minute_boundary(throttle_class, clock):
    """Any 60 s hold at most the budget: a fixed per-minute window would answer
    the budget twice within a second across its boundary."""
    clock(59.9)
    assert answered(throttle_class, BUDGET) == BUDGET
    clock(60.1)
    assert answered(throttle_class, 5) == 0
    clock(119.8)
    assert answered(throttle_class, 5) == 0
    clock(123.0)
    assert answered(throttle_class, BUDGET + 5) == BUDGET


def test_refused_requests_do_not_use_up_the_next_budget(throttle_class, clock):
    """Only answered requests count: hammering while refused does not shrink the
    budget the client gets back once its answered requests are a minute old."""
    clock(0)
    assert answered(throttle_class, BUDGET) == BUDGET
    clock(30)
    assert answered(throttle_class, 100) == 0
    throttle = throttle_class()
    assert not throttle.allow_request(anonymous_request(), view=None)
    assert 30 <= throttle.wait() <= 33  # the answered requests leave the window then
    clock(63.5)
    assert answered(throttle_class, BUDGET + 5) == BUDGET
