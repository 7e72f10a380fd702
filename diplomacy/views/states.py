"""A state's page and the relations of two states."""

from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe
from markupsafe import Markup

from diplomacy import metadata
from diplomacy.caching.fragments import cached_fragment
from diplomacy.charts import SIZES, Series, partners_map, year_chart
from diplomacy.choices import RelationLevel
from diplomacy.models import (
    Project,
    ProjectState,
    State,
    StateSuccession,
    Treaty,
    TreatyParty,
    Visit,
)
from diplomacy.relations import cached_relation, on_date, partners_and_former

# A state page shows the latest records of each type; the lists hold the rest.
STATE_PAGE_LIMIT = 20


def _state_or_404(code: str) -> State:
    if len(code) not in (2, 3) or not code.isascii() or not code.isalpha():
        raise Http404("No such state code.")
    try:
        return State.objects.published().get(code=code.lower())
    except State.DoesNotExist:
        raise Http404("No such state.") from None


def _latest_through_copies(rows, date_copy: str, record_id: str, records, limit: int) -> list:
    """The latest ``limit`` published records of a state, newest first.

    Read from the state's link rows' own copy of each record's date and
    publication (one range of a partial index, whatever the table's size), then
    fetched by primary key from ``records``, which checks publication again, so
    a draft can never slip in through a stale copy.
    """
    ids = list(
        rows.order_by(F(date_copy).desc(nulls_last=True), f"-{record_id}").values_list(
            record_id, flat=True
        )[:limit]
    )
    by_id = {record.pk: record for record in records.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def latest_treaties_of(state: State, limit: int) -> list[Treaty]:
    return _latest_through_copies(
        TreatyParty.objects.filter(state_id=state.pk, treaty_is_published=True),
        "treaty_signed_on",
        "treaty_id",
        Treaty.objects.published().for_items(),
        limit,
    )


def latest_projects_of(state: State, limit: int) -> list[Project]:
    return _latest_through_copies(
        ProjectState.objects.filter(state_id=state.pk, project_is_published=True),
        "project_start_on",
        "project_id",
        Project.objects.published().for_items(),
        limit,
    )


def history_context(state: State) -> dict:
    """Periods, predecessors and successors (published ones): two queries."""
    periods = list(state.periods.all())
    changes = list(
        StateSuccession.objects.filter(
            Q(predecessor=state, successor__is_published=True)
            | Q(successor=state, predecessor__is_published=True)
        ).select_related("predecessor", "successor")
    )
    return {
        "periods": periods,
        "is_former": bool(periods) and all(p.ended_on is not None for p in periods),
        "predecessors": [c for c in changes if c.successor_id == state.pk],
        "successors": [c for c in changes if c.predecessor_id == state.pk],
    }


def state_body_context(state: State) -> dict:
    """A state page's derived part: partners grouped by level, closest first,
    and the latest records of each type."""
    partners, former = partners_and_former(state)
    levels = sorted((level for level in RelationLevel if level != RelationLevel.NONE), reverse=True)
    groups = [(level, [p for p in partners if p.level == level]) for level in levels]
    return {
        **history_context(state),
        "state": state,
        "partner_groups": [(level, members) for level, members in groups if members],
        # Drawn from the partners just read, inside this cached part: no query of its own.
        "world_map": partners_map(state, partners) if partners else None,
        # States it had a relation with and has no more (a treaty ended, one left it).
        "former_partners": former,
        "treaties": latest_treaties_of(state, STATE_PAGE_LIMIT),
        "visits_hosted": list(
            Visit.objects.published().filter(host=state).for_items()[:STATE_PAGE_LIMIT]
        ),
        "visits_made": list(
            Visit.objects.published().filter(guest=state).for_items()[:STATE_PAGE_LIMIT]
        ),
        "projects": latest_projects_of(state, STATE_PAGE_LIMIT),
    }


def state_body(state: State) -> Markup:
    """Partners and latest records, rendered once per data version: they depend
    on the published data alone (at a million treaties a mid-size state lists
    211 partners and full lists)."""
    # Keyed by the day too: a recorded exit or entry into force may fall on any day.
    return cached_fragment(
        f"state:{state.pk}:{timezone.localdate().isoformat()}",
        "diplomacy/_state_body.html",
        lambda: state_body_context(state),
    )


@require_safe
def state_detail(request, iso2):
    state = _state_or_404(iso2)
    body_html = state_body(state)
    return render(
        request,
        "diplomacy/state_detail.html",
        {
            "record": state,
            "state": state,
            "body_html": body_html,
            "jsonld": metadata.state_jsonld(request, state),
            "citation": metadata.citation_text(request, state, state.name),
        },
    )


# A relation's timeline: one series per type of record, in the site's colours.
TIMELINE_SERIES = [
    Series("treaties", "Treaties", "#0b5cad", ("treaty", "treaties")),
    Series("visits", "Visits", "#d97706", ("visit", "visits")),
    Series("projects", "Projects", "#0b7a5c", ("project", "projects")),
]


def timeline(relation, a: State, b: State) -> dict:
    """Records per year, by type: a chart for wide screens and one for phones
    (``diplomacy.charts``), and the rows of the table that holds the same numbers."""
    counts = {year: c for year, c in relation.by_year.items() if year is not None}
    if not counts:
        return {"years": []}
    first, last = min(counts), max(counts)
    drawn = {
        size: year_chart(
            counts,
            TIMELINE_SERIES,
            title="Records per year",
            description=(
                f"Treaties, visits and projects between {a.name} and {b.name} per year,"
                f" from {first} to {last}."
            ),
            size=size,
            total_noun=("record", "records"),
        )
        for size in SIZES
    }
    kinds = [s.key for s in TIMELINE_SERIES]
    return {
        **drawn,
        "years": [
            {"year": year, "counts": {k: counts[year].get(k, 0) for k in kinds}}
            for year in sorted(counts)
        ],
    }


@require_safe
def relations_detail(request, a, b):
    first, second = _state_or_404(a), _state_or_404(b)
    if first.pk == second.pk:
        raise Http404("A state has no relations with itself.")
    on, problem = on_date(request.GET.get("on"))
    if problem:
        return render(
            request,
            "diplomacy/relations_detail.html",
            {"a": first, "b": second, "on_error": problem, "on_value": request.GET.get("on")},
            status=400,
        )
    relation = cached_relation(first, second, on=on, with_records=False)

    def body_context():
        # The body (history, records, timeline) is the same on any day asked.
        full = cached_relation(first, second)
        return {"relation": full, "a": first, "b": second, "chart": timeline(full, first, second)}

    # The body names the states in the order asked ("Visits of <a>"): one fragment per order.
    body_html = cached_fragment(
        f"relation:{first.pk}:{second.pk}", "diplomacy/_relation_body.html", body_context
    )
    canonical_codes = sorted([first.code, second.code])
    return render(
        request,
        "diplomacy/relations_detail.html",
        {
            "relation": relation,
            "a": first,
            "b": second,
            "body_html": body_html,
            "canonical_codes": canonical_codes,
            "on_value": on.isoformat() if on else "",
        },
    )
