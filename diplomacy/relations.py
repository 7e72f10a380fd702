"""The relations of two states, derived from the register (SPEC 3.8).

Nothing here is stored: the level of a pair is the highest rung of
diplomatic relations < strategic partnership < alliance reached by a published
treaty between them that still binds them (in force, or signed and not ended).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import ExtractYear

from diplomacy.cache import cached
from diplomacy.choices import ACTIVE_TREATY_STATUSES, RELATION_LEVEL_BY_KIND, RelationLevel
from diplomacy.models import Project, State, Treaty, TreatyParty, Visit
from diplomacy.partial_dates import PartialDate
from diplomacy.urlpaths import relations_url


def level_expression(prefix: str = "") -> Case:
    """SQL CASE giving the relation rung a treaty's kind establishes (0 for none)."""
    return Case(
        *(
            When(**{f"{prefix}kind": kind}, then=Value(int(level)))
            for kind, level in RELATION_LEVEL_BY_KIND.items()
        ),
        default=Value(int(RelationLevel.NONE)),
        output_field=IntegerField(),
    )


def binding_q(prefix: str = "") -> Q:
    """Treaties that still bind their parties."""
    return Q(**{f"{prefix}status__in": ACTIVE_TREATY_STATUSES, f"{prefix}ended_on__isnull": True})


def _is_party(state: State) -> Exists:
    return Exists(TreatyParty.objects.filter(treaty=OuterRef("pk"), state=state))


def treaties_between(a: State, b: State) -> QuerySet[Treaty]:
    """Published treaties to which both states are parties (semi-joins: no duplicates)."""
    return Treaty.objects.published().filter(_is_party(a), _is_party(b))


def visits_between(a: State, b: State) -> QuerySet[Visit]:
    return Visit.objects.published().filter(Q(host=a, guest=b) | Q(host=b, guest=a))


def projects_between(a: State, b: State) -> QuerySet[Project]:
    through = Project.states.through
    return Project.objects.published().filter(
        Exists(through.objects.filter(project=OuterRef("pk"), state=a)),
        Exists(through.objects.filter(project=OuterRef("pk"), state=b)),
    )


@dataclass
class Relation:
    a: State
    b: State
    level: RelationLevel
    reached: PartialDate | None
    reached_by: Treaty | None
    treaties: list[Treaty] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    # year → {"treaties": n, "visits": n, "projects": n}, from aggregate queries
    by_year: dict[int, dict[str, int]] = field(default_factory=dict)

    def total(self, kind: str) -> int:
        return sum(counts.get(kind, 0) for counts in self.by_year.values())

    @property
    def treaty_total(self) -> int:
        return self.total("treaties")

    @property
    def visit_total(self) -> int:
        return self.total("visits")

    @property
    def project_total(self) -> int:
        return self.total("projects")

    @property
    def level_label(self) -> str:
        return self.level.label


def relation_level(a: State, b: State) -> tuple[RelationLevel, Treaty | None]:
    """The highest rung the pair has reached, and the first treaty that reached it.

    One query: binding treaties of a relation kind, best rung first, then earliest.
    """
    best = (
        treaties_between(a, b)
        .filter(binding_q(), kind__in=list(RELATION_LEVEL_BY_KIND))
        .annotate(level=level_expression())
        .order_by("-level", "signed_on", "pk")
        .first()
    )
    if best is None:
        return RelationLevel.NONE, None
    return RelationLevel(best.level), best


# A relations page lists the latest records of each type; the lists hold the rest.
RECORDS_LIMIT = 50


def _per_year(queryset, field: str) -> list[tuple[int | None, int]]:
    return list(
        queryset.order_by()
        .annotate(y=ExtractYear(field))
        .values_list("y")
        .annotate(n=Count("pk"))
        .order_by("y")
    )


def relation_between(
    a: State, b: State, *, with_records: bool = True, limit: int = RECORDS_LIMIT
) -> Relation:
    """Level, date reached, counts per year (aggregates) and the latest records."""
    level, treaty = relation_level(a, b)
    relation = Relation(
        a=a,
        b=b,
        level=level,
        reached=treaty.signed if treaty else None,
        reached_by=treaty,
    )
    if with_records:
        sets = {
            "treaties": (treaties_between(a, b), "signed_on"),
            "visits": (visits_between(a, b), "start_on"),
            "projects": (projects_between(a, b), "start_on"),
        }
        for kind, (queryset, field_name) in sets.items():
            for year, n in _per_year(queryset, field_name):
                relation.by_year.setdefault(year, {}).setdefault(kind, 0)
                relation.by_year[year][kind] += n
            setattr(relation, kind, list(queryset.for_list()[:limit]))
    return relation


def cached_relation(first: State, second: State) -> Relation:
    """``relation_between``, kept per data version under one key per pair (in
    either order): the relations page and the API's relations endpoint share
    it. At a million treaties the busiest pair's aggregates take seconds."""
    low, high = sorted((first.pk, second.pk))
    return cached(f"relation:{low}:{high}", lambda: relation_between(first, second))


@dataclass(frozen=True)
class Partner:
    state: State
    level: RelationLevel
    reached: PartialDate | None
    treaty: Treaty
    # Links built once with the (cached) list: a state page links up to 248
    # partners, each to the relations page and to the treaty.
    href: str
    treaty_href: str


def partners_of(state: State) -> list[Partner]:
    """Every state with a recorded relation to ``state``, closest first.

    One query over the party table: for each partner, its best rung and the
    earliest binding treaty that reached it.
    """
    rows = (
        TreatyParty.objects.filter(
            treaty__in=Treaty.objects.published()
            .filter(binding_q(), kind__in=list(RELATION_LEVEL_BY_KIND), treatyparty__state=state)
            .values("pk"),
            state__is_published=True,
        )
        .exclude(state=state)
        .select_related("state", "treaty")
        .annotate(level=level_expression("treaty__"))
        .order_by("state_id", "-level", "treaty__signed_on", "treaty_id")
    )
    if connections[rows.db].vendor == "postgresql":
        # The database keeps only each partner's best row (DISTINCT ON), so at
        # most one row per state comes back however many treaties there are.
        rows = rows.distinct("state_id")
    best: dict[int, Partner] = {}
    code = state.iso2.lower()
    for row in rows:
        if row.state_id not in best:
            best[row.state_id] = Partner(
                state=row.state,
                level=RelationLevel(row.level),
                reached=row.treaty.signed,
                treaty=row.treaty,
                href=relations_url(code, row.state.iso2.lower()),
                treaty_href=row.treaty.get_absolute_url(),
            )
    return sorted(best.values(), key=lambda p: (-p.level, p.state.name))
