"""The load benchmark behind ``make bench`` (not part of ``make test``).

For each size it makes (or reuses) a PostgreSQL database of synthetic data,
starts the production-style server (gunicorn, DEBUG off) on it, drives every
page and endpoint with wrk from a second process, and prints requests per
second, p50/p95 latency, the ratio to /healthz measured in the same run, and
the ratio of the large size to the small one. Timing is the machine's: read
the ratios, not the absolute numbers.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LUA = str(Path(__file__).with_name("report.lua"))
# An unknown session cookie: the visitor is still anonymous, but the page
# cache is bypassed, so the view and its queries run on every request.
UNCACHED = "sessionid=benchmark-uncached"


def run(*args, env=None, capture=False):
    result = subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, capture_output=capture)
    return result.stdout if capture else None


def django_env(database: str, **extra) -> dict:
    env = dict(os.environ)
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
    if redis_available():
        env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    return env


def redis_available() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


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


def targets(database: str) -> dict:
    """Real keys from the data: a treaty, a busy state, a busy pair, a deep cursor."""
    script = r"""
import json
from django.db.models import Count
from diplomacy.models import Treaty, TreatyParty
from diplomacy.api.pagination import _encode
published = Treaty.objects.published()
total = published.count()
middle = published.order_by("pk")[total // 2]
busy = list(
    TreatyParty.objects.values_list("state__iso2", flat=True)
    .annotate(n=Count("pk")).order_by("-n")[:2]
)
dated = published.order_by("-signed_on", "-pk").exclude(signed_on=None)
deep = dated.values_list("signed_on", "pk")[min(total - 30, total // 2)]
print(json.dumps({"treaty": middle.slug, "a": busy[0].lower(), "b": busy[1].lower(),
                  "cursor": _encode({"v": deep[0].isoformat(), "pk": deep[1]}),
                  "year": middle.signed_on.year if middle.signed_on else 2020}))
"""
    out = run(PYTHON, "manage.py", "shell", "-c", script, env=django_env(database), capture=True)
    return json.loads(out.strip().splitlines()[-1])


def endpoints(t: dict) -> list[tuple[str, str, bool]]:
    """(label, path, cached?)"""
    return [
        ("/healthz", "/healthz", False),
        ("home", "/", True),
        ("treaty list", "/treaties/", True),
        ("treaty list (uncached)", "/treaties/", False),
        ("treaties by year and kind", f"/treaties/?year={t['year']}&kind=agreement", False),
        ("treaties of two parties", f"/treaties/?party={t['a']}&party={t['b']}", False),
        ("treaties by search text", "/treaties/?q=cooperation+agreement", False),
        ("treaty list, page 200", "/treaties/?page=200", False),
        ("treaty list, deep cursor", f"/treaties/?cursor={t['cursor']}", False),
        ("treaty detail", f"/treaties/{t['treaty']}/", True),
        ("treaty detail (uncached)", f"/treaties/{t['treaty']}/", False),
        ("state page (uncached)", f"/states/{t['a']}/", False),
        ("relations page (uncached)", f"/relations/{t['a']}/{t['b']}/", False),
        ("API list, first page", "/api/v1/treaties/", False),
        ("API list, deep cursor", f"/api/v1/treaties/?cursor={t['cursor']}", False),
        ("API treaty detail", f"/api/v1/treaties/{t['treaty']}/", False),
    ]


class Server:
    def __init__(self, database: str, port: int, workers: int):
        self.env = django_env(database)
        self.port = port
        self.workers = workers

    def __enter__(self):
        run(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=self.env)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.py",
             "config.wsgi:application", "--log-level", "warning"],
            cwd=ROOT, env={**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                           "GUNICORN_WORKERS": str(self.workers)},
            start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(url: str, duration: int, connections: int, cached: bool) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", LUA, url]
    if not cached:
        args[1:1] = ["-H", f"Cookie: {UNCACHED}"]
    out = run(*args, capture=True)
    data = json.loads(out.strip().splitlines()[-1])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="treaty counts, small,large")
    parser.add_argument("--quick", action="store_true", help="sizes 1,000 and 20,000, 3 s each")
    parser.add_argument("--duration", type=int, default=8, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("make bench needs wrk: apt-get install wrk")
    sizes = [1_000, 20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    duration = 3 if args.quick else args.duration
    workers = (os.cpu_count() or 1) * 2 + 1

    results: dict[int, dict[str, dict]] = {}
    extras: dict[int, dict] = {}
    for size in sizes:
        database = ensure_database(size, args.fresh)
        t = targets(database)
        results[size] = {}
        with Server(database, args.port, workers):
            base = f"http://127.0.0.1:{args.port}"
            for label, path, cached in endpoints(t):
                wrk(base + path, 1, 4, cached)  # warm up (and fill the cache)
                results[size][label] = wrk(base + path, duration, args.connections, cached)
                r = results[size][label]
                print(
                    f"{size:>9,} {label:<32} {r['rps']:8.0f} req/s"
                    f"  p50 {r['p50_us'] / 1000:7.1f} ms  p95 {r['p95_us'] / 1000:7.1f} ms"
                    f"  bad {r['bad_status'] + r['errors']}",
                    flush=True,
                )
            extras[size] = {"csv": csv_export(args.port)}
        extras[size]["csv_peak_mb"] = csv_peak_memory(database)
        print(f"{size:>9,} CSV export: {extras[size]}", flush=True)

    small, large = sizes[0], sizes[-1]
    print()
    print(f"| endpoint | req/s {small:,} | p50 ms | p95 ms | x healthz | req/s {large:,} | p50 ms "
          f"| p95 ms | x healthz | p50 large/small |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label in results[small]:
        a, b = results[small][label], results[large][label]
        ha, hb = results[small]["/healthz"]["rps"], results[large]["/healthz"]["rps"]
        growth = b["p50_us"] / max(a["p50_us"], 1)
        print(f"| {label} | {a['rps']:.0f} | {a['p50_us'] / 1000:.1f} | {a['p95_us'] / 1000:.1f} "
              f"| {a['rps'] / ha:.2f} | {b['rps']:.0f} | {b['p50_us'] / 1000:.1f} "
              f"| {b['p95_us'] / 1000:.1f} | {b['rps'] / hb:.2f} | {growth:.2f} |")  # fmt: skip
    for size in sizes:
        csv = extras[size]["csv"]
        print(
            f"CSV export at {size:,}: {csv['rows']:,} rows, {csv['mb']:.0f} MB, first byte "
            f"after {csv['ttfb_s']:.2f} s, all in {csv['total_s']:.1f} s; peak memory of a "
            f"streaming process {extras[size]['csv_peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
