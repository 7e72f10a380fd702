"""The import benchmark (``make bench BENCH_ARGS=--imports``, or run this file).

It writes deterministic CSV files into a temporary directory (treaties with 2-5
parties, sectors, a UNTS number and an inline source with a quote; visits with
host, guest and a source), and imports them with ``import_file`` into the
scratch PostgreSQL database ``diplomacy_imp19_bench`` (made afresh from a
template holding the seed corpus and the world's states), each import in its
own process so its peak memory is its own. It prints rows a second and the
peak RSS of: treaties created, the same file again (it must change nothing:
no history row, no new data version), visits created, and a dry run of a
large file (1,000,000 rows by default), as CSV and as JSON, for the memory of
streaming.
Timing is the machine's (on a shared machine, read the rows per CPU second of
the importing process too). Where PostgreSQL runs on the same machine, the
CPU time of the import's own PostgreSQL backend is shown beside the
importer's, a row at a time: what each side costs, and so what overlapping
them could give at best.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = "diplomacy_imp19_bench"
TEMPLATE = f"{DATABASE}_template"
# States that existed through the whole of 1995-2020 under these ISO codes.
CODE_LIST = (
    "US FR DE GB IT ES PT NL BE LU DK SE NO FI IS IE AT CH PL HU RO BG GR TR "
    "JP CN IN PK BD ID MY TH VN PH KR AU NZ CA MX BR AR CL PE CO VE EG MA DZ "
    "TN NG KE ZA ET GH SN IR SA JO IL KZ UZ AZ GE AM MN"
)
CODES = CODE_LIST.split()


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{PG}/{database}", "-tAc", sql], check=True, text=True, capture_output=True
    )
    return result.stdout.strip()


def env_for(database: str) -> dict:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update({"DATABASE_URL": f"{PG}/{database}", "DEBUG": "0", "SECRET_KEY": "bench" * 10})
    return env


def manage(*args: str, database: str = DATABASE, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env_for(database),
        check=True,
        text=True,
        capture_output=capture,
    )
    return result.stdout if capture else ""


def fresh_database(rebuild: bool) -> None:
    """The scratch database, made from a template that holds the seed and the states."""
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE}'") == "1"
    if rebuild or not exists:
        psql(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        psql(f"CREATE DATABASE {TEMPLATE}")
        for command in ("migrate", "load_seed", "load_countries", "load_historic_states"):
            manage(command, "-v0", database=TEMPLATE)
    else:
        manage("migrate", "-v0", database=TEMPLATE)
    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE} TEMPLATE {TEMPLATE}")


def sector_slugs() -> list[str]:
    return psql("SELECT slug FROM diplomacy_sector ORDER BY slug", DATABASE).split()


def write_treaties(path: Path, rows: int, sectors: list[str]) -> None:
    rng = random.Random(1)
    kinds = ("agreement", "protocol", "memorandum", "convention")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["slug", "title", "kind", "status", "signed_on", "parties", "sectors", "unts",
             "source_title", "source_url", "source_publisher", "quote", "locator"]
        )  # fmt: skip
        for n in range(rows):
            year = rng.randint(1995, 2020)
            parties = rng.sample(CODES, rng.randint(2, 5))
            batch = n // 1000
            out.writerow(
                [
                    f"bench-treaty-{n}",
                    f"Benchmark agreement number {n}",
                    rng.choice(kinds),
                    "signed",
                    f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    ";".join(parties),
                    ";".join(rng.sample(sectors, rng.randint(1, 3))),
                    f"BENCH-{n}",
                    f"Benchmark treaty list, part {batch}",
                    f"https://example.org/bench/treaties/{batch}",
                    "Benchmark Office",
                    f"Agreement {n} was signed by {', '.join(parties)}.",
                    f"p. {n % 997 + 1}",
                ]
            )


def write_visits(path: Path, rows: int) -> None:
    rng = random.Random(2)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["slug", "title", "kind", "level", "host", "guest", "start_on", "end_on", "city",
             "source_url", "source_title", "quote"]
        )  # fmt: skip
        for n in range(rows):
            host, guest = rng.sample(CODES, 2)
            year, month, day = rng.randint(1995, 2020), rng.randint(1, 12), rng.randint(1, 25)
            out.writerow(
                [
                    f"bench-visit-{n}",
                    f"Benchmark visit number {n}",
                    "official",
                    "head_of_state",
                    host,
                    guest,
                    f"{year}-{month:02d}-{day:02d}",
                    f"{year}-{month:02d}-{day + 2:02d}",
                    f"City {n % 300}",
                    f"https://example.org/bench/visits/{n // 1000}",
                    f"Benchmark visit list, part {n // 1000}",
                    f"The visit {n} took place.",
                ]
            )


def csv_to_json(source: Path, target: Path) -> None:
    """The rows of a CSV file as a JSON array of objects, written row by row."""
    with (
        open(source, newline="", encoding="utf-8") as handle,
        open(target, "w", encoding="utf-8") as out,
    ):
        out.write("[")
        for n, row in enumerate(csv.DictReader(handle)):
            out.write(("," if n else "") + "\n" + json.dumps(row))
        out.write("\n]\n")


MEASURE = r"""
import json, os, resource, sys, time
from django.db import connection
from diplomacy.caching.version import data_version
from diplomacy.importing import import_file
from diplomacy.models import Treaty, Visit
path, kind, dry = sys.argv[-3], sys.argv[-2], sys.argv[-1] == "dry"
model = {"treaty": Treaty, "visit": Visit}[kind]
history = lambda: model.history.model.objects.count()
before_history, before_version = history(), data_version()
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    backend = cursor.fetchone()[0]
def server_cpu():
    # The CPU time of this import's PostgreSQL backend (same machine only).
    try:
        stat = open(f"/proc/{backend}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
server_before = server_cpu()
cpu_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
started = time.perf_counter()
report = import_file(path, kind, dry_run=dry)
seconds = time.perf_counter() - started
print(json.dumps({
    "rows": report.rows, "created": report.created, "updated": report.updated,
    "unchanged": report.unchanged, "errors": len(report.errors),
    "first_errors": [str(e) for e in report.errors[:3]], "seconds": seconds,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu_before,
    "server_cpu_s": None if server_before is None else server_cpu() - server_before,
    "history_rows_written": history() - before_history,
    "data_version_changed": data_version() != before_version,
}))
"""


def measure(path: Path, kind: str, dry: bool = False, profile: Path | None = None) -> dict:
    script = MEASURE
    if profile is not None:
        script = MEASURE.replace(
            "report = import_file(path, kind, dry_run=dry)",
            "import cProfile; profiler = cProfile.Profile(); profiler.enable()\n"
            "report = import_file(path, kind, dry_run=dry)\n"
            f"profiler.disable(); profiler.dump_stats({str(profile)!r})",
        )
    out = subprocess.run(
        [PYTHON, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
         "'config.settings'); django.setup(); exec(open(0).read())", str(path), kind,
         "dry" if dry else "write"],
        cwd=ROOT, env=env_for(DATABASE), input=script, check=True, text=True,
        capture_output=True,
    ).stdout  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    result["rows_per_s"] = result["rows"] / max(result["seconds"], 1e-9)
    result["rows_per_cpu_s"] = result["rows"] / max(result["cpu_s"], 1e-9)
    return result


def show(label: str, r: dict) -> None:
    cpu = f"{r['rows_per_cpu_s']:,.0f} per CPU second of the importing process"
    if r.get("server_cpu_s") is not None:
        cpu += (
            f"; CPU µs a row: importer {r['cpu_s'] / r['rows'] * 1e6:,.0f},"
            f" PostgreSQL {r['server_cpu_s'] / r['rows'] * 1e6:,.0f}"
        )
    print(
        f"{label:<34} {r['rows']:>9,} rows {r['seconds']:7.1f} s {r['rows_per_s']:9,.0f} rows/s"
        f" ({cpu})"
        f"  peak {r['peak_mb']:5.0f} MB  created {r['created']:,} updated {r['updated']:,}"
        f" unchanged {r['unchanged']:,} errors {r['errors']}"
        f"  history +{r['history_rows_written']:,}"
        f"  new data version: {'yes' if r['data_version_changed'] else 'no'}",
        flush=True,
    )
    if r["errors"]:
        print("   first errors:", r["first_errors"], flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of each file")
    parser.add_argument(
        "--large", type=int, default=1_000_000, help="rows of the dry run measured for memory"
    )
    parser.add_argument("--rebuild", action="store_true", help="remake the template database")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of each import here")
    args = parser.parse_args(argv)
    fresh_database(args.rebuild)
    sectors = sector_slugs()
    with tempfile.TemporaryDirectory(prefix="imp19-bench-") as tmp:
        tmp = Path(tmp)
        treaties, visits = tmp / "treaties.csv", tmp / "visits.csv"
        started = time.monotonic()
        write_treaties(treaties, args.rows, sectors)
        write_visits(visits, args.rows)
        print(f"files of {args.rows:,} rows written in {time.monotonic() - started:.0f} s")

        def profiled(name):
            return args.profile and args.profile.with_name(f"{args.profile.name}-{name}.prof")

        show("treaties, created", measure(treaties, "treaty", profile=profiled("treaties")))
        again = measure(treaties, "treaty", profile=profiled("unchanged"))
        show("treaties again, nothing changes", again)
        show("visits, created", measure(visits, "visit", profile=profiled("visits")))
        if args.large:
            large = tmp / "large.csv"
            write_treaties(large, args.large, sectors)
            show("large treaty file, dry run", measure(large, "treaty", dry=True))
            as_json = tmp / "large.json"
            csv_to_json(large, as_json)
            large.unlink()
            show("the same as JSON, dry run", measure(as_json, "treaty", dry=True))


if __name__ == "__main__":
    sys.exit(main())
