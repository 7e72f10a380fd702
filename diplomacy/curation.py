"""What the admin home shows curators: the work waiting for them."""

from django.db.models import Exists, OuterRef, Q

from diplomacy.models import CITED_MODELS, Project, Treaty, TreatyParty, Visit

CURATED_MODELS = (Treaty, Visit, Project)
RECENT_LENGTH = 10


def dashboard() -> dict:
    """A fixed number of queries: two per record model, one per cited model, one for history."""
    drafts = []
    for model in CURATED_MODELS:
        queryset = model.objects.filter(is_published=False)
        drafts.append(
            {
                "model": model._meta.verbose_name_plural,
                "count": queryset.count(),
                "url_name": f"admin:diplomacy_{model._meta.model_name}_changelist",
            }
        )
    unsourced = []
    for model, citation_model in CITED_MODELS.items():
        if model not in CURATED_MODELS:
            continue
        rows = list(
            model.objects.filter(
                ~Exists(citation_model.objects.filter(record=OuterRef("pk")))
            ).order_by("-updated_at")[:RECENT_LENGTH]
        )
        unsourced.append({"model": model._meta.verbose_name_plural, "records": rows})
    incomplete = list(
        Treaty.objects.filter(
            Q(signed_on__isnull=True) | ~Exists(TreatyParty.objects.filter(treaty=OuterRef("pk")))
        ).order_by("-updated_at")[:RECENT_LENGTH]
    )
    recent = sorted(
        (
            row
            for model in CURATED_MODELS
            for row in model.history.select_related("history_user").order_by("-history_date")[
                :RECENT_LENGTH
            ]
        ),
        key=lambda row: row.history_date,
        reverse=True,
    )[:RECENT_LENGTH]
    return {"drafts": drafts, "unsourced": unsourced, "incomplete": incomplete, "recent": recent}
