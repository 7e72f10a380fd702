"""When two treaty records are probably one document.

The rule, in one place for the admin (a warning before saving) and the import:
the same kind, the same date of signature at the same precision, and the same
set of parties. A treaty with no date of signature or no parties is never a
probable duplicate: there is too little to compare.
"""

from django.db.models import Count, Q

from diplomacy.models import Treaty, TreatyParty


def probable_duplicates(
    *, kind: str, signed_on, signed_on_precision: str, party_ids, exclude_pk=None
):
    """The treaties the described one probably duplicates, oldest first."""
    party_ids = set(party_ids)
    if signed_on is None or not party_ids:
        return Treaty.objects.none()
    return (
        Treaty.objects.filter(
            kind=kind, signed_on=signed_on, signed_on_precision=signed_on_precision
        )
        .exclude(pk=exclude_pk)
        .annotate(
            party_count=Count("treatyparty", distinct=True),
            shared_count=Count(
                "treatyparty", filter=Q(treatyparty__state__in=party_ids), distinct=True
            ),
        )
        .filter(party_count=len(party_ids), shared_count=len(party_ids))
        .order_by("created_at", "pk")
    )


def duplicate_key(kind, signed_on, signed_on_precision, party_ids) -> tuple | None:
    """What two probable duplicates share (the rule above), or None when there
    is too little to compare."""
    party_ids = frozenset(party_ids or ())
    if not kind or signed_on is None or not party_ids:
        return None
    return (kind, signed_on, signed_on_precision, party_ids)


def probable_duplicates_of(keys) -> dict[tuple, list[tuple[int, str]]]:
    """For many described treaties at once (an import's batch), in two
    queries: each ``duplicate_key``'s (pk, slug) of the treaties it probably
    duplicates, oldest first."""
    keys = {key for key in keys if key is not None}
    if not keys:
        return {}
    dates_by_kind: dict[str, set] = {}
    for kind, signed_on, _precision, _parties in keys:
        dates_by_kind.setdefault(kind, set()).add(signed_on)
    same_kind_and_date = Q(
        *[Q(kind=kind, signed_on__in=dates) for kind, dates in dates_by_kind.items()],
        _connector=Q.OR,
    )
    treaties = list(
        Treaty.objects.filter(same_kind_and_date)
        .order_by("created_at", "pk")
        .values_list("pk", "slug", "kind", "signed_on", "signed_on_precision")
    )
    if not treaties:
        return {}
    parties: dict[int, set[int]] = {}
    for treaty, state in TreatyParty.objects.filter(
        treaty__in=[pk for pk, *_ in treaties]
    ).values_list("treaty_id", "state_id"):
        parties.setdefault(treaty, set()).add(state)
    found: dict[tuple, list[tuple[int, str]]] = {}
    for pk, slug, kind, signed_on, precision in treaties:
        key = duplicate_key(kind, signed_on, precision, parties.get(pk))
        if key in keys:
            found.setdefault(key, []).append((pk, slug))
    return found
