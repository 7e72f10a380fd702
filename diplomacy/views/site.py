"""Home, search, health and crawler files."""

from urllib.parse import urlencode

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from diplomacy.caching import cached
from diplomacy.choices import RelationLevel, TreatyKind
from diplomacy.filtersets import ProjectFilterSet, StateFilterSet, TreatyFilterSet, VisitFilterSet
from diplomacy.models import Organization, Person, Project, State, Treaty, TreatyParty, Visit
from diplomacy.models.commitments import pact_only_q
from diplomacy.models.treaties import bound_two_parties_on
from diplomacy.pagination import approximate_count, count_label
from diplomacy.relations import binding_q
from diplomacy.search import search_queryset

HOME_LIST_LENGTH = 6
SEARCH_LIMIT = 20


def strongest_relations(limit: int = 10) -> tuple[RelationLevel | None, list[Treaty]]:
    """The most recent binding treaties at the top rung present in the register,
    with that rung: an alliance that is only a pact ranks as a strategic
    partnership here too (``diplomacy.relations.level_expression``); and only
    treaties that still bind two of their parties today (not one whose
    parties ceased to exist)."""
    alliance = Q(kind=TreatyKind.ALLIANCE)
    rungs = {
        RelationLevel.ALLIANCE: alliance & ~pact_only_q(),
        RelationLevel.STRATEGIC_PARTNERSHIP: Q(kind=TreatyKind.STRATEGIC_PARTNERSHIP)
        | (alliance & pact_only_q()),
        RelationLevel.DIPLOMATIC_RELATIONS: Q(kind=TreatyKind.DIPLOMATIC_RELATIONS),
    }
    for level, rung in rungs.items():
        treaties = list(
            Treaty.objects.published()
            .filter(binding_q(), rung, bound_two_parties_on(timezone.localdate()))
            .for_items()
            # The order of the partial (kind, date) index: no sort of every alliance.
            .order_by(F("signed_on").desc(nulls_last=True), "-pk")[:limit]
        )
        if treaties:
            return level, treaties
    return None, []


def register_counts() -> dict[str, str]:
    """Exact up to 1,000, estimated beyond: the home page must not count a
    million rows on every visit (and keeps the labels until the data changes)."""
    return {
        name: count_label(*approximate_count(queryset))
        for name, queryset in {
            "treaties": Treaty.objects.published(),
            "visits": Visit.objects.published(),
            "projects": Project.objects.published(),
            "states": State.objects.published().filter(
                Exists(TreatyParty.objects.filter(state=OuterRef("pk"), treaty__is_published=True))
            ),
        }.items()
    }


@require_GET
def home(request):
    context = {
        "counts": cached("home:counts", register_counts),
        "latest_treaties": Treaty.objects.published()
        .for_items()
        .order_by(F("signed_on").desc(nulls_last=True), "-pk")[:HOME_LIST_LENGTH],
        "recent_visits": Visit.objects.published()
        .for_items()
        .order_by(F("start_on").desc(nulls_last=True), "-pk")[:HOME_LIST_LENGTH],
        "strongest": strongest_relations(),  # (level, treaties)
    }
    return render(request, "diplomacy/home.html", context)


# What search looks through, in order: (heading, kind of result, records as
# the result shows them, fields searched with the name first, relations to the
# states it involves, list page). The lists search as their ``q`` filter does.
def _searched():
    published_states = Prefetch("states", queryset=State.objects.published())
    return [
        (
            "Treaties",
            "treaty",
            Treaty.objects.published().for_items(),  # kind, date, parties' names
            TreatyFilterSet,
            "treaty-list",
        ),
        (
            "Visits",
            "visit",
            Visit.objects.published().select_related("host", "guest"),
            VisitFilterSet,
            "visit-list",
        ),
        (
            "Projects",
            "project",
            Project.objects.published().prefetch_related(published_states),
            ProjectFilterSet,
            "project-list",
        ),
        ("States", "state", State.objects.published(), StateFilterSet, "state-list"),
        (
            "People",
            "person",
            Person.objects.published().select_related("state"),
            ("name", "office"),
            None,
        ),
        (
            "Organizations",
            "organization",
            Organization.objects.published().select_related("state"),
            ("name", "acronym"),
            None,
        ),
    ]


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    groups = []
    if query.split():
        for label, kind, records, searched, list_url in _searched():
            fields = getattr(searched, "search_fields", searched)
            paths = getattr(searched, "search_state_paths", ())
            matches = search_queryset(
                records, query, fields, fields[0], rank=True, state_paths=paths
            )
            rows = list(matches[: SEARCH_LIMIT + 1])
            if rows:
                more_url = f"{reverse(list_url)}?{urlencode({'q': query})}" if list_url else None
                groups.append(
                    {
                        "label": label,
                        "kind": kind,
                        "results": rows[:SEARCH_LIMIT],
                        "more": len(rows) > SEARCH_LIMIT,
                        "more_url": more_url,
                    }
                )
    return render(
        request,
        "diplomacy/search.html",
        {"query": query, "groups": groups, "searched": bool(query.split())},
    )


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def healthz(request):
    """Liveness and database reachability, for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
