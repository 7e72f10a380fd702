"""Uncached pages measured in one process, without a server or the network:
what a page costs Django and the database, the page cache off.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 DEBUG=1 \
        .venv/bin/python manage.py generate_synthetic --treaties 10000 --seed 1
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python tests/benchmarks/inprocess.py

Run from the checkout to measure (its code is imported). Prints the median
and the 90th percentile of ``--requests`` requests per page, after a warm-up.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DEBUG", "1")
os.environ["PAGE_CACHE_SECONDS"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import logging  # noqa: E402

from django.conf import settings  # noqa: E402

# DEBUG=1 only spares the static files manifest: measured as production runs,
# without the query log and the SQL written to the console.
settings.DEBUG = False
logging.disable(logging.WARNING)

from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from diplomacy.models import Treaty, TreatyParty  # noqa: E402


def pages() -> list[tuple[str, str]]:
    published = Treaty.objects.published()
    year = (
        published.filter(kind="agreement", signed_on__isnull=False)
        .values_list("signed_on__year", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    busiest = (
        TreatyParty.objects.values_list("state__code", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n")[:2]
    )
    a, b = (code.lower() for code in busiest)
    treaty = published.order_by("pk")[published.count() // 2]
    return [
        ("/healthz", "/healthz"),
        ("treaty list", "/treaties/"),
        ("treaties by year and kind", f"/treaties/?year={year}&kind=agreement"),
        ("treaties of two parties", f"/treaties/?party={a}&party={b}"),
        ("treaties by search text", "/treaties/?q=cooperation+agreement"),
        ("treaty page", treaty.get_absolute_url()),
        ("API treaty list", "/api/v1/treaties/"),
        # Membership over time (SPEC 3.10): the date filters and relations on a date.
        ("treaties in force on a date", "/treaties/?in_force_on=2010-06-30"),
        ("in force for two parties", f"/treaties/?in_force_on=2010-06-30&party={a}&party={b}"),
        ("relations page on a date", f"/relations/{a}/{b}/?on=2010-06-30"),
        ("relations API on a date", f"/api/v1/relations/{a}/{b}/?on=2010-06-30"),
        ("state page", f"/states/{a}/"),
        # Commitments (SPEC 3.11): a rare kind, and two kinds together.
        ("treaties by commitment", "/treaties/?commitment=defence"),
        ("by two commitments", "/treaties/?commitment=defence&commitment=consultation"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    client = Client()
    print(f"{'page':32} {'first ms':>9} {'p50 ms':>8} {'p90 ms':>8}")
    for label, url in pages():
        # The first request fills the derived caches (a relation, a state's
        # partners) kept until the data changes: what the first reader waits.
        started = time.perf_counter()
        assert client.get(url).status_code == 200, url
        first = (time.perf_counter() - started) * 1000
        for _ in range(args.warmup):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        deciles = statistics.quantiles(times, n=10)
        median, p90 = statistics.median(times), deciles[8]
        print(f"{label:32} {first:9.1f} {median:8.2f} {p90:8.2f}", flush=True)


if __name__ == "__main__":
    main()
