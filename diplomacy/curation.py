"""What the admin home shows curators: the work waiting for them, and what changed."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from diplomacy.models import CITED_MODELS, Project, Treaty, TreatyParty, Visit

CURATED_MODELS = (Treaty, Visit, Project)
RECENT_LENGTH = 10
# django-simple-history writes one row per save() and one more per change of a
# tracked many-to-many (sectors, signatories...), so one save in the admin can
# leave several rows. They copy the same record, so they share its updated_at:
# that is what makes them one save.
# Columns that change on every save or are kept by the database: never news.
UNREPORTED_FIELDS = ["updated_at", "search_vector"]


@dataclass
class Change:
    """One save, as the desk lists it: record — who — when — which fields."""

    record: str
    model: str
    url: str | None
    who: str
    when: datetime.datetime
    action: str
    fields: list[str]


def dashboard() -> dict:
    """A fixed number of queries: three per record model, one per cited model, and
    for the recent changes one per model plus two per change listed."""
    drafts = []
    for model in CURATED_MODELS:
        queryset = model.objects.filter(is_published=False)
        drafts.append(
            {
                "model": model._meta.verbose_name_plural,
                "count": queryset.count(),
                "records": list(queryset.order_by("-updated_at", "-pk")[:RECENT_LENGTH]),
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
            ).order_by("-updated_at", "-pk")[:RECENT_LENGTH]
        )
        unsourced.append({"model": model._meta.verbose_name_plural, "records": rows})
    incomplete = list(
        Treaty.objects.filter(
            Q(signed_on__isnull=True) | ~Exists(TreatyParty.objects.filter(treaty=OuterRef("pk")))
        ).order_by("-updated_at", "-pk")[:RECENT_LENGTH]
    )
    return {
        "drafts": drafts,
        "unsourced": unsourced,
        "incomplete": incomplete,
        "recent": recent_changes(),
    }


def recent_changes(length: int = RECENT_LENGTH) -> list[Change]:
    """The latest saves of treaties, visits and projects, newest first."""
    rows = sorted(
        (
            row
            for model in CURATED_MODELS
            for row in model.history.select_related("history_user").order_by(
                "-history_date", "-history_id"
            )[: length * 4]
        ),
        key=lambda row: row.history_date,
        reverse=True,
    )
    saves: dict[tuple, list] = {}
    for row in rows:
        key = (row.instance_type, row.id, row.updated_at)
        if key not in saves:
            if len(saves) == length:
                break
            saves[key] = []
        saves[key].append(row)
    return [describe(save) for save in saves.values()]


def describe(save: list) -> Change:
    newest, oldest = save[0], save[-1]
    model = newest.instance_type
    user = newest.history_user
    fields: list[str] = []
    if newest.history_type == "-":
        action = "deleted"
    elif (before := oldest.prev_record) is None:
        action = "created"
    else:
        action = "changed"
        delta = newest.diff_against(before, excluded_fields=UNREPORTED_FIELDS)
        fields = [str(model._meta.get_field(change.field).verbose_name) for change in delta.changes]
    return Change(
        record=str(newest.instance),
        model=str(model._meta.verbose_name),
        url=None
        if action == "deleted"
        else reverse(f"admin:diplomacy_{model._meta.model_name}_change", args=[newest.id]),
        who=(user.get_full_name() or user.get_username()) if user else "an import or a command",
        when=newest.history_date,
        action=action,
        fields=fields,
    )
