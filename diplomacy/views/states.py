"""A state's page and the relations of two states."""

from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe
from markupsafe import Markup

from diplomacy import metadata
from diplomacy.caching.fragments import cached_fragment
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


def timeline(relation) -> dict:
    """Records per year, by type, laid out for an inline SVG bar chart."""
    counts = {year: c for year, c in relation.by_year.items() if year is not None}
    if not counts:
        return {"years": [], "width": 0, "height": 0}
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1))
    peak = max(sum(c.values()) for c in counts.values())
    bar, gap, chart_height = 14, 4, 120
    unit = chart_height / peak
    columns = []
    for index, year in enumerate(years):
        x = index * (bar + gap) + 30
        y = chart_height + 10
        year_counts = counts.get(year, {})
        stack = []
        for kind in ("treaties", "visits", "projects"):
            n = year_counts.get(kind, 0)
            if n:
                h = n * unit
                y -= h
                stack.append({"kind": kind, "n": n, "y": round(y, 1), "h": round(h, 1)})
        columns.append(
            {
                "year": year,
                "x": x,
                "stack": stack,
                "total": sum(year_counts.values()),
                "counts": {k: year_counts.get(k, 0) for k in ("treaties", "visits", "projects")},
            }
        )
    return {
        "years": columns,
        "width": len(years) * (bar + gap) + 40,
        "height": chart_height + 40,
        "bar": bar,
        "base": chart_height + 10,
        "label_every": max(1, len(years) // 12),
        "peak": peak,
        "last_year": last,
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
    relation = cached_relation(first, second, on=on)
    # The body names the states in the order asked ("Visits of <a>"): one fragment per order.
    body_html = cached_fragment(
        f"relation:{first.pk}:{second.pk}",
        "diplomacy/_relation_body.html",
        lambda: {"relation": relation, "a": first, "b": second, "chart": timeline(relation)},
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
