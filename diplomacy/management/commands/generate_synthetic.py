"""Realistic synthetic data for benchmarks: treaties, visits and projects over all ISO states.

Repeatable with ``--seed``. On PostgreSQL rows stream in with COPY (a million
treaties, their parties, sectors and citations load in minutes); on SQLite
with batched INSERTs. Synthetic records carry the ``synthetic-`` slug prefix;
``--clear`` removes earlier ones.
"""

import datetime
import random
import time
from collections.abc import Iterator

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from diplomacy.bulk_writes import append_rows
from diplomacy.caching import data_changed
from diplomacy.choices import (
    DatePrecision,
    ProjectKind,
    ProjectStatus,
    TreatyKind,
    TreatyStatus,
    VisitKind,
    VisitLevel,
)
from diplomacy.models import (
    Commitment,
    CommitmentKind,
    Project,
    Sector,
    Source,
    State,
    StateCodes,
    Treaty,
    TreatyCitation,
    TreatyParty,
    Visit,
)

KIND_WEIGHTS = {
    TreatyKind.AGREEMENT: 40, TreatyKind.MEMORANDUM: 15, TreatyKind.PROTOCOL: 10,
    TreatyKind.TREATY: 8, TreatyKind.PROGRAMME: 5, TreatyKind.DECLARATION: 5,
    TreatyKind.DIPLOMATIC_RELATIONS: 5, TreatyKind.CONVENTION: 3, TreatyKind.FRIENDSHIP: 3,
    TreatyKind.STRATEGIC_PARTNERSHIP: 3, TreatyKind.ALLIANCE: 1, TreatyKind.OTHER: 2,
}  # fmt: skip
STATUS_WEIGHTS = {
    TreatyStatus.SIGNED: 40, TreatyStatus.IN_FORCE: 35, TreatyStatus.RATIFIED: 10,
    TreatyStatus.TERMINATED: 5, TreatyStatus.EXPIRED: 5, TreatyStatus.SUSPENDED: 2,
    TreatyStatus.NEGOTIATING: 3,
}  # fmt: skip
DEFAULT_SECTORS = [
    "politics", "defence-and-security", "economy-and-trade", "energy", "transport-and-logistics",
    "culture", "education", "labour-and-migration", "justice", "health", "tourism", "youth",
    "digital", "agriculture", "industry",
]  # fmt: skip
PUBLISHED_SHARE = 0.97


class Command(BaseCommand):
    help = "Generate realistic synthetic treaties, visits and projects for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--treaties", type=int, default=10_000)
        parser.add_argument("--visits", type=int, default=0)
        parser.add_argument("--projects", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--clear", action="store_true", help="remove earlier synthetic rows")

    def handle(self, *args, **options):
        self.random = random.Random(options["seed"])
        if not State.objects.exists():
            call_command("load_countries", verbosity=0)
        self.states = list(State.objects.order_by("pk").values_list("pk", "name"))
        if len(self.states) < 10:
            raise CommandError("Load the ISO states first: manage.py load_countries.")
        # A record names only states that existed on its date (the periods
        # load_historic_states gives the Soviet Union, Yugoslavia...).
        facts = StateCodes().facts
        self.existed = [facts[pk].exists_on for pk, _ in self.states]
        # Popularity follows a power law: a few states sign most treaties.
        order = list(range(len(self.states)))
        self.random.shuffle(order)
        self.state_weights = [0.0] * len(self.states)
        for rank, index in enumerate(order, start=1):
            self.state_weights[index] = 1 / rank**0.9
        self.sectors = self.ensure_sectors()
        self.sources = self.ensure_sources()
        self.now = timezone.now()
        started = time.monotonic()
        with transaction.atomic():
            if options["clear"]:
                for model in (Project, Visit, Treaty):
                    model.objects.filter(slug__startswith="synthetic-").delete()
            made = {
                "treaties": self.treaties(options["treaties"]),
                "visits": self.visits(options["visits"]),
                "projects": self.projects(options["projects"]),
            }
            # COPY and executemany send no signal: the new version commits with the rows.
            data_changed()
        self.reset_sequences()
        if connection.vendor == "postgresql":
            # As after any bulk load: statistics for the planner, and the
            # visibility map, without which an index-only scan (the ids of a
            # deep page) still visits the table for every row.
            # VACUUM cannot run inside a transaction (a caller's, or a test's).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        elapsed = time.monotonic() - started
        self.stdout.write(
            ", ".join(f"{n:,} {name}" for name, n in made.items()) + f" in {elapsed:.1f} s"
        )

    # -- reference data ---------------------------------------------------------------

    def ensure_sectors(self) -> list[int]:
        for slug in DEFAULT_SECTORS:
            Sector.objects.get_or_create(
                slug=slug,
                defaults={"name": slug.replace("-", " ").capitalize(), "is_published": True},
            )
        return list(Sector.objects.order_by("pk").values_list("pk", flat=True))

    def ensure_sources(self) -> list[int]:
        for n in range(1, 101):
            Source.objects.get_or_create(
                slug=f"synthetic-source-{n}",
                defaults={
                    "title": f"Synthetic source {n}",
                    "publisher": "Synthetic Press",
                    "text": "A synthetic source text for benchmarks.",
                    "is_published": True,
                },
            )
        return list(
            Source.objects.filter(slug__startswith="synthetic-source-").values_list("pk", flat=True)
        )

    # -- helpers -----------------------------------------------------------------------

    def next_id(self, model) -> int:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    def pick_states(self, n: int, on: datetime.date | None) -> list[int]:
        """``n`` different states (their indexes), by popularity, each one
        that existed ``on`` the record's date (any, undated)."""
        chosen: dict[int, None] = {}
        for _ in range(1000):
            for index in self.random.choices(range(len(self.states)), self.state_weights, k=n):
                if on is None or self.existed[index](on):
                    chosen[index] = None
            if len(chosen) >= n:
                return list(chosen)[:n]
        raise CommandError(f"Fewer than {n} states existed on {on}.")

    def partial_date(self) -> tuple[datetime.date | None, str]:
        r = self.random.random()
        if r < 0.01:
            return None, DatePrecision.DAY
        # Skewed to recent decades, as registers are.
        year = 2025 - int(self.random.expovariate(1 / 15)) % 75
        month, day = self.random.randint(1, 12), self.random.randint(1, 28)
        if r < 0.08:
            return datetime.date(year, 1, 1), DatePrecision.YEAR
        if r < 0.20:
            return datetime.date(year, month, 1), DatePrecision.MONTH
        return datetime.date(year, month, day), DatePrecision.DAY

    def party_count(self) -> int:
        r = self.random.random()
        if r < 0.85:
            return 2
        if r < 0.95:
            return self.random.randint(3, 5)
        return self.random.randint(6, 40)

    # -- treaties ----------------------------------------------------------------------

    def treaties(self, n: int) -> int:
        if n <= 0:
            return 0
        first = self.next_id(Treaty)
        kinds, kind_w = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        statuses, status_w = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        parties: list[tuple] = []
        sectors: list[tuple[int, int]] = []
        commitments: list[tuple] = []
        kind_ids = dict(CommitmentKind.objects.values_list("value", "pk"))

        def rows(start: int, size: int) -> Iterator[tuple]:
            for pk in range(start, start + size):
                kind = self.random.choices(kinds, kind_w)[0]
                values = self.commitment_values(kind)
                status = self.random.choices(statuses, status_w)[0]
                signed, precision = self.partial_date()
                members = self.pick_states(self.party_count(), signed)
                names = [self.states[i][1] for i in members[:2]]
                title = f"{TreatyKind(kind).label} between {names[0]} and {names[1]} no. {pk}"
                sectors.extend(
                    (pk, s) for s in self.random.sample(self.sectors, self.random.randint(1, 2))
                )
                ended = None
                if status in (TreatyStatus.TERMINATED, TreatyStatus.EXPIRED) and signed:
                    ended = signed + datetime.timedelta(days=self.random.randint(365, 3650))
                published = self.random.random() < PUBLISHED_SHARE
                # With the treaty's copies (on PostgreSQL its trigger writes them too).
                parties.extend((pk, self.states[i][0], signed, published) for i in members)
                commitments.extend(
                    (pk, kind_ids[value], f"Article {article}", signed, published)
                    for article, value in enumerate(values, start=1)
                    if value in kind_ids
                )
                yield (
                    pk, f"synthetic-treaty-{pk}", published,
                    self.now, self.now, title, "", kind, status, signed, precision, "",
                    None, DatePrecision.DAY, ended, DatePrecision.DAY,
                    f"Synthetic {TreatyKind(kind).label.lower()} on cooperation, record {pk}.",
                    "", "",
                )  # fmt: skip

        columns = [
            "id", "slug", "is_published", "created_at", "updated_at", "title", "short_title",
            "kind", "status", "signed_on", "signed_on_precision", "place_signed",
            "entry_into_force_on", "entry_into_force_on_precision", "ended_on",
            "ended_on_precision", "summary", "full_text_url", "notes",
        ]  # fmt: skip
        chunk = 100_000
        done = 0
        while done < n:
            size = min(chunk, n - done)
            first_of_chunk = first + done
            parties.clear()
            sectors.clear()
            commitments.clear()
            # Parties and sectors of a chunk are collected while its rows stream
            # out, then written before the next chunk.
            append_rows(Treaty._meta.db_table, columns, rows(first_of_chunk, size))
            append_rows(
                TreatyParty._meta.db_table,
                [
                    "treaty_id",
                    "state_id",
                    "ratified_on",
                    "ratified_on_precision",
                    # Membership over time (migration 0012): parties from the
                    # treaty's own dates, none left.
                    "consent_mode",
                    "consented_on_precision",
                    "entry_into_force_on_precision",
                    "left_on_precision",
                    "exit_kind",
                    "note",
                    "treaty_signed_on",
                    "treaty_is_published",
                ],
                (
                    (
                        t,
                        s,
                        None,
                        DatePrecision.DAY,
                        "",
                        *[DatePrecision.DAY] * 3,
                        "",
                        "",
                        signed,
                        published,
                    )
                    for t, s, signed, published in parties
                ),
            )
            append_rows(Treaty.sectors.through._meta.db_table, ["treaty_id", "sector_id"], sectors)
            append_rows(
                Commitment._meta.db_table,
                [
                    "treaty_id",
                    "kind_id",
                    "article",
                    "quote",
                    "locator",
                    "conditions",
                    "treaty_signed_on",
                    "treaty_is_published",
                ],
                (
                    (t, k, article, "A synthetic commitment.", "", "", signed, published)
                    for t, k, article, signed, published in commitments
                ),
            )
            append_rows(
                TreatyCitation._meta.db_table,
                ["record_id", "source_id", "quote", "locator", "note"],
                (
                    (pk, self.random.choice(self.sources), "A synthetic passage.", "", "")
                    for pk in range(first_of_chunk, first_of_chunk + size)
                ),
            )
            done += size
            self.stdout.write(f"  {done:,} / {n:,} treaties", ending="\r")
        self.stdout.write("")
        return n

    def commitment_values(self, kind: str) -> list[str]:
        """0 to 3 commitment kinds, as a real register would hold them: most
        treaties none coded; alliances with defence about half the time (the
        others consultation, neutrality or non-aggression pacts, as in ATOP)."""
        if self.random.random() < 0.6:
            return []
        values = self.random.sample(SYNTHETIC_COOPERATION, self.random.randint(0, 2))
        if kind == TreatyKind.ALLIANCE:
            values.insert(
                0,
                self.random.choice(
                    [
                        "defence",
                        "consultation",
                        "neutrality",
                        "non_aggression",
                        "defence",
                        "defence",
                    ]
                ),
            )
        return values

    # -- visits and projects -------------------------------------------------------------

    def visits(self, n: int) -> int:
        if n <= 0:
            return 0
        first = self.next_id(Visit)

        def rows():
            for pk in range(first, first + n):
                start, precision = self.partial_date()
                host, guest = self.pick_states(2, start)
                yield (
                    pk, f"synthetic-visit-{pk}", self.random.random() < PUBLISHED_SHARE,
                    self.now, self.now,
                    f"Visit of {self.states[guest][1]} to {self.states[host][1]} no. {pk}",
                    self.random.choice(VisitKind.values), self.random.choice(VisitLevel.values),
                    self.states[host][0], self.states[guest][0], start, precision, None,
                    DatePrecision.DAY, "", "", "",
                )  # fmt: skip

        columns = [
            "id", "slug", "is_published", "created_at", "updated_at", "title", "kind", "level",
            "host_id", "guest_id", "start_on", "start_on_precision", "end_on",
            "end_on_precision", "city", "summary", "notes",
        ]  # fmt: skip
        return append_rows(Visit._meta.db_table, columns, rows())

    def projects(self, n: int) -> int:
        if n <= 0:
            return 0
        first = self.next_id(Project)
        members: list[tuple[int, int]] = []
        sectors: list[tuple[int, int]] = []

        def rows():
            for pk in range(first, first + n):
                start, precision = self.partial_date()
                chosen = self.pick_states(2, start)
                members.extend((pk, self.states[i][0]) for i in chosen)
                sectors.append((pk, self.random.choice(self.sectors)))
                valued = self.random.random() < 0.6
                amount = round(self.random.lognormvariate(17, 2), 2) if valued else None
                yield (
                    pk, f"synthetic-project-{pk}", self.random.random() < PUBLISHED_SHARE,
                    self.now, self.now, f"Synthetic project no. {pk}",
                    self.random.choice(ProjectKind.values),
                    self.random.choice(ProjectStatus.values),
                    "", amount, self.random.choice(["USD", "EUR"]) if valued else "", "",
                    start, precision, None, DatePrecision.DAY, "", "",
                )  # fmt: skip

        columns = [
            "id", "slug", "is_published", "created_at", "updated_at", "name", "kind", "status",
            "city", "value_amount", "value_currency", "value_note", "start_on",
            "start_on_precision", "completion_on", "completion_on_precision", "description",
            "notes",
        ]  # fmt: skip
        count = append_rows(Project._meta.db_table, columns, rows())
        append_rows(Project.states.through._meta.db_table, ["project_id", "state_id"], members)
        append_rows(Project.sectors.through._meta.db_table, ["project_id", "sector_id"], sectors)
        return count

    def reset_sequences(self) -> None:
        if connection.vendor != "postgresql":
            return
        from django.core.management.color import no_style

        models = [
            Treaty, TreatyParty, TreatyCitation, Commitment, Visit, Project,
            Treaty.sectors.through, Project.states.through, Project.sectors.through,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


# The commitments a synthetic treaty may carry besides an alliance's security one.
SYNTHETIC_COOPERATION = [
    "political_support", "economic_cooperation", "energy_cooperation",
    "transport_cooperation", "cultural_cooperation", "education_cooperation",
    "security_cooperation",
]  # fmt: skip

__all__ = ["Command"]
