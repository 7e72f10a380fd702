"""Bringing a deleted treaty back from its history with what it had then.

django-simple-history's revert recreates the record's own row only: a
deleted treaty came back with no parties (an alliance was refused: it needs
two), no sectors, citations, identifiers or commitments, though the history
holds all of them. Here the rows the treaty had at the version chosen are
read back from their own histories (``as_of`` that version's time), and its
links from the version's own snapshot of them.
"""

from __future__ import annotations

from diplomacy.models import Commitment, Treaty, TreatyCitation, TreatyIdentifier, TreatyParty

# The treaty's own rows, each kept in a history of its own, by the field naming the treaty.
TREATY_ROWS = ((TreatyParty, "treaty_id"), (TreatyCitation, "record_id"),
               (TreatyIdentifier, "treaty_id"), (Commitment, "treaty_id"))  # fmt: skip


def rows_as_of(model, field: str, treaty_pk: int, when) -> list:
    """The versions of ``model``'s rows of the treaty as they were at ``when``
    (their newest version then, unless it was their deletion)."""
    versions = model.history.filter(**{field: treaty_pk, "history_date__lte": when})
    return [version for version in versions.latest_of_each() if version.history_type != "-"]


def parties_as_of(treaty_pk: int, when) -> list[TreatyParty]:
    return [version.instance for version in rows_as_of(TreatyParty, "treaty_id", treaty_pk, when)]


def restore_rows(treaty: Treaty, version) -> None:
    """Write back, for the treaty just recreated from ``version`` (a history
    row of it), the rows it had at that version's time, with their links. A
    row whose related record no longer exists (a state deleted since) is left
    out. (The treaty's own links are the revert form's: ``links_as_of``.)"""
    when = version.history_date
    for model, field in TREATY_ROWS:
        for row_version in rows_as_of(model, field, treaty.pk, when):
            row = row_version.instance
            if not _targets_exist(row):
                continue
            row.save()
            restore_links(row, row_version)


def _targets_exist(row) -> bool:
    return all(
        field.related_model.objects.filter(pk=getattr(row, field.attname)).exists()
        for field in type(row)._meta.concrete_fields
        if field.is_relation and getattr(row, field.attname) is not None
    )


def links_as_of(model, version) -> dict[str, list[int]]:
    """The many-to-many links the history keeps with ``version`` (its
    model's tracked fields, which the version has by the same name): the
    targets' keys by field name."""
    links = {}
    for field in model._meta.many_to_many:
        snapshot = getattr(version, field.name, None)
        if snapshot is None:
            continue  # not kept with each version (a treaty's parties: rows of their own)
        target = field.m2m_reverse_field_name()
        links[field.name] = [getattr(link, f"{target}_id") for link in snapshot.all()]
    return links


def restore_links(record, version) -> None:
    """The links of ``version`` set on ``record`` again (a commitment's parties bound)."""
    for name, ids in links_as_of(type(record), version).items():
        field = type(record)._meta.get_field(name)
        getattr(record, name).set(field.related_model.objects.filter(pk__in=ids))
