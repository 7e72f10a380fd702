"""The load benchmark behind ``make bench`` (not part of ``make test``).

For each size it makes (or reuses) a PostgreSQL database of synthetic data,
then starts the production-style server (gunicorn, DEBUG off) for every size at
once, two per size: the normal one, and one with the page cache off
(``PAGE_CACHE_SECONDS=0``, everything else identical) that serves the
"uncached" rows, i.e. what a real anonymous visitor costs on a page-cache miss.
wrk drives each endpoint from a second process with the sizes interleaved
(small, large, large, small, for each round) so the two sizes and /healthz are
measured close in time, and the table gives the median requests per second and
p50/p95 latency, the ratio to /healthz, and the p50 ratio of the large size to
the small one. Every size uses the same year, pair of states and mid-size state
(taken from the small database), so the filtered pages compare like with like.
Timing is the machine's: read the ratios, not the absolute numbers.
"""

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LUA = str(Path(__file__).with_name("report.lua"))
REDIS = ("127.0.0.1", 6379)
# Redis databases of the benchmark, one per size (flushed at the start): the
# derived caches (a state's partners, a relation) are keyed by the data version
# and the record's pk, not by the database, so two sizes must never share one.
REDIS_FIRST_DB = 5
WARM_UP = (1, 4)  # seconds, connections


def run(*args, env=None, capture=False):
    result = subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, capture_output=capture)
    return result.stdout if capture else None


def django_env(database: str, redis_db: int | None = None, **extra) -> dict:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DATABASE_URL": f"{PG}/{database}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # DRF's throttle keeps every request time of the minute in the cache;
            # at thousands of requests a second that list, not the view, is measured.
            "API_ANON_RATE": "none",
            **extra,
        }
    )
    if redis_db is not None:
        env["REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/{redis_db}"
    return env


def redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


def redis_flush(db: int) -> None:
    with socket.create_connection(REDIS, timeout=5) as connection:
        connection.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = connection.recv(1024)
            if not chunk:
                break
            reply += chunk
    if reply != b"+OK\r\n+OK\r\n":
        raise RuntimeError(f"could not flush Redis database {db}: {reply!r}")


def psql(sql: str, database: str = "postgres") -> str:
    return run("psql", f"{PG}/{database}", "-tAc", sql, capture=True).strip()


def ensure_database(size: int, fresh: bool) -> str:
    name = f"diplomacy_bench_{size}"
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if exists and not fresh:
        try:
            count = psql(
                "SELECT count(*) FROM diplomacy_treaty WHERE slug LIKE 'synthetic-%'", name
            )
        except subprocess.CalledProcessError:
            count = ""  # an unfinished database from an interrupted run
        if count.isdigit() and int(count) == size:
            print(f"reusing {name} ({size:,} treaties)", flush=True)
            env = django_env(name, DEBUG="1")
            pending = subprocess.run(
                [PYTHON, "manage.py", "migrate", "--check", "-v0"], cwd=ROOT, env=env,
                capture_output=True,
            ).returncode  # fmt: skip
            if pending:  # a schema older than the code would be measured as errors
                print(f"applying the pending migrations to {name}", flush=True)
                run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
            return name
    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    env = django_env(name, DEBUG="1")
    run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    started = time.monotonic()
    run(
        PYTHON, "manage.py", "generate_synthetic", "--treaties", str(size),
        "--visits", str(max(size // 10, 100)), "--projects", str(max(size // 10, 100)),
        "--seed", "1", env=env,
    )  # fmt: skip
    print(f"generated {size:,} treaties in {time.monotonic() - started:.0f} s", flush=True)
    return name


def django_json(database: str, script: str, **extra) -> dict:
    env = django_env(database, **extra)
    out = run(PYTHON, "manage.py", "shell", "-c", script, env=env, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def shared_targets(database: str) -> dict:
    """Keys taken from the small database and used at every size, so each size
    answers the same question: the year with the most agreements, the two
    busiest states, a state of median activity (by treaty party rows), and a
    list page as deep as the small database has (200 at most)."""
    script = r"""
import json
from django.db.models import Count
from django.db.models.functions import ExtractYear
from diplomacy.models import Treaty, TreatyParty
from diplomacy.views.lists import TreatyListView
pages = Treaty.objects.published().count() // TreatyListView.paginate_by
years = (
    Treaty.objects.published().filter(kind="agreement").exclude(signed_on=None)
    .annotate(y=ExtractYear("signed_on")).values("y").annotate(n=Count("pk"))
    .order_by("-n", "-y")
)
states = list(
    TreatyParty.objects.values_list("state__iso2", flat=True)
    .annotate(n=Count("pk")).order_by("-n", "state__iso2")
)
print(json.dumps({"year": years[0]["y"] if years else 2015, "a": states[0].lower(),
                  "b": states[1].lower(), "mid": states[len(states) // 2].lower(),
                  "page": max(1, min(200, pages))}))
"""
    return django_json(database, script)


def own_targets(database: str, shared: dict) -> dict:
    """Keys that are this database's own: a treaty and a deep cursor; and, for
    the record, how many rows the shared keys match here."""
    script = r"""
import json, os
from diplomacy.models import Treaty, TreatyParty
from diplomacy.pagination import encode_cursor
shared = json.loads(os.environ["BENCH_SHARED"])
published = Treaty.objects.published()
total = published.count()
middle = published.order_by("pk")[total // 2]
dated = published.order_by("-signed_on", "-pk").exclude(signed_on=None)
deep = dated.values_list("signed_on", "pk")[min(total - 30, total // 2)]
print(json.dumps({
    "treaty": middle.slug,
    "cursor": encode_cursor({"v": deep[0].isoformat(), "pk": deep[1]}),
    "year_rows": published.filter(signed_on__year=shared["year"], kind="agreement").count(),
    "mid_rows": TreatyParty.objects.filter(state__iso2__iexact=shared["mid"]).count(),
}))
"""
    return django_json(database, script, BENCH_SHARED=json.dumps(shared))


def endpoints(t: dict) -> list[tuple[str, str, bool]]:
    """(label, path, cached?): cached rows go to the normal server, the others
    to the server with the page cache off. /healthz, which the page cache
    never serves, stays on the normal server."""
    return [
        ("/healthz", "/healthz", True),
        ("home", "/", True),
        ("home (uncached)", "/", False),
        ("treaty list", "/treaties/", True),
        ("treaty list (uncached)", "/treaties/", False),
        ("treaties by year and kind", f"/treaties/?year={t['year']}&kind=agreement", False),
        ("treaties of two parties", f"/treaties/?party={t['a']}&party={t['b']}", False),
        ("treaties by search text", "/treaties/?q=cooperation+agreement", False),
        (f"treaty list, page {t['page']}", f"/treaties/?page={t['page']}", False),
        ("treaty list, deep cursor", f"/treaties/?cursor={t['cursor']}", False),
        ("treaties in force on a date", "/treaties/?in_force_on=2010-06-01", False),
        (
            "treaties in force for two parties",
            f"/treaties/?in_force_on=2010-06-01&party={t['a']}&party={t['b']}",
            False,
        ),
        ("treaties by commitment", "/treaties/?commitment=defence", False),
        (
            "treaties by two commitments",
            "/treaties/?commitment=defence&commitment=consultation",
            False,
        ),
        ("treaty detail", f"/treaties/{t['treaty']}/", True),
        ("treaty detail (uncached)", f"/treaties/{t['treaty']}/", False),
        ("state page (uncached)", f"/states/{t['a']}/", False),
        ("state page, mid-size state (uncached)", f"/states/{t['mid']}/", False),
        ("relations page (uncached)", f"/relations/{t['a']}/{t['b']}/", False),
        (
            "relations page on a date (uncached)",
            f"/relations/{t['a']}/{t['b']}/?on=2000-01-01",
            False,
        ),
        ("API relations", f"/api/v1/relations/{t['a']}/{t['b']}/", False),
        ("API list, first page", "/api/v1/treaties/", False),
        ("API list, deep cursor", f"/api/v1/treaties/?cursor={t['cursor']}", False),
        ("API treaty detail", f"/api/v1/treaties/{t['treaty']}/", False),
    ]


def port_in_use(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Server:
    """One gunicorn in its own process group, stopped (group and all) on exit."""

    def __init__(self, env: dict, port: int, workers: int):
        self.env = env
        self.port = port
        self.workers = workers
        self.process = None

    def __enter__(self):
        if port_in_use(self.port):
            raise RuntimeError(f"port {self.port} is already in use: choose another --port")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.py",
             "config.wsgi:application", "--log-level", "warning"],
            cwd=ROOT, env={**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                           "GUNICORN_WORKERS": str(self.workers)},
            start_new_session=True,
        )  # fmt: skip
        for _ in range(150):
            if self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server on port {self.port} did not start")

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def wrk(url: str, duration: int, connections: int) -> dict:
    # A long timeout: on a busy machine a slow page is still a page, to be
    # counted in the latency, not dropped as an error (wrk's default is 2 s).
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", LUA]
    out = run(*args, url, capture=True)
    data = json.loads(out.strip().splitlines()[-1])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def first_request_ms(url: str) -> float:
    """One request, waited for, before any load: with the servers fresh, this
    is a cold start (every cache a page reads is empty, as after an edit)."""
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
    return (time.monotonic() - started) * 1000


def summary(runs: list[dict]) -> dict:
    """Medians over the runs of one (endpoint, size); errors are summed."""
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_us": statistics.median(r["p50_us"] for r in runs),
        "p95_us": statistics.median(r["p95_us"] for r in runs),
        "bad": sum(r["bad_status"] + r["errors"] for r in runs),
        "runs": len(runs),
    }


def csv_export(port: int) -> dict:
    """Time to first byte and total time of the whole unfiltered CSV export."""
    started = time.monotonic()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/treaties/export.csv")
    with urllib.request.urlopen(request, timeout=1800) as response:
        first = response.read(1)
        ttfb = time.monotonic() - started
        size, rows = len(first), 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
            rows += chunk.count(b"\n")
    return {"ttfb_s": ttfb, "total_s": time.monotonic() - started, "mb": size / 1e6, "rows": rows}


def csv_peak_memory(database: str) -> float:
    """Peak RSS (MB) of a process that streams the whole CSV export through the view."""
    script = r"""
import resource
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/treaties/export.csv")
rows = sum(chunk.count(b"\n") for chunk in response.streaming_content)
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    out = run(PYTHON, "manage.py", "shell", "-c", script, env=django_env(database), capture=True)
    _rows, peak = out.strip().splitlines()[-1].split()
    return float(peak)


def terminate(signum, frame):
    # make (or anyone) stopping the benchmark: unwind, so the servers are stopped too.
    raise SystemExit(128 + signum)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="treaty counts, small,large")
    parser.add_argument("--quick", action="store_true", help="sizes 1,000 and 20,000, 3 s each")
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds of small, large, large, small per endpoint"
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument(
        "--port", type=int, default=8765, help="first of the ports (two per size: normal, uncached)"
    )
    parser.add_argument(
        "--imports",
        action="store_true",
        help="the import benchmark instead (tests/benchmarks/imports.py; its options follow)",
    )
    args, rest = parser.parse_known_args()
    if args.imports:
        # Its own phase: files generated and imported, no servers.
        from imports import main as imports_main

        return imports_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if shutil.which("wrk") is None:
        sys.exit("make bench needs wrk: apt-get install wrk")
    sizes = [1_000, 20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    if len(sizes) != 2 or args.rounds < 1:
        sys.exit("--sizes takes two sizes, small,large; --rounds at least 1")
    duration = 3 if args.quick else args.duration
    workers = (os.cpu_count() or 1) * 2 + 1
    signal.signal(signal.SIGTERM, terminate)

    databases = {size: ensure_database(size, args.fresh) for size in sizes}
    small, large = sizes
    shared = shared_targets(databases[small])
    targets = {size: {**shared, **own_targets(databases[size], shared)} for size in sizes}
    print(
        f"shared keys (from {small:,}): year {shared['year']}, busiest states "
        f"{shared['a']} and {shared['b']}, mid-size state {shared['mid']}, "
        f"list page {shared['page']}",
        flush=True,
    )
    for size in sizes:
        t = targets[size]
        print(
            f"{size:>9,}: {t['year_rows']:,} agreements of {t['year']}, "
            f"{t['mid_rows']:,} party rows of {t['mid']}",
            flush=True,
        )

    redis = redis_available()
    run(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=django_env(databases[small]))
    # Ports: for each size, the normal server, then the one with the page cache off.
    bases: dict[tuple[int, bool], str] = {}
    results: dict[int, dict[str, dict]] = {size: {} for size in sizes}
    extras: dict[int, dict] = {}
    with contextlib.ExitStack() as servers:
        for index, size in enumerate(sizes):
            redis_db = REDIS_FIRST_DB + index if redis else None
            if redis_db is not None:
                redis_flush(redis_db)
            env = django_env(databases[size], redis_db)
            for offset, cached in ((0, True), (1, False)):
                port = args.port + 2 * index + offset
                extra = {} if cached else {"PAGE_CACHE_SECONDS": "0"}
                servers.enter_context(Server({**env, **extra}, port, workers))
                bases[size, cached] = f"http://127.0.0.1:{port}"
        print(f"servers up on ports {args.port}-{args.port + 3}, {workers} workers each; "
              f"cache {'Redis' if redis else 'local memory'}", flush=True)  # fmt: skip

        plan = {size: endpoints(targets[size]) for size in sizes}
        runs: dict[tuple[int, str], list[dict]] = {}
        cold: dict[tuple[int, str], float] = {}
        # Rounds outside, endpoints inside: the samples of every endpoint and of
        # /healthz are spread over the whole run, and within a round each
        # endpoint is measured small, large, large, small, back to back.
        for round_ in range(1, args.rounds + 1):
            for i, (label, _path, cached) in enumerate(plan[small]):
                urls = {size: bases[size, cached] + plan[size][i][1] for size in sizes}
                if round_ == 1:
                    for size in sizes:
                        # The cold start is its own figure; the load runs measure the
                        # steady state, so none of them waits on a cache being filled.
                        cold[size, label] = first_request_ms(urls[size])
                        wrk(urls[size], *WARM_UP)  # warm up
                for size in (small, large, large, small):
                    r = wrk(urls[size], duration, args.connections)
                    runs.setdefault((size, label), []).append(r)
                    print(
                        f"r{round_} {size:>9,} {label:<40} {r['rps']:8.0f} req/s"
                        f"  p50 {r['p50_us'] / 1000:7.1f} ms  p95 {r['p95_us'] / 1000:7.1f} ms"
                        f"  bad {r['bad_status'] + r['errors']}",
                        flush=True,
                    )
        for (size, label), taken in runs.items():
            results[size][label] = summary(taken)

        for size in sizes:
            extras[size] = {"csv": csv_export(int(bases[size, True].rsplit(":", 1)[1]))}
    for size in sizes:
        extras[size]["csv_peak_mb"] = csv_peak_memory(databases[size])
        print(f"{size:>9,} CSV export: {extras[size]}", flush=True)

    n = 2 * args.rounds
    print()
    print(f"Medians of {n} wrk runs per endpoint and size ({args.rounds} round(s) of small, "
          f"large, large, small), {duration} s per run, {args.connections} connections, "
          f"after a {WARM_UP[0]} s warm-up with {WARM_UP[1]}; \"uncached\" rows are served "
          f"by a server with the page cache off.")  # fmt: skip
    print()
    print(f"| endpoint | req/s {small:,} | p50 ms | p95 ms | x healthz | req/s {large:,} | p50 ms "
          f"| p95 ms | x healthz | p50 large/small |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ha, hb = results[small]["/healthz"]["rps"], results[large]["/healthz"]["rps"]
    for label in results[small]:
        a, b = results[small][label], results[large][label]
        growth = b["p50_us"] / max(a["p50_us"], 1)
        print(f"| {label} | {a['rps']:.0f} | {a['p50_us'] / 1000:.1f} | {a['p95_us'] / 1000:.1f} "
              f"| {a['rps'] / ha:.2f} | {b['rps']:.0f} | {b['p50_us'] / 1000:.1f} "
              f"| {b['p95_us'] / 1000:.1f} | {b['rps'] / hb:.2f} | {growth:.2f} |")  # fmt: skip
    bad = [
        f"{label} at {size:,}: {r['bad']}"
        for size in sizes
        for label, r in results[size].items()
        if r["bad"]
    ]
    if bad:
        print("bad statuses or errors: " + "; ".join(bad))
    print()
    print("First request of each endpoint on fresh servers (cold caches, as after an edit), ms:")
    print()
    print(f"| endpoint | {small:,} | {large:,} | large/small |")
    print("|---|---:|---:|---:|")
    for label in results[small]:
        a, b = cold[small, label], cold[large, label]
        print(f"| {label} | {a:.0f} | {b:.0f} | {b / max(a, 0.001):.2f} |")
    for size in sizes:
        csv = extras[size]["csv"]
        print(
            f"CSV export at {size:,}: {csv['rows']:,} rows, {csv['mb']:.0f} MB, first byte "
            f"after {csv['ttfb_s']:.2f} s, all in {csv['total_s']:.1f} s; peak memory of a "
            f"streaming process {extras[size]['csv_peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
