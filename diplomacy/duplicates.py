"""When two treaty records are probably one document.

The rule, in one place for the admin (a warning before saving) and the import:
the same kind, the same date of signature at the same precision, and the same
set of parties. A treaty with no date of signature or no parties is never a
probable duplicate: there is too little to compare.
"""

from django.db.models import Count, Q

from diplomacy.models import Treaty


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
