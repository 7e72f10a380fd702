"""The anonymous API budget (``API_ANON_RATE``), counted atomically in the shared cache.

DRF's ``AnonRateThrottle`` reads a list of timestamps from the cache, appends
one and writes it back: concurrent requests from one address each read the
same list, and all but one of their writes are lost (issue 15: 1,401 answers in
20 s on a budget of 600 a minute). Here each request is one atomic ``incr`` of
a counter, on Redis as in the local-memory cache, so the budget holds however
many requests arrive at once.

The period is counted in twentieths: a request is answered while the requests
answered in the current twentieth and the twenty before it, which together
cover at least the whole period, stay within the budget. So no period-long
stretch of time (any 60 s for ``600/minute``) ever holds more than the budget,
at a window boundary too, where a fixed window would allow twice the budget.
A client that keeps to the budget evenly gets at least 20/21 of it.
"""

import contextlib
import math

from rest_framework.throttling import AnonRateThrottle


class AtomicAnonRateThrottle(AnonRateThrottle):
    """``AnonRateThrottle``'s rate, scope and client address, with atomic counts."""

    slices = 20

    retry_after: float | None = None

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True

        step = self.duration / self.slices
        now = self.timer()
        current = int(now // step)
        window = range(current - self.slices, current + 1)
        keys = {number: f"{self.key}:{number}" for number in window}
        counts = self.cache.get_many(keys.values())
        earlier = sum(counts.get(keys[number], 0) for number in window[:-1])
        # A counter lives until its twentieth has left every window that reads it.
        lifetime = math.ceil(self.duration + 2 * step)
        answered = self.count_request(keys[current], lifetime, exists=keys[current] in counts)
        if earlier + answered <= self.num_requests:
            return True

        # Refused requests are not counted, as in DRF's throttles: hammering
        # while refused does not push the client's next answer further away.
        with contextlib.suppress(ValueError):  # the counter was evicted meanwhile
            self.cache.decr(keys[current])
        counts[keys[current]] = answered - 1
        self.retry_after = self.time_until_room(counts, keys, window, step, now)
        return False

    def count_request(self, key: str, lifetime: int, exists: bool) -> int:
        """Count one request in the counter ``key``; its new value."""
        if not exists:
            self.cache.add(key, 0, lifetime)
        try:
            return self.cache.incr(key)
        except ValueError:
            # Evicted between add and incr (a full cache): start it again.
            if self.cache.add(key, 1, lifetime):
                return 1
            return self.cache.incr(key)

    def time_until_room(self, counts, keys, window, step, now) -> float:
        """Seconds until the oldest counted twentieths have left the window and
        one more request fits in the budget."""
        total = sum(counts.get(keys[number], 0) for number in window)
        for number in window:
            total -= counts.get(keys[number], 0)
            if total < self.num_requests:
                return (number + self.slices + 1) * step - now
        return float(self.duration)

    def wait(self) -> float | None:
        return self.retry_after
