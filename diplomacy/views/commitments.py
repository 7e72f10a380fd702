"""Commitments side by side (SPEC 3.11) and the methodology page."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from diplomacy.choices import RelationLevel
from diplomacy.comparison import ComparisonError, compare_treaties
from diplomacy.models.commitments import commitment_kinds_by_pk


@require_safe
def treaty_compare(request):
    try:
        treaties, rows = compare_treaties(request.GET.getlist("t"))
    except ComparisonError as exc:
        return render(request, "diplomacy/treaty_compare.html", {"error": str(exc)}, status=400)
    return render(request, "diplomacy/treaty_compare.html", {"treaties": treaties, "rows": rows})


@require_safe
def about(request):
    return render(
        request,
        "diplomacy/about.html",
        {
            "kinds": list(commitment_kinds_by_pk().values()),
            "levels": [level for level in RelationLevel if level],
        },
    )
