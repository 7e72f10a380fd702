"""Records someone else saved while an import ran: refused, not written over.

An import reads a batch (or a whole file) of records, checks every row, then
writes. An editor, the API or another import may save one of those records
in between; writing the import's copy would undo that save, silently. So
before writing, the import locks the rows it will change and compares them
with what it read: a row that changed meanwhile is refused (its line says
so, and with skip_invalid it goes to the reject file). The locks last until
the import's transaction ends, so nothing changes between the check and the
write. (PostgreSQL; SQLite lets one transaction write at a time.)
"""

from django.db.models import F

from diplomacy.any_of import AnyOf
from diplomacy.bulk_writes import snapshot_newest_links
from diplomacy.models import Treaty
from diplomacy.versions import new_versions

EDITED_MEANWHILE = (
    "{record} was changed by someone else while this file was imported (their change is "
    "kept): import the file again to apply this row to it."
)


def stored_values(record, fields: list[str]) -> dict:
    """What the import read of ``record``: its values of ``fields`` (attnames)."""
    return {name: getattr(record, name) for name in fields}


def changed_meanwhile(model, read: dict[int, dict], related=None) -> set[int]:
    """The keys of ``read`` (primary key -> the values the import read) whose
    row now holds other values, or is gone; every row is locked first.
    ``related``: ``(through model, its column naming the record, the column it
    names, read: primary key -> the set of related keys read)``, for a
    many-to-many set that changes without its record's row."""
    if not read:
        return set()
    fields = sorted({name for values in read.values() for name in values})
    now = {
        values.pop("pk"): values
        for values in model.objects.filter(AnyOf(F("pk"), list(read)))
        .select_for_update()
        .values("pk", *fields)
    }
    changed = {pk for pk, values in read.items() if now.get(pk) != values}
    if related is not None:
        through, owner, target, sets = related
        sets_now: dict[int, set[int]] = {}
        for pk, other in through.objects.filter(**{f"{owner}__in": list(read)}).values_list(
            owner, target
        ):
            sets_now.setdefault(pk, set()).add(other)
        changed |= {pk for pk in read if sets_now.get(pk, set()) != sets.get(pk, set())}
    return changed


def treaties_changed(treaty_ids, user, reason: str) -> None:
    """A new version of each treaty whose party rows or commitments an import
    wrote: its admin form (which shows them inline) and API ETag opened before
    are stale, so a save from them is refused instead of writing their old
    rows back. A history row each, as an admin save of the treaty with its
    inlines makes: the refusal and the editors' recent changes name who
    imported and when, and the history says it was this import (``reason``)."""
    new_versions(Treaty, treaty_ids, user, reason, defer=("search_vector",))
    snapshot_newest_links(Treaty, treaty_ids)
