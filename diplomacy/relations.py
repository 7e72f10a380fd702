"""The relations of two states, derived from the register (SPEC 3.8).

Nothing here is stored: the level of a pair is the highest rung of
diplomatic relations < strategic partnership < alliance reached by a published
treaty between them that still binds them (in force, or signed and not ended).
"""

from __future__ import annotations

import datetime
import heapq
import re
from dataclasses import dataclass, field, replace

from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

from diplomacy.caching import cached
from diplomacy.choices import (
    ACTIVE_TREATY_STATUSES,
    RELATION_LEVEL_BY_KIND,
    RelationLevel,
    TreatyKind,
)
from diplomacy.models import Commitment, Project, State, Treaty, TreatyParty, Visit
from diplomacy.models.commitments import commitment_kinds_by_pk, is_pact_only, pact_only_q
from diplomacy.models.reference import published_states_by_pk
from diplomacy.models.states import existence_end
from diplomacy.models.treaties import (
    ENDED_TREATY_STATUSES,
    binding_relation_treaty,
    party_member_on,
)
from diplomacy.partial_dates import PartialDate
from diplomacy.urlpaths import relations_url


def level_expression(prefix: str = "") -> Case:
    """SQL CASE giving the relation rung a treaty establishes (0 for none): its
    kind's, except an alliance that is only a pact (``treaty_span``)."""
    return Case(
        When(
            Q(**{f"{prefix}kind": TreatyKind.ALLIANCE}) & pact_only_q(f"{prefix}pk"),
            then=Value(int(RelationLevel.STRATEGIC_PARTNERSHIP)),
        ),
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


def _partial(value, precision) -> PartialDate | None:
    return PartialDate(value, precision) if value else None


def _day(value: PartialDate | None) -> datetime.date | None:
    return value.date if value else None


@dataclass(frozen=True)
class Span:
    """The time one treaty set a pair's level (SPEC 3.8, 3.10): from the
    latest of the treaty's start (entry into force, else, where only the
    signature is known, signature) and each party's own joining date, until
    the earliest of its end and each party's exit (that day included)."""

    treaty: Treaty
    level: RelationLevel
    start: PartialDate | None
    end: PartialDate | None
    by_signature: bool
    # Has a start and a known end, so it has a place in the level's history.
    placed: bool
    # Binds the pair on the day asked for (an undated treaty: while it binds).
    binding_now: bool
    # Its commitment kinds (SPEC 3.11), each once, in the vocabulary's order.
    commitments: tuple = ()

    def binds_on(self, day: datetime.date) -> bool:
        return self.placed and self.start.date <= day and (self.end is None or self.end.date >= day)


def treaty_span(
    treaty: Treaty, parties: list[dict], day: datetime.date, commitments: tuple = ()
) -> Span:
    """A treaty's span for the states whose own dates (``joined``, ``left``) are
    given; an alliance whose security commitments make it only a pact ranks
    as a strategic partnership (``is_pact_only``)."""
    active = treaty.status in ACTIVE_TREATY_STATUSES
    # As ``treaty_in_force_on``: by signature while it binds, or until a known end.
    ended = treaty.status in ENDED_TREATY_STATUSES and treaty.ended_on
    if treaty.entry_into_force_on:
        treaty_start, by_signature = treaty.entry_into_force, False
    elif (active or ended) and treaty.signed_on:
        treaty_start, by_signature = treaty.signed, True
    else:
        treaty_start, by_signature = None, False
    joined = [row["joined"] for row in parties if row["joined"]]
    left = [row["left"] for row in parties if row["left"]]
    # A state's memberships end with its existence (SPEC 3.9), as
    # ``party_member_on`` has it: from where each one began, else today.
    signed = treaty.signed or treaty.entry_into_force
    ceased = [
        end
        for row in parties
        if (end := existence_end(row.get("state_id"), _day(row["joined"] or signed) or day))
    ]
    ends = [*([treaty.ended] if treaty.ended_on else []), *left, *ceased]
    start = max([treaty_start, *joined], key=lambda d: d.date) if treaty_start else None
    end = min(ends, key=lambda d: d.date) if ends else None
    # No longer binding, since a day the register does not know.
    ended_unknown = not treaty.ended_on and not active
    undated = active and not treaty.signed_on and not treaty.entry_into_force_on
    placed = bool(start) and not ended_unknown and (end is None or end.date >= start.date)
    binding_now = (
        (placed or (undated and not joined))
        and not ended_unknown
        and (start is None or start.date <= day)
        and (end is None or end.date >= day)
    )
    level = RELATION_LEVEL_BY_KIND.get(treaty.kind, RelationLevel.NONE)
    if level == RelationLevel.ALLIANCE and is_pact_only(commitments):
        level = RelationLevel.STRATEGIC_PARTNERSHIP
    return Span(
        treaty, RelationLevel(level), start, end, by_signature, placed, binding_now, commitments
    )


def commitment_kinds_of(treaty_ids) -> dict[int, tuple]:
    """``{treaty id: (CommitmentKind, ...)}``, each kind once in the vocabulary's
    order; one query on the commitments' (kind, treaty) rows, none without treaties."""
    if not treaty_ids:
        return {}
    rows = list(
        Commitment.objects.filter(treaty_id__in=list(treaty_ids))
        .order_by()
        .values_list("treaty_id", "kind_id")
        .distinct()
    )
    if not rows:
        return {}
    kinds = commitment_kinds_by_pk()
    rank = {pk: n for n, pk in enumerate(kinds)}
    found: dict[int, list] = {}
    for treaty_id, kind_id in rows:
        found.setdefault(treaty_id, []).append(kind_id)
    return {
        pk: tuple(kinds[k] for k in sorted(ids, key=rank.__getitem__) if k in kinds)
        for pk, ids in found.items()
    }


@dataclass(frozen=True)
class Period:
    """A stretch of a pair's level history, with the treaty that carried it
    (``None`` for a stretch with no relation after one ended)."""

    level: RelationLevel
    treaty: Treaty | None
    by_signature: bool
    first_day: datetime.date
    # The day after its last one; None while it lasts.
    stop_day: datetime.date | None
    # How to say its start: ``start`` ("from 14 November 2005"), or ``after``
    # ("after 1999": the day after the end that opened it).
    start: PartialDate | None
    after: PartialDate | None
    # Its last day as the sources give it, when a span's end ended it; else
    # the next period's start says when it ended.
    end: PartialDate | None

    def covers(self, day: datetime.date) -> bool:
        return self.first_day <= day and (self.stop_day is None or day < self.stop_day)


def level_history(spans: list[Span]) -> list[Period]:
    """The pair's level over time: on each day, the highest level a span in
    force gives, carried by the earliest-started treaty at that level."""
    placed = [span for span in spans if span.placed]
    starts: dict[datetime.date, PartialDate] = {}
    stops: dict[datetime.date, PartialDate] = {}
    for span in placed:
        starts.setdefault(span.start.date, span.start)
        if span.end:
            stops.setdefault(span.end.date + datetime.timedelta(days=1), span.end)
    days = sorted(set(starts) | set(stops))
    periods: list[Period] = []
    # A sweep over the days something starts or stops, the spans in force in
    # a heap, best first; a span that stopped leaves it when it comes to the
    # top (n log n: the busiest pair of a large register has a thousand spans).
    by_start: dict[datetime.date, list[Span]] = {}
    for span in placed:
        by_start.setdefault(span.start.date, []).append(span)
    heap: list[tuple] = []
    for index, day in enumerate(days):
        following = days[index + 1] if index + 1 < len(days) else None
        for span in by_start.get(day, ()):
            heapq.heappush(heap, (-span.level, span.start.date, span.treaty.pk, span))
        while heap and heap[0][3].end is not None and heap[0][3].end.date < day:
            heapq.heappop(heap)
        best = heap[0][3] if heap else None
        level = best.level if best else RelationLevel.NONE
        treaty = best.treaty if best else None
        if not periods and best is None:
            continue
        if periods and periods[-1].level == level and periods[-1].treaty == treaty:
            periods[-1] = replace(periods[-1], stop_day=following, end=None)
        else:
            periods.append(
                Period(
                    level=level,
                    treaty=treaty,
                    by_signature=best.by_signature if best else False,
                    first_day=day,
                    stop_day=following,
                    start=starts.get(day),
                    after=None if day in starts else stops.get(day),
                    end=None,
                )
            )
        if following is not None and following in stops:
            periods[-1] = replace(periods[-1], end=stops[following])
    return periods


@dataclass
class Relation:
    a: State
    b: State
    level: RelationLevel
    reached: PartialDate | None
    reached_by: Treaty | None
    # The day the level is for; None: today.
    on: datetime.date | None = None
    history: list[Period] = field(default_factory=list)
    # The treaty that sets the level counts by its signature alone (no entry
    # into force recorded): pages say so.
    by_signature: bool = False
    treaties: list[Treaty] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    # The commitment kinds of the treaties that bind the pair on the day (SPEC 3.11).
    commitments: list = field(default_factory=list)
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


# A treaty's columns a span and a page's link need, read with its party rows.
SPAN_TREATY_FIELDS = (
    "slug", "title", "short_title", "kind", "status",
    "signed_on", "signed_on_precision", "entry_into_force_on", "entry_into_force_on_precision",
    "ended_on", "ended_on_precision",
)  # fmt: skip
PARTY_DATE_FIELDS = (
    "consented_on", "consented_on_precision", "entry_into_force_on",
    "entry_into_force_on_precision", "left_on", "left_on_precision",
)  # fmt: skip


def own_dates(values: dict, state_id: int, prefix: str = "") -> dict:
    """A party row's state, its own joining date (entry into force for it,
    else consent) and exit."""

    def get(name):
        return _partial(values[f"{prefix}{name}"], values[f"{prefix}{name}_precision"])

    return {
        "state_id": state_id,
        "joined": get("entry_into_force_on") or get("consented_on"),
        "left": get("left_on"),
    }


def _is_party_row(state: State) -> Exists:
    return Exists(TreatyParty.objects.filter(treaty_id=OuterRef("treaty_id"), state=state))


def pair_spans(a: State, b: State, day: datetime.date) -> list[Span]:
    """Every published treaty of a relation kind between the pair, as a span.

    One query: the two states' party rows of those treaties (the relation-kind
    partial index and the party rows' covering index), with the treaty's dates.
    """
    rows = (
        TreatyParty.objects.filter(
            state_id__in=(a.pk, b.pk),
            treaty__is_published=True,
            treaty__kind__in=list(RELATION_LEVEL_BY_KIND),
        )
        .filter(_is_party_row(a), _is_party_row(b))
        .order_by()
        .values(
            "treaty_id",
            "state_id",
            *PARTY_DATE_FIELDS,
            *(f"treaty__{name}" for name in SPAN_TREATY_FIELDS),
        )
    )
    treaties: dict[int, Treaty] = {}
    parties: dict[int, list[dict]] = {}
    for row in rows:
        pk = row["treaty_id"]
        if pk not in treaties:
            # Only what a span and a link need: the page shows title and date.
            treaties[pk] = Treaty(
                pk=pk, **{name: row[f"treaty__{name}"] for name in SPAN_TREATY_FIELDS}
            )
        parties.setdefault(pk, []).append(own_dates(row, row["state_id"]))
    kinds = commitment_kinds_of(treaties)
    return [
        treaty_span(treaties[pk], parties[pk], day, kinds.get(pk, ())) for pk in sorted(treaties)
    ]


def level_on(
    history: list[Period], spans: list[Span], on: datetime.date | None, today: datetime.date
) -> tuple[RelationLevel, PartialDate | None, Treaty | None, bool]:
    """The level on ``on`` (today when None), the date it was reached (the
    start of the unbroken stretch at that level), the treaty that reached it,
    and whether the treaty carrying it counts by signature only. Today also
    counts a binding treaty the register has no date for, as it always has."""
    day = on or today
    index = next((i for i, p in enumerate(history) if p.covers(day)), None)
    level, reached, by, by_signature = RelationLevel.NONE, None, None, False
    if index is not None and history[index].level != RelationLevel.NONE:
        first = index
        while (
            first > 0
            and history[first - 1].level == history[index].level
            and history[first - 1].stop_day == history[first].first_day
        ):
            first -= 1
        level, by = history[first].level, history[first].treaty
        reached = history[first].start or history[first].after
        by_signature = history[index].by_signature
    if on is None:
        undated = min(
            (s for s in spans if s.binding_now and not s.placed),
            key=lambda s: (-s.level, s.treaty.pk),
            default=None,
        )
        if undated is not None and undated.level > level:
            level, reached, by, by_signature = undated.level, None, undated.treaty, False
    return level, reached, by, by_signature


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
    a: State,
    b: State,
    *,
    with_records: bool = True,
    limit: int = RECORDS_LIMIT,
    on: datetime.date | None = None,
) -> Relation:
    """Level (today, or ``on`` a date) and its history, the date it was
    reached, counts per year (aggregates) and the latest records."""
    today = timezone.localdate()
    spans = pair_spans(a, b, today)
    history = level_history(spans)
    level, reached, treaty, by_signature = level_on(history, spans, on, today)
    relation = Relation(
        a=a,
        b=b,
        level=level,
        reached=reached,
        reached_by=treaty,
        on=on,
        history=history,
        by_signature=by_signature,
        commitments=commitments_in_force(spans, on),
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


def commitments_in_force(spans: list[Span], on: datetime.date | None) -> list:
    """The commitment kinds of the treaties binding the pair on ``on`` (today:
    those binding now), each once, in the vocabulary's order."""
    binding = [s for s in spans if (s.binds_on(on) if on else s.binding_now)]
    kinds = {kind.pk: kind for span in binding for kind in span.commitments}
    return sorted(kinds.values(), key=lambda kind: (kind.order, kind.value))


ON_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def on_date(text: str | None) -> tuple[datetime.date | None, str]:
    """``?on=YYYY-MM-DD`` (the relations page and API): the day, or the message
    that says why it is not one. An absent or empty value means today."""
    if not text:
        return None, ""
    if ON_DATE.fullmatch(text):
        try:
            return datetime.date.fromisoformat(text), ""
        except ValueError:
            pass
    return None, f"“{text[:40]}” is not a date: give on=YYYY-MM-DD, e.g. on=1995-06-01."


def cached_relation(
    first: State, second: State, on: datetime.date | None = None, *, with_records: bool = True
) -> Relation:
    """``relation_between``, kept per data version under one key per pair (in
    either order) and day: the relations page and the API's relations
    endpoint share it. At a million treaties the busiest pair's aggregates
    take seconds. Today's relation is keyed by today's date too: a recorded
    exit or entry into force may fall on any day. Without records it is the
    level, its history and commitments alone: what the page's heading says
    on any day, quick to read back (the records are model instances, which
    the page's cached body already shows)."""
    low, high = sorted((first.pk, second.pk))
    day = (on or timezone.localdate()).isoformat()
    part = "records" if with_records else "level"
    key = f"relation:{low}:{high}:{'on' if on else 'now'}:{day}:{part}"
    return cached(key, lambda: relation_between(first, second, on=on, with_records=with_records))


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
    # A former partner: the day the relation ended (None: not known).
    until: PartialDate | None = None


def _partner_rows(state: State, day: datetime.date, former: list[int] | None = None):
    """Each partner's best party row in the treaties with ``state`` that set
    a level: a treaty binding both on ``day`` first (``current``), then the
    best it had before. With ``former``, every row of those partners."""
    own = TreatyParty.objects.filter(treaty_id=OuterRef("treaty_id"), state=state)
    binding = Q(
        binding_relation_treaty("treaty__"),
        party_member_on(day),
        Exists(own.filter(party_member_on(day, state_id=state.pk))),
    )
    rows = (
        TreatyParty.objects.filter(
            Exists(own), treaty__is_published=True, treaty__kind__in=list(RELATION_LEVEL_BY_KIND)
        )
        .exclude(state=state)
        .annotate(
            level=level_expression("treaty__"),
            current=Case(
                When(binding, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("state_id", "-current", "-level", "treaty__signed_on", "treaty_id")
        .values("state_id", "treaty_id", "level", "current", *PARTY_DATE_FIELDS)
    )
    if former is not None:
        return rows.filter(state_id__in=former)
    if connections[rows.db].vendor == "postgresql":
        # The database keeps only each partner's best row (DISTINCT ON), so at
        # most one row per state comes back however many treaties there are.
        rows = rows.distinct("state_id")
    return rows


def partners_and_former(state: State) -> tuple[list[Partner], list[Partner]]:
    """The states with a relation to ``state`` today, closest first; and the
    states it had one with and has no more (their best level then, and when
    it ended: a treaty's end, or one of them leaving it).

    One query over the party rows of the treaties that set a level (a partial
    index holds them, with their kind and dates): for each partner its best
    row, binding ones first; then those treaties, with ``state``'s own
    membership of each. A former partner's best treaty may be one the two
    never shared (one joined after the other left): only then are all its
    rows read, to find the best treaty that did bind the pair.
    """
    today = timezone.localdate()
    states = published_states_by_pk()
    best: dict[int, dict] = {}
    for row in _partner_rows(state, today):
        if row["state_id"] not in best and row["state_id"] in states:
            best[row["state_id"]] = row
    spans = _spans_with(state, list(best.values()), today)
    unshared = [pk for pk, row in best.items() if not row["current"] and not spans[pk][0][1].placed]
    if unshared:
        every = list(_partner_rows(state, today, former=unshared))
        spans.update(_spans_with(state, every, today))
    code = state.code
    current, former = [], []
    for state_id, found in spans.items():
        if not best[state_id]["current"]:
            # Never bound both at once (one joined after the other left): no relation.
            found = [(row, span) for row, span in found if span.placed]
            if not found:
                continue
            found.sort(key=lambda pair: (-pair[0]["level"], pair[1].start.date, pair[1].treaty.pk))
        row, span = found[0]
        partner = Partner(
            state=states[state_id],
            level=RelationLevel(row["level"]),
            reached=span.start,
            treaty=span.treaty,
            href=relations_url(code, states[state_id].code),
            treaty_href=span.treaty.get_absolute_url(),
            until=None if row["current"] else span.end,
        )
        (current if row["current"] else former).append(partner)
    order = lambda p: (-p.level, p.state.name)  # noqa: E731
    return sorted(current, key=order), sorted(former, key=order)


def _spans_with(state: State, rows: list[dict], today: datetime.date) -> dict[int, list]:
    """``{partner id: [(row, span), ...]}``: each partner row's treaty as a
    span of the pair, ``state``'s own membership read with the treaties (one query)."""
    treaties: dict[int, Treaty] = {}
    own: dict[int, dict] = {}
    for row in Treaty.objects.filter(
        pk__in={row["treaty_id"] for row in rows}, treatyparty__state=state
    ).values("pk", *SPAN_TREATY_FIELDS, *(f"treatyparty__{name}" for name in PARTY_DATE_FIELDS)):
        fields = {name: row[name] for name in SPAN_TREATY_FIELDS}
        treaties[row["pk"]] = Treaty(pk=row["pk"], **fields)
        own[row["pk"]] = own_dates(row, state.pk, "treatyparty__")
    spans: dict[int, list] = {}
    for row in rows:
        treaty = treaties[row["treaty_id"]]
        parties = [own[treaty.pk], own_dates(row, row["state_id"])]
        spans.setdefault(row["state_id"], []).append((row, treaty_span(treaty, parties, today)))
    return spans


def partners_of(state: State) -> list[Partner]:
    """Every state with a relation to ``state`` today, closest first."""
    return partners_and_former(state)[0]
