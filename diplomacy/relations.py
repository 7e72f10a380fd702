"""The relations of two states, derived from the register (SPEC 3.8).

Nothing here is stored: the level of a pair is the highest rung of
diplomatic relations < strategic partnership < alliance reached by a published
treaty between them that still binds them (in force, or signed and not ended).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractYear

from diplomacy.caching import cached
from diplomacy.choices import ACTIVE_TREATY_STATUSES, RELATION_LEVEL_BY_KIND, RelationLevel
from diplomacy.models import Project, State, Treaty, TreatyParty, Visit
from diplomacy.models.reference import published_states_by_pk
from diplomacy.models.treaties import binding_relation_treaty
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


def relation_level(a: State, b: State) -> tuple[RelationLevel, Treaty | None]:
    """The highest rung the pair has reached, and the first treaty that reached it.

    One query: binding treaties of a relation kind, best rung first, then earliest.
    """
    # The best treaty's id first, from the partial index's columns alone
    # (kind, date, id); then that one treaty's row.
    best_id = (
        treaties_between(a, b)
        .filter(binding_relation_treaty())
        .annotate(level=level_expression())
        .order_by("-level", "signed_on", "pk")
        .values("pk")[:1]
    )
    best = Treaty.objects.annotate(level=level_expression()).filter(pk=Subquery(best_id)).first()
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


def _treaty_years_between(a: State, b: State) -> list[tuple[int | None, int]]:
    """Published treaties of both states per year signed, counted from the
    party rows' copies of the treaty's date and publication: an index of a's
    party rows joined to b's, without reading a treaty (at a million
    treaties, the busiest pair share tens of thousands)."""
    return list(
        TreatyParty.objects.filter(state=a, treaty_is_published=True)
        .filter(Exists(TreatyParty.objects.filter(treaty_id=OuterRef("treaty_id"), state=b)))
        .order_by()
        .annotate(y=ExtractYear("treaty_signed_on"))
        .values_list("y")
        .annotate(n=Count("*"))  # not of a column: the index holds every one read
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
            "treaties": (treaties_between(a, b), _treaty_years_between(a, b)),
            "visits": (visits_between(a, b), _per_year(visits_between(a, b), "start_on")),
            "projects": (projects_between(a, b), _per_year(projects_between(a, b), "start_on")),
        }
        for kind, (queryset, years) in sets.items():
            for year, n in years:
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

    One query over the party rows of the treaties that set a level (a partial
    index holds them, with their kind and date): for each partner, its best
    rung and the earliest binding treaty that reached it; then those treaties.
    """
    rows = (
        TreatyParty.objects.filter(
            # Said of the joined treaty so that the join reads the partial index.
            binding_relation_treaty("treaty__"),
            Exists(TreatyParty.objects.filter(treaty_id=OuterRef("treaty_id"), state=state)),
        )
        .exclude(state=state)
        .annotate(level=level_expression("treaty__"))
        .order_by("state_id", "-level", "treaty__signed_on", "treaty_id")
        .values_list("state_id", "treaty_id", "level")
    )
    if connections[rows.db].vendor == "postgresql":
        # The database keeps only each partner's best row (DISTINCT ON), so at
        # most one row per state comes back however many treaties there are.
        rows = rows.distinct("state_id")
    states = published_states_by_pk()
    best: dict[int, tuple[int, int]] = {}
    for state_id, treaty_id, level in rows:
        if state_id not in best and state_id in states:
            best[state_id] = (treaty_id, level)
    treaties = Treaty.objects.only(
        "slug", "title", "short_title", "kind", "signed_on", "signed_on_precision"
    ).in_bulk([treaty_id for treaty_id, _ in best.values()])
    code = state.code
    partners = [
        Partner(
            state=states[state_id],
            level=RelationLevel(level),
            reached=treaties[treaty_id].signed,
            treaty=treaties[treaty_id],
            href=relations_url(code, states[state_id].code),
            treaty_href=treaties[treaty_id].get_absolute_url(),
        )
        for state_id, (treaty_id, level) in best.items()
    ]
    return sorted(partners, key=lambda p: (-p.level, p.state.name))
