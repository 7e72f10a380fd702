"""Treaties side by side (SPEC 3.11): what each commits its parties to, kind
by kind, for the comparison page and the API."""

from django.db import models

from diplomacy.models import Commitment, Treaty
from diplomacy.models.commitments import commitment_kinds_by_pk

# The comparison of treaties side by side (SPEC 3.11): at most this many.
COMPARE_MIN, COMPARE_MAX = 2, 6


class ComparisonError(ValueError):
    """Why treaties cannot be compared; the message is shown to the reader."""


def compare_treaties(slugs: list[str]) -> tuple[list, list]:
    """The published treaties of ``slugs`` (in that order) and the rows of
    their comparison: ``(kind, [commitments of that kind in each treaty])``
    for every kind present in one of them, in the vocabulary's order.
    Raises ``ComparisonError`` with the reason when they cannot be compared.
    Four queries whatever the count: treaties, their parties, commitments,
    the parties they bind."""
    slugs = list(dict.fromkeys(slug.strip() for slug in slugs if slug.strip()))
    if not COMPARE_MIN <= len(slugs) <= COMPARE_MAX:
        raise ComparisonError(
            f"Compare {COMPARE_MIN} to {COMPARE_MAX} different treaties ({len(slugs)} chosen): "
            "tick them in the treaty list and choose “Compare selected”, or name each in "
            "the address by the last part of its own, e.g. ?t=first-treaty&t=second-treaty."
        )
    found = {
        treaty.slug: treaty
        for treaty in Treaty.objects.published()
        .filter(slug__in=slugs)
        .for_items()
        .prefetch_related(
            models.Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("source").prefetch_related(
                    "parties_bound"
                ),
                to_attr="commitment_list",
            )
        )
    }
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ComparisonError(f"No published treaty at: {', '.join(missing)}.")
    treaties = [found[slug] for slug in slugs]
    kinds = commitment_kinds_by_pk()
    rows = []
    for pk, kind in kinds.items():
        cells = [[c for c in treaty.commitment_list if c.kind_id == pk] for treaty in treaties]
        if any(cells):
            for cell in cells:
                for commitment in cell:
                    commitment.kind = kind  # from the cached map: no query per cell
            rows.append((kind, cells))
    return treaties, rows
